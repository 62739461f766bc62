using Durex.Generators.Common;

namespace Durex.Generators.Json;

/// <summary>How the metadata for a type is built: the System.Text.Json factory it maps to.</summary>
internal enum JsonTypeKind
{
    /// <summary>A type with a built-in converter (<c>JsonMetadataServices.{Converter}</c>).</summary>
    BuiltIn,
    Enum,
    Nullable,
    Object,
    Array,
    List,
    IList,
    ICollection,
    IEnumerable,
    HashSet,
    ISet,
    Dictionary,
    IDictionary,
    IReadOnlyDictionary,
}

internal enum JsonSetterKind
{
    None,
    Assign,

    /// <summary>Set through the constructor delegate's object initializer, never through the setter (as STJ does).</summary>
    InitOnly,
}

/// <summary>One type the JSON metadata describes. Value-equatable: no symbols, no syntax.</summary>
internal sealed record JsonTypeModel(string FullyQualifiedName)
{
    /// <summary>The name STJ would give the type's metadata property (<c>Int32</c>, <c>ListLine</c>); unique only after the emitter resolves collisions.</summary>
    public string TypeInfoName { get; init; } = "";

    public JsonTypeKind Kind { get; init; }

    public bool IsValueType { get; init; }

    /// <summary>For <see cref="JsonTypeKind.BuiltIn"/>: the <c>JsonMetadataServices</c> converter property.</summary>
    public string? ConverterName { get; init; }

    /// <summary>The underlying type of a nullable, the element of a collection, the value of a dictionary.</summary>
    public string? ElementTypeName { get; init; }

    public string? KeyTypeName { get; init; }

    /// <summary>The concrete collection deserialization creates; null when the runtime picks it (arrays, interfaces).</summary>
    public string? CollectionCreatorTypeName { get; init; }

    /// <summary>For objects: whether deserialization goes through <c>ObjectWithParameterizedConstructorCreator</c>.</summary>
    public bool UsesParameterizedConstructor { get; init; }

    /// <summary>For objects: every serializable member, most derived type first, in declaration order (the runtime sorts by order).</summary>
    public EquatableArray<JsonPropertyModel> Properties { get; init; }

    public EquatableArray<JsonParameterModel> ConstructorParameters { get; init; }

    /// <summary>Init-only or required members set in the constructor delegate's object initializer.</summary>
    public EquatableArray<JsonInitializerModel> Initializers { get; init; }
}

internal sealed record JsonPropertyModel(
    string SourceName,
    string ClrName,
    string? JsonPropertyName,
    string TypeName,
    string DeclaringTypeName,
    bool IsProperty,
    bool IsPublic,
    bool IsVirtual,
    bool CanGet,
    JsonSetterKind Setter,
    string? IgnoreCondition,
    bool HasJsonInclude,
    int Order,
    bool IsRequired,
    bool IsGetNullable,
    bool IsSetNullable);

internal sealed record JsonParameterModel(
    string Name,
    string TypeName,
    int Position,
    bool HasDefaultValue,
    string DefaultValueExpression,
    bool IsNullable);

internal sealed record JsonInitializerModel(
    string SourceName,
    string ClrName,
    string TypeName,
    int ParameterIndex,
    bool MatchesConstructorParameter,
    bool IsNullable);

/// <summary>A payload type and every type reachable from it that the metadata must describe.</summary>
internal sealed record JsonTypeGraphResult(string RootTypeName, EquatableArray<JsonTypeModel> Types, string? Unsupported);
