using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Durex.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Durex.Generators.Json;

/// <summary>
/// Walks a payload type and the types it reaches, the way System.Text.Json's source generator parses a
/// <c>[JsonSerializable]</c> type, and stops at the first member outside the subset the emitter supports.
/// </summary>
internal static class JsonTypeGraph
{
    private const string SerializationNamespace = "System.Text.Json.Serialization";
    private const string NotSupported = "is not supported by the generated JSON metadata";

    /// <summary>
    /// Builds the models for <paramref name="payload"/> and the types it reaches. When a type outside the supported
    /// subset is met, <see cref="JsonTypeGraphResult.Unsupported"/> says which member of which type and why.
    /// </summary>
    public static JsonTypeGraphResult Build(ITypeSymbol payload, CancellationToken cancellationToken)
    {
        var walker = new Walker(cancellationToken);
        var failure = walker.Run(payload);
        return new JsonTypeGraphResult(
            FullName(payload),
            failure is null ? walker.Types.ToEquatableArray() : EquatableArray<JsonTypeModel>.Empty,
            failure);
    }

    internal static string FullName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static readonly SymbolDisplayFormat ShortFormat = SymbolDisplayFormat.MinimallyQualifiedFormat
        .RemoveMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static string ShortName(ITypeSymbol type) => type.ToDisplayString(ShortFormat);

    /// <summary>Namespace and metadata name (<c>System.Guid</c>), free of nullable annotations and type arguments.</summary>
    private static string MetadataName(ITypeSymbol type)
        => type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;

    private sealed class Walker(CancellationToken cancellationToken)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Queue<INamedTypeSymbol> _pendingObjects = new();

        public List<JsonTypeModel> Types { get; } = new();

        public string? Run(ITypeSymbol payload)
        {
            var failure = Require(payload, ShortName(payload));
            while (failure is null && _pendingObjects.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                failure = DescribeObject(_pendingObjects.Dequeue());
            }

            return failure;
        }

        /// <summary>Registers <paramref name="type"/> and what it is made of; <paramref name="member"/> names the failure.</summary>
        private string? Require(ITypeSymbol type, string member)
        {
            var name = FullName(type);
            if (_seen.Contains(name))
            {
                return null; // described already, or being described: cycles end here
            }

            var why = WhyUnsupported(type);
            if (why is not null)
            {
                return $"{member}: type {ShortName(type)} {NotSupported} ({why})";
            }

            _seen.Add(name);
            var model = new JsonTypeModel(name) { TypeInfoName = TypeInfoName(type), IsValueType = type.IsValueType };

            if (BuiltInConverter(type) is { } converter)
            {
                Types.Add(model with { Kind = JsonTypeKind.BuiltIn, ConverterName = converter });
                return null;
            }

            if (type.TypeKind == TypeKind.Enum)
            {
                Types.Add(model with { Kind = JsonTypeKind.Enum });
                return null;
            }

            if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                var underlying = nullable.TypeArguments[0];
                Types.Add(model with { Kind = JsonTypeKind.Nullable, ElementTypeName = FullName(underlying) });
                return Require(underlying, member);
            }

            if (type is IArrayTypeSymbol array)
            {
                Types.Add(model with { Kind = JsonTypeKind.Array, ElementTypeName = FullName(array.ElementType) });
                return Require(array.ElementType, member);
            }

            var named = (INamedTypeSymbol)type;
            if (CollectionKind(named) is { } collection)
            {
                return DescribeCollection(model, named, collection, member);
            }

            // Objects are described once dequeued, so a type that reaches itself does not recurse.
            _pendingObjects.Enqueue(named);
            return null;
        }

        private string? DescribeCollection(JsonTypeModel model, INamedTypeSymbol type, JsonTypeKind kind, string member)
        {
            var isDictionary = kind is JsonTypeKind.Dictionary or JsonTypeKind.IDictionary or JsonTypeKind.IReadOnlyDictionary;
            var element = isDictionary ? type.TypeArguments[1] : type.TypeArguments[0];
            var key = isDictionary ? type.TypeArguments[0] : null;
            var elementName = FullName(element);
            var keyName = key is null ? null : FullName(key);

            var creator = kind switch
            {
                JsonTypeKind.List => model.FullyQualifiedName,
                JsonTypeKind.HashSet => model.FullyQualifiedName,
                JsonTypeKind.Dictionary or JsonTypeKind.IDictionary or JsonTypeKind.IReadOnlyDictionary
                    => $"global::System.Collections.Generic.Dictionary<{keyName}, {elementName}>",
                _ => null, // interfaces: the runtime instantiates List<T> / HashSet<T>
            };

            Types.Add(model with
            {
                Kind = kind,
                ElementTypeName = elementName,
                KeyTypeName = keyName,
                CollectionCreatorTypeName = creator,
            });

            if (key is not null && !IsSupportedDictionaryKey(key))
            {
                return $"{member}: type {ShortName(type)} {NotSupported} (dictionary keys must be string, an integer type, Guid or an enum)";
            }

            return (key is null ? null : Require(key, member)) ?? Require(element, member);
        }

        private string? DescribeObject(INamedTypeSymbol type)
        {
            var owner = ShortName(type);
            var model = new JsonTypeModel(FullName(type)) { TypeInfoName = TypeInfoName(type), IsValueType = type.IsValueType, Kind = JsonTypeKind.Object };

            if (!TryGetDeserializationConstructor(type, out var constructor, out var constructorProblem))
            {
                return $"{owner}: type {owner} {NotSupported} ({constructorProblem})";
            }

            var constructorSetsRequiredMembers = constructor is not null && HasAttribute(constructor, "System.Diagnostics.CodeAnalysis", "SetsRequiredMembersAttribute");
            var members = new List<(JsonPropertyModel Model, MemberFacts Facts)>();
            var ignoredMembers = new Dictionary<string, ISymbol>(StringComparer.Ordinal);

            // Most derived type first, as STJ does: the runtime then lets a derived member hide a base one.
            for (var current = type; current is not null; current = current.BaseType)
            {
                var declaringName = FullName(current);
                foreach (var member in current.GetMembers())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var failure = member switch
                    {
                        IPropertySymbol property when !property.IsStatic && property.Parameters.Length == 0
                            && !IsOverriddenAndIgnored(property, ignoredMembers)
                            => AddMember(owner, declaringName, property, property.Type, constructorSetsRequiredMembers, members, ignoredMembers),
                        IFieldSymbol field when !field.IsStatic && !field.IsConst && field.AssociatedSymbol is null
                            => AddMember(owner, declaringName, field, field.Type, constructorSetsRequiredMembers, members, ignoredMembers),
                        _ => null,
                    };
                    if (failure is not null)
                    {
                        return failure;
                    }
                }
            }

            // After the members, so a record's failure names its property (Order.Items), not its constructor parameter.
            var parameters = new List<JsonParameterModel>();
            foreach (var parameter in constructor?.Parameters ?? Enumerable.Empty<IParameterSymbol>())
            {
                var failure = Require(parameter.Type, $"{owner} constructor parameter {parameter.Name}");
                if (failure is not null)
                {
                    return failure;
                }

                parameters.Add(new JsonParameterModel(
                    parameter.Name,
                    FullName(parameter.Type),
                    parameter.Ordinal,
                    parameter.HasExplicitDefaultValue,
                    parameter.HasExplicitDefaultValue ? DefaultValueExpression(parameter) : "null",
                    IsParameterNullable(parameter)));
            }

            // STJ's rule: init-only and required members (unless [SetsRequiredMembers]) are set by the constructor delegate.
            var initializers = new List<JsonInitializerModel>();
            var initializerNames = new HashSet<string>(StringComparer.Ordinal);
            var parameterCount = parameters.Count;
            var usesParameterizedConstructor = parameterCount > 0;
            foreach (var (property, facts) in members)
            {
                var isRequired = facts.IsRequired && !constructorSetsRequiredMembers;
                if (!facts.CanSet || (!isRequired && !facts.IsInitOnly) || !initializerNames.Add(property.ClrName))
                {
                    continue; // a repeated name is a hidden base member: the derived one came first
                }

                var match = parameters.FirstOrDefault(p => string.Equals(p.Name, property.ClrName, StringComparison.OrdinalIgnoreCase));
                if (isRequired || match is null)
                {
                    usesParameterizedConstructor = true;
                    initializers.Add(new JsonInitializerModel(
                        property.SourceName,
                        property.ClrName,
                        property.TypeName,
                        match?.Position ?? parameterCount++,
                        match is not null,
                        property.IsSetNullable));
                }
            }

            Types.Add(model with
            {
                UsesParameterizedConstructor = usesParameterizedConstructor,
                Properties = members.Select(m => m.Model).ToEquatableArray(),
                ConstructorParameters = parameters.ToEquatableArray(),
                Initializers = initializers.ToEquatableArray(),
            });
            return null;
        }

        private string? AddMember(
            string owner,
            string declaringName,
            ISymbol member,
            ITypeSymbol memberType,
            bool constructorSetsRequiredMembers,
            List<(JsonPropertyModel Model, MemberFacts Facts)> members,
            Dictionary<string, ISymbol> ignoredMembers)
        {
            var where = $"{owner}.{member.Name}";
            string? jsonName = null;
            string? ignoreCondition = null;
            string? attributeProblem = null;
            var hasJsonInclude = false;
            var hasJsonRequired = false;
            var order = 0;

            foreach (var attribute in member.GetAttributes())
            {
                if (attribute.AttributeClass is not { } attributeClass)
                {
                    continue;
                }

                if (InheritsFrom(attributeClass, SerializationNamespace, "JsonConverterAttribute"))
                {
                    attributeProblem ??= $"{where}: [JsonConverter] {NotSupported}";
                    continue;
                }

                if (attributeClass.ContainingNamespace?.ToDisplayString() != SerializationNamespace)
                {
                    continue;
                }

                switch (attributeClass.Name)
                {
                    case "JsonIgnoreAttribute":
                        ignoreCondition = IgnoreConditionOf(attribute);
                        break;
                    case "JsonIncludeAttribute":
                        hasJsonInclude = true;
                        break;
                    case "JsonPropertyNameAttribute":
                        jsonName = attribute.ConstructorArguments[0].Value as string;
                        break;
                    case "JsonPropertyOrderAttribute":
                        order = attribute.ConstructorArguments[0].Value is int value ? value : 0;
                        break;
                    case "JsonRequiredAttribute":
                        hasJsonRequired = true;
                        break;
                    case "JsonExtensionDataAttribute":
                    case "JsonNumberHandlingAttribute":
                    case "JsonObjectCreationHandlingAttribute":
                        attributeProblem ??= $"{where}: [{attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length)}] {NotSupported}";
                        break;
                }
            }

            bool isPublic, canGet, canSet, isInitOnly = false, isRequired, isVirtual;
            ISymbol definition;
            if (member is IPropertySymbol property)
            {
                isRequired = property.IsRequired;
                isVirtual = property.IsVirtual || property.IsOverride || property.IsAbstract;
                canGet = property.GetMethod?.DeclaredAccessibility == Accessibility.Public;
                canSet = property.SetMethod?.DeclaredAccessibility == Accessibility.Public;
                isInitOnly = property.SetMethod?.IsInitOnly == true;
                isPublic = canGet || canSet || IsInternal(property.GetMethod) || IsInternal(property.SetMethod);
                definition = property.OriginalDefinition;
                if (hasJsonInclude && isPublic && ((property.GetMethod is not null && !canGet) || (property.SetMethod is not null && !canSet)))
                {
                    return $"{where}: [JsonInclude] on a non-public accessor {NotSupported}";
                }
            }
            else
            {
                var field = (IFieldSymbol)member;

                // STJ skips fields unless [JsonInclude] (IncludeFields is off by default), so only those are described.
                if (!hasJsonInclude)
                {
                    return field.IsRequired && field.DeclaredAccessibility == Accessibility.Public
                        ? $"{where}: a required field without [JsonInclude] {NotSupported}"
                        : null;
                }

                if (field.DeclaredAccessibility != Accessibility.Public)
                {
                    return $"{where}: [JsonInclude] on a non-public field {NotSupported}";
                }

                isRequired = field.IsRequired;
                isVirtual = false;
                canGet = true;
                canSet = !field.IsReadOnly;
                isPublic = true;
                definition = field.OriginalDefinition;
            }

            var isIgnored = ignoreCondition == "Always";
            if (isIgnored)
            {
                ignoredMembers[member.Name] = member;
            }

            // Members the runtime skips anyway (no public accessor) or that the generated code cannot name.
            if (!isPublic || (!canGet && !canSet) || !IsNameable(memberType))
            {
                return null;
            }

            if (attributeProblem is not null)
            {
                return attributeProblem;
            }

            if (!isIgnored && Require(memberType, where) is { } failure)
            {
                return failure;
            }

            var definitionType = definition is IPropertySymbol p ? p.Type : ((IFieldSymbol)definition).Type;
            var model = new JsonPropertyModel(
                SourceName: SyntaxFacts.GetKeywordKind(member.Name) != SyntaxKind.None ? "@" + member.Name : member.Name,
                ClrName: member.Name,
                JsonPropertyName: jsonName,
                TypeName: FullName(memberType),
                DeclaringTypeName: declaringName,
                IsProperty: member is IPropertySymbol,
                IsPublic: isPublic,
                IsVirtual: isVirtual,
                CanGet: canGet && !isIgnored,
                Setter: !canSet || isIgnored ? JsonSetterKind.None : isInitOnly ? JsonSetterKind.InitOnly : JsonSetterKind.Assign,
                IgnoreCondition: ignoreCondition,
                HasJsonInclude: hasJsonInclude,
                Order: order,
                IsRequired: hasJsonRequired || (isRequired && !constructorSetsRequiredMembers),
                IsGetNullable: !IsNonNullable(definitionType, definition, "NotNullAttribute", "MaybeNullAttribute"),
                IsSetNullable: !IsNonNullable(definitionType, definition, "DisallowNullAttribute", "AllowNullAttribute"));
            members.Add((model, new MemberFacts(canSet, isInitOnly, isRequired)));
            return null;
        }

        /// <summary>What STJ's initializer pass reads: unlike the emitted setter, an ignored member keeps these.</summary>
        private readonly record struct MemberFacts(bool CanSet, bool IsInitOnly, bool IsRequired);

        private static bool IsOverriddenAndIgnored(IPropertySymbol property, Dictionary<string, ISymbol> ignoredMembers)
            => (property.IsVirtual || property.IsOverride || property.IsAbstract)
                && ignoredMembers.TryGetValue(property.Name, out var ignored)
                && ignored is IPropertySymbol { } ignoredProperty
                && (ignoredProperty.IsVirtual || ignoredProperty.IsOverride || ignoredProperty.IsAbstract)
                && SymbolEqualityComparer.Default.Equals(property.Type, ignoredProperty.Type);

        private static bool TryGetDeserializationConstructor(INamedTypeSymbol type, out IMethodSymbol? constructor, out string problem)
        {
            // STJ's choice: [JsonConstructor], else (classes only) the public parameterless one, else the lone public one.
            var declared = type.InstanceConstructors
                .Where(c => !(c.IsImplicitlyDeclared && type.IsValueType && c.Parameters.Length == 0))
                .ToList();
            var annotated = declared.Where(c => HasAttribute(c, SerializationNamespace, "JsonConstructorAttribute")).ToList();
            var publicConstructors = declared.Where(c => c.DeclaredAccessibility == Accessibility.Public).ToList();
            problem = "";
            constructor = null;

            if (annotated.Count > 1)
            {
                problem = "more than one constructor has [JsonConstructor]";
                return false;
            }

            if (annotated.Count == 1)
            {
                constructor = annotated[0];
                if (constructor.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
                {
                    problem = "its [JsonConstructor] constructor is not accessible";
                    return false;
                }

                return true;
            }

            if (type.IsValueType)
            {
                return true; // structs are created with default(T) unless a constructor is annotated
            }

            constructor = publicConstructors.FirstOrDefault(c => c.Parameters.Length == 0)
                ?? (publicConstructors.Count == 1 ? publicConstructors[0] : null);
            if (constructor is null)
            {
                problem = "it needs a public parameterless constructor, a single public constructor or one marked [JsonConstructor]";
                return false;
            }

            return true;
        }

    }

    private static string? WhyUnsupported(ITypeSymbol type)
    {
        switch (type.TypeKind)
        {
            case TypeKind.Error:
                return "it could not be resolved";
            case TypeKind.TypeParameter:
                return "generic type parameters are not supported";
            case TypeKind.Dynamic:
                return "dynamic needs reflection";
            case TypeKind.Pointer:
            case TypeKind.FunctionPointer:
                return "pointers cannot be serialized";
            case TypeKind.Delegate:
                return "delegates cannot be serialized";
        }

        if (type.SpecialType == SpecialType.System_Object)
        {
            return "object is polymorphic: its runtime type needs reflection";
        }

        if (BuiltInConverter(type) is not null || type.TypeKind == TypeKind.Enum)
        {
            return HasTypeConverterOrPolymorphism(type);
        }

        if (type is IArrayTypeSymbol array)
        {
            return array.Rank == 1 ? null : "multi-dimensional arrays are not supported";
        }

        if (type is not INamedTypeSymbol named)
        {
            return "this kind of type is not supported";
        }

        if (!IsAccessible(named))
        {
            return "it is not accessible from the generated code";
        }

        if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T || CollectionKind(named) is not null)
        {
            return null;
        }

        if (named.IsTupleType)
        {
            return "tuples are not supported";
        }

        if (named.IsRefLikeType)
        {
            return "ref structs cannot be serialized";
        }

        if (named.TypeKind == TypeKind.Interface)
        {
            return "interfaces other than IList<T>, ICollection<T>, IEnumerable<T>, IReadOnlyList<T>, IReadOnlyCollection<T>, ISet<T>, IDictionary<K,V> and IReadOnlyDictionary<K,V> need a concrete type";
        }

        if (named.IsAbstract)
        {
            return "abstract types need polymorphism";
        }

        if (named.IsUnboundGenericType)
        {
            return "open generic types are not supported";
        }

        var ns = named.ContainingNamespace?.ToDisplayString() ?? "";
        if (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns == "Microsoft" || ns.StartsWith("Microsoft.", StringComparison.Ordinal))
        {
            return "framework types outside the supported primitives and collections are not supported";
        }

        if (named.AllInterfaces.Any(i => MetadataName(i) == "System.Collections.IEnumerable"))
        {
            return "collection types other than arrays, List<T>, HashSet<T>, Dictionary<K,V> and their interfaces are not supported";
        }

        return HasTypeConverterOrPolymorphism(named);
    }

    private static string? HasTypeConverterOrPolymorphism(ITypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } attributeClass)
            {
                continue;
            }

            if (InheritsFrom(attributeClass, SerializationNamespace, "JsonConverterAttribute"))
            {
                return "custom converters ([JsonConverter]) are not supported";
            }

            if (attributeClass.ContainingNamespace?.ToDisplayString() == SerializationNamespace
                && attributeClass.Name is "JsonPolymorphicAttribute" or "JsonDerivedTypeAttribute" or "JsonNumberHandlingAttribute"
                    or "JsonUnmappedMemberHandlingAttribute" or "JsonObjectCreationHandlingAttribute")
            {
                return $"[{attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length)}] is not supported";
            }
        }

        return null;
    }

    private static JsonTypeKind? CollectionKind(INamedTypeSymbol type)
    {
        if (!type.IsGenericType)
        {
            return null;
        }

        return type.OriginalDefinition.ToDisplayString() switch
        {
            "System.Collections.Generic.List<T>" => JsonTypeKind.List,
            "System.Collections.Generic.IList<T>" => JsonTypeKind.IList,
            "System.Collections.Generic.ICollection<T>" => JsonTypeKind.ICollection,
            "System.Collections.Generic.IEnumerable<T>" => JsonTypeKind.IEnumerable,
            "System.Collections.Generic.IReadOnlyList<T>" => JsonTypeKind.IEnumerable,
            "System.Collections.Generic.IReadOnlyCollection<T>" => JsonTypeKind.IEnumerable,
            "System.Collections.Generic.HashSet<T>" => JsonTypeKind.HashSet,
            "System.Collections.Generic.ISet<T>" => JsonTypeKind.ISet,
            "System.Collections.Generic.Dictionary<TKey, TValue>" => JsonTypeKind.Dictionary,
            "System.Collections.Generic.IDictionary<TKey, TValue>" => JsonTypeKind.IDictionary,
            "System.Collections.Generic.IReadOnlyDictionary<TKey, TValue>" => JsonTypeKind.IReadOnlyDictionary,
            _ => null,
        };
    }

    private static bool IsSupportedDictionaryKey(ITypeSymbol key)
        => key.TypeKind == TypeKind.Enum
            || key.SpecialType is SpecialType.System_String or SpecialType.System_Byte or SpecialType.System_SByte
                or SpecialType.System_Int16 or SpecialType.System_UInt16 or SpecialType.System_Int32 or SpecialType.System_UInt32
                or SpecialType.System_Int64 or SpecialType.System_UInt64
            || MetadataName(key) == "System.Guid";

    /// <summary>The <c>JsonMetadataServices</c> converter STJ uses for a type it treats as a JSON primitive.</summary>
    private static string? BuiltInConverter(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "BooleanConverter";
            case SpecialType.System_Byte: return "ByteConverter";
            case SpecialType.System_SByte: return "SByteConverter";
            case SpecialType.System_Int16: return "Int16Converter";
            case SpecialType.System_UInt16: return "UInt16Converter";
            case SpecialType.System_Int32: return "Int32Converter";
            case SpecialType.System_UInt32: return "UInt32Converter";
            case SpecialType.System_Int64: return "Int64Converter";
            case SpecialType.System_UInt64: return "UInt64Converter";
            case SpecialType.System_Single: return "SingleConverter";
            case SpecialType.System_Double: return "DoubleConverter";
            case SpecialType.System_Decimal: return "DecimalConverter";
            case SpecialType.System_Char: return "CharConverter";
            case SpecialType.System_String: return "StringConverter";
            case SpecialType.System_DateTime: return "DateTimeConverter";
        }

        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return "ByteArrayConverter"; // base64, not an array of numbers
        }

        if (type.ContainingType is not null)
        {
            return null;
        }

        return MetadataName(type) switch
        {
            "System.DateTimeOffset" => "DateTimeOffsetConverter",
            "System.Guid" => "GuidConverter",
            "System.TimeSpan" => "TimeSpanConverter",
            "System.DateOnly" => "DateOnlyConverter",
            "System.TimeOnly" => "TimeOnlyConverter",
            "System.Half" => "HalfConverter",
            "System.Int128" => "Int128Converter",
            "System.UInt128" => "UInt128Converter",
            "System.Uri" => "UriConverter",
            "System.Version" => "VersionConverter",
            "System.Text.Json.JsonElement" => "JsonElementConverter",
            _ => null,
        };
    }

    /// <summary>STJ's name for a type's metadata property: <c>Int32</c>, <c>LineArray</c>, <c>DictionaryStringInt32</c>.</summary>
    private static string TypeInfoName(ITypeSymbol type)
    {
        if (type is IArrayTypeSymbol array)
        {
            return TypeInfoName(array.ElementType) + (array.Rank == 1 ? "Array" : $"Array{array.Rank}D");
        }

        if (type is not INamedTypeSymbol { IsGenericType: true } named)
        {
            return type.Name;
        }

        var arguments = new List<ITypeSymbol>();
        for (var current = named; current is not null; current = current.ContainingType)
        {
            arguments.InsertRange(0, current.TypeArguments);
        }

        return named.Name + string.Concat(arguments.Select(TypeInfoName));
    }

    private static bool IsAccessible(INamedTypeSymbol type)
    {
        for (ITypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return type.TypeArguments.All(a => a is not INamedTypeSymbol n || IsAccessible(n));
    }

    /// <summary>Whether a member's type can appear in the generated code at all (as a generic argument).</summary>
    private static bool IsNameable(ITypeSymbol type)
        => type.TypeKind is not (TypeKind.Pointer or TypeKind.FunctionPointer or TypeKind.Error)
            && !type.IsRefLikeType
            && (type is not INamedTypeSymbol named || IsAccessible(named));

    private static bool IsInternal(IMethodSymbol? accessor)
        => accessor?.DeclaredAccessibility is Accessibility.Internal or Accessibility.ProtectedOrInternal;

    /// <summary>STJ's nullability reading: a reference type not annotated '?' is non-nullable, attributes can say otherwise.</summary>
    private static bool IsNonNullable(ITypeSymbol type, ISymbol member, string nonNullAttribute, string nullAttribute)
    {
        if (type.IsValueType || type.TypeKind == TypeKind.TypeParameter)
        {
            return false;
        }

        if (HasAttribute(member, "System.Diagnostics.CodeAnalysis", nullAttribute))
        {
            return false;
        }

        return HasAttribute(member, "System.Diagnostics.CodeAnalysis", nonNullAttribute)
            || type.NullableAnnotation == NullableAnnotation.NotAnnotated;
    }

    private static bool IsParameterNullable(IParameterSymbol parameter)
    {
        var type = parameter.Type;
        if (type.IsValueType)
        {
            return type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
        }

        var definition = parameter.OriginalDefinition;
        return !IsNonNullable(definition.Type, definition, "DisallowNullAttribute", "AllowNullAttribute");
    }

    private static string IgnoreConditionOf(AttributeData attribute)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == "Condition" && argument.Value.Value is int condition)
            {
                return condition switch
                {
                    0 => "Never",
                    1 => "Always",
                    2 => "WhenWritingDefault",
                    3 => "WhenWritingNull",
                    4 => "WhenWriting",
                    5 => "WhenReading",
                    _ => "Always",
                };
            }
        }

        return "Always";
    }

    /// <summary>A C# expression of the parameter's type for its default value, boxed by the runtime as that type.</summary>
    private static string DefaultValueExpression(IParameterSymbol parameter)
    {
        var type = FullName(parameter.Type);
        return parameter.ExplicitDefaultValue switch
        {
            null => $"default({type})",
            string text => SymbolDisplay.FormatLiteral(text, quote: true),
            char character => SymbolDisplay.FormatLiteral(character, quote: true),
            bool flag => flag ? "true" : "false",
            double.NaN => $"({type})double.NaN",
            double.PositiveInfinity => $"({type})double.PositiveInfinity",
            double.NegativeInfinity => $"({type})double.NegativeInfinity",
            float.NaN => $"({type})float.NaN",
            float.PositiveInfinity => $"({type})float.PositiveInfinity",
            float.NegativeInfinity => $"({type})float.NegativeInfinity",
            double number => $"({type})({number.ToString("R", CultureInfo.InvariantCulture)}D)",
            float number => $"({type})({number.ToString("R", CultureInfo.InvariantCulture)}F)",
            decimal number => $"({type})({number.ToString(CultureInfo.InvariantCulture)}M)",
            ulong number => $"({type})({number.ToString(CultureInfo.InvariantCulture)}UL)",
            long number => $"({type})({number.ToString(CultureInfo.InvariantCulture)}L)",
            uint number => $"({type})({number.ToString(CultureInfo.InvariantCulture)}U)",
            IFormattable number => $"({type})({number.ToString(null, CultureInfo.InvariantCulture)})",
            _ => $"default({type})",
        };
    }

    private static bool HasAttribute(ISymbol symbol, string ns, string name)
        => symbol.GetAttributes().Any(a => a.AttributeClass is { } c && c.Name == name && c.ContainingNamespace?.ToDisplayString() == ns);

    private static bool InheritsFrom(INamedTypeSymbol type, string ns, string name)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.BaseType)
        {
            if (current.Name == name && current.ContainingNamespace?.ToDisplayString() == ns)
            {
                return true;
            }
        }

        return false;
    }
}
