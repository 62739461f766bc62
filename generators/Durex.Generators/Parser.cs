using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Durex.Generators.Common;
using Durex.Generators.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Durex.Generators;

/// <summary>Turns attributed declarations into models. All symbol work happens here; nothing symbolic leaves.</summary>
internal static class Parser
{
    public const string CommandAttribute = "Durex.DurexCommandAttribute";
    public const string WorkflowAttribute = "Durex.WorkflowAttribute";
    public const string StepAttribute = "Durex.StepAttribute";
    public const string JsonTypeAttribute = "Durex.DurexJsonTypeAttribute";
    public const string GeneratedCodeAttribute = "Durex.DurexGeneratedCodeAttribute";
    public const string JsonContextAttribute = "Durex.DurexJsonContextAttribute";

    private static readonly SymbolDisplayFormat FullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayFormat.FullyQualifiedFormat.MiscellaneousOptions | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static CommandModel? ParseCommand(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        context.TargetSymbol is IMethodSymbol method && context.Attributes.Length > 0
            ? ParseCommand(method, context.Attributes[0], context.SemanticModel.Compilation, cancellationToken)
            : null;

    /// <summary>A <c>[DurexCommand]</c> method; shared by the generator and the analyzers, which report its diagnostics.</summary>
    public static CommandModel ParseCommand(IMethodSymbol method, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var location = method.Locations.FirstOrDefault();
        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
        if (!IsValidName(name))
        {
            diagnostics.Add(Info("DURX0001", $"Command name '{name}' on {method.ContainingType.Name}.{method.Name} is invalid: use 1–200 characters of ASCII letters, digits and _ - . : /", location));
        }

        var known = new KnownTypes(compilation);
        var handler = ParseMethod(method, known, allowException: false, out var payloadType, out var error);
        if (handler is null)
        {
            diagnostics.Add(Info("DURX0002", $"{method.ContainingType.Name}.{method.Name} cannot handle command '{name}': {error}", location));
        }

        var factory = CheckReachable(method.ContainingType, diagnostics, location) && !method.IsStatic
            ? ParseFactory(method.ContainingType, diagnostics, location)
            : null;
        var payload = payloadType is null ? null : ParsePayload(payloadType, compilation, diagnostics, location, cancellationToken);

        var recover = ParseHook(method, attribute, "OnRecover", known, allowException: true, payloadType, diagnostics, location);
        var expired = ParseHook(method, attribute, "OnExpired", known, allowException: false, payloadType, diagnostics, location);
        var options = ParseOptions(attribute, $"command '{name}'", diagnostics, location);
        var uniqueKey = ParseUniqueKey(Named<string>(attribute, "UniqueKey"), payloadType, name, diagnostics, location);

        return new CommandModel(name, method.ContainingType.ToDisplayString(FullyQualified), handler ?? new MethodModel(method.Name, method.IsStatic,
                EquatableArray<ArgumentKind>.Empty, ReturnKind.Task), factory, payload, options, uniqueKey, recover, expired,
            diagnostics.ToEquatableArray(), Info("", name, location));
    }

    public static WorkflowModel? ParseWorkflow(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        context.TargetSymbol is INamedTypeSymbol type && context.Attributes.Length > 0
            ? ParseWorkflow(type, context.Attributes[0], context.SemanticModel.Compilation, cancellationToken)
            : null;

    /// <summary>A <c>[Workflow]</c> class; shared by the generator and the analyzers, which report its diagnostics.</summary>
    public static WorkflowModel ParseWorkflow(INamedTypeSymbol type, AttributeData attribute, Compilation compilation, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var location = type.Locations.FirstOrDefault();
        var name = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? "" : "";
        if (!IsValidName(name))
        {
            diagnostics.Add(Info("DURX0001", $"Workflow name '{name}' on {type.Name} is invalid: use 1–200 characters of ASCII letters, digits and _ - . : /", location));
        }

        var known = new KnownTypes(compilation);
        var steps = new List<StepModel>();
        var orders = new List<(int Order, bool Parallel)>(); // of every step, so one reported for its signature leaves no gap
        var compensations = new List<CompensationModel>();
        ITypeSymbol? payloadType = null;
        var anyInstance = false;
        // Declaration order (file, then position) decides the order of parallel members: stable under unrelated edits.
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>()
                     .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "", StringComparer.Ordinal)
                     .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == StepAttribute);
            if (step is null)
            {
                continue;
            }

            var stepLocation = method.Locations.FirstOrDefault();
            var order = step.ConstructorArguments.Length == 1 && step.ConstructorArguments[0].Value is int o ? o : 0;
            orders.Add((order, Named<bool>(step, "Parallel")));
            var parsed = ParseMethod(method, known, allowException: false, out var stepPayload, out var error);
            if (parsed is null)
            {
                diagnostics.Add(Info("DURX0002", $"Workflow step {type.Name}.{method.Name} is not supported: {error}", stepLocation));
                continue;
            }

            if (!SamePayload(ref payloadType, stepPayload))
            {
                diagnostics.Add(Info("DURX1001", $"Workflow step {type.Name}.{method.Name} takes {stepPayload!.ToDisplayString()}, but another step takes {payloadType!.ToDisplayString()}: all steps of a workflow share one payload type", stepLocation));
            }

            string? compensationCommand = null;
            if (Named<string>(step, "Compensate") is { } compensateName)
            {
                var target = type.GetMembers(compensateName).OfType<IMethodSymbol>().ToArray();
                if (target.Length != 1)
                {
                    diagnostics.Add(Info("DURX0003", $"Workflow step {type.Name}.{method.Name} names compensation '{compensateName}', but {type.Name} has {(target.Length == 0 ? "no method" : "several methods")} of that name", stepLocation));
                }
                else if (ParseMethod(target[0], known, allowException: false, out var compensationPayload, out var compensationError) is not { } compensation)
                {
                    diagnostics.Add(Info("DURX0003", $"Compensation {type.Name}.{compensateName} is not supported: {compensationError}", stepLocation));
                }
                else if (!SamePayload(ref payloadType, compensationPayload))
                {
                    diagnostics.Add(Info("DURX1001", $"Compensation {type.Name}.{compensateName} takes {compensationPayload!.ToDisplayString()}, but the workflow's payload is {payloadType!.ToDisplayString()}", stepLocation));
                }
                else
                {
                    compensationCommand = name + "." + CommandSegment(compensateName);
                    CheckStepName(compensationCommand, type.Name, compensateName, diagnostics, stepLocation);
                    anyInstance |= !compensation.IsStatic;
                    if (!compensations.Any(c => c.CommandName == compensationCommand))
                    {
                        compensations.Add(new CompensationModel(compensationCommand, compensation));
                    }
                }
            }

            anyInstance |= !parsed.IsStatic;
            var options = ParseOptions(step, $"step {type.Name}.{method.Name}", diagnostics, stepLocation);
            var stepCommand = name + "." + CommandSegment(method.Name);
            CheckStepName(stepCommand, type.Name, method.Name, diagnostics, stepLocation);
            steps.Add(new StepModel(order, stepCommand, parsed, compensationCommand, Named<bool>(step, "Parallel"),
                options.Retries, options.TimeoutSeconds));
        }

        CheckSteps(type.Name, orders, diagnostics, location);
        var factory = CheckReachable(type, diagnostics, location) && anyInstance ? ParseFactory(type, diagnostics, location) : null;
        var payload = payloadType is null ? null : ParsePayload(payloadType, compilation, diagnostics, location, cancellationToken);
        return new WorkflowModel(name, type.ToDisplayString(FullyQualified), factory, payload,
            steps.OrderBy(s => s.Order).ToEquatableArray(), compensations.ToEquatableArray(), diagnostics.ToEquatableArray(), Info("", name, location));
    }

    public static EquatableArray<PayloadModel> ParseJsonTypes(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        ParseJsonTypes(context.Attributes, context.SemanticModel.Compilation, cancellationToken);

    /// <summary>The types named by <c>[assembly: DurexJsonType]</c> attributes.</summary>
    public static EquatableArray<PayloadModel> ParseJsonTypes(IEnumerable<AttributeData> attributes, Compilation compilation, CancellationToken cancellationToken)
    {
        var result = new List<PayloadModel>();
        foreach (var attribute in attributes)
        {
            if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is ITypeSymbol type)
            {
                var diagnostics = new List<DiagnosticInfo>();
                var location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
                result.Add(ParsePayload(type, compilation, diagnostics, location, cancellationToken)
                    with { Diagnostics = diagnostics.ToEquatableArray() });
            }
        }

        return result.ToEquatableArray();
    }

    public static SettingsModel ParseSettings(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
        ParseSettings(context.Attributes[0], cancellationToken);

    /// <summary>The <c>[assembly: DurexGeneratedCode]</c> settings, checked.</summary>
    public static SettingsModel ParseSettings(AttributeData attribute, CancellationToken cancellationToken)
    {
        var ns = Named<string>(attribute, "Namespace");
        var jobs = Named<string>(attribute, "JobsClassName") ?? SettingsModel.Default.JobsClassName;
        var workflows = Named<string>(attribute, "WorkflowsClassName") ?? SettingsModel.Default.WorkflowsClassName;
        var location = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();
        string? error =
            !string.IsNullOrWhiteSpace(ns) && !ns!.Split('.').All(IsIdentifier) ? $"Namespace '{ns}' is not a C# namespace name" :
            !IsIdentifier(jobs) ? $"JobsClassName '{jobs}' is not a C# identifier" :
            !IsIdentifier(workflows) ? $"WorkflowsClassName '{workflows}' is not a C# identifier" :
            jobs == workflows ? $"JobsClassName and WorkflowsClassName are both '{jobs}'; give them different names" :
            jobs == "DurexJsonMetadata" || workflows == "DurexJsonMetadata" || jobs == "DurexGeneratedRegistration" || workflows == "DurexGeneratedRegistration"
                ? "DurexJsonMetadata and DurexGeneratedRegistration are taken by the generated code; choose other class names" :
            null;
        return error is not null
            ? SettingsModel.Default with { Error = Info("DURX0007", $"[assembly: DurexGeneratedCode]: {error}; the defaults are used meanwhile", location) }
            : new SettingsModel(string.IsNullOrWhiteSpace(ns) ? null : ns, jobs, workflows, Named<bool>(attribute, "Public"));
    }

    // ---------------------------------------------------------------- methods

    private static MethodModel? ParseMethod(IMethodSymbol method, KnownTypes known, bool allowException, out ITypeSymbol? payload, out string? error)
    {
        payload = null;
        error = null;
        if (method.IsGenericMethod)
        {
            error = "generic methods are not supported";
            return null;
        }

        if (method.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
        {
            error = "the method must be public or internal, so the generated code can call it";
            return null;
        }

        var arguments = new List<ArgumentKind>();
        foreach (var parameter in method.Parameters)
        {
            if (parameter.RefKind != RefKind.None)
            {
                error = $"parameter '{parameter.Name}' is passed by reference ({parameter.RefKind.ToString().ToLowerInvariant()})";
                return null;
            }

            if (!allowException && SymbolEqualityComparer.Default.Equals(parameter.Type, known.Exception))
            {
                error = $"parameter '{parameter.Name}' is an Exception, which only OnRecover hooks receive";
                return null;
            }

            var kind = SymbolEqualityComparer.Default.Equals(parameter.Type, known.CommandContext) ? ArgumentKind.Context
                : SymbolEqualityComparer.Default.Equals(parameter.Type, known.CancellationToken) ? ArgumentKind.CancellationToken
                : allowException && SymbolEqualityComparer.Default.Equals(parameter.Type, known.Exception) ? ArgumentKind.Exception
                : ArgumentKind.Payload;
            if (arguments.Contains(kind))
            {
                error = kind == ArgumentKind.Payload
                    ? $"it takes two payload parameters; a handler takes at most one payload, plus CommandContext and CancellationToken{(allowException ? " and Exception" : "")}"
                    : $"it takes two {(kind == ArgumentKind.Context ? "CommandContext" : kind.ToString())} parameters";
                return null;
            }

            if (kind == ArgumentKind.Payload)
            {
                payload = parameter.Type;
            }

            arguments.Add(kind);
        }

        var returns = ParseReturn(method, known);
        if (returns is null)
        {
            error = method.IsAsync && method.ReturnsVoid
                ? "async void methods cannot be awaited; return Task"
                : $"it returns {method.ReturnType.ToDisplayString()}; return Task, ValueTask, CommandResult, Task<CommandResult> or ValueTask<CommandResult>";
            return null;
        }

        return new MethodModel(method.Name, method.IsStatic, arguments.ToEquatableArray(), returns.Value);
    }

    private static ReturnKind? ParseReturn(IMethodSymbol method, KnownTypes known)
    {
        var type = method.ReturnType;
        if (method.ReturnsVoid)
        {
            return method.IsAsync ? null : ReturnKind.Void;
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.Task))
        {
            return ReturnKind.Task;
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.ValueTask))
        {
            return ReturnKind.ValueTask;
        }

        if (SymbolEqualityComparer.Default.Equals(type, known.CommandResult))
        {
            return ReturnKind.Result;
        }

        if (type is INamedTypeSymbol { IsGenericType: true } generic && generic.TypeArguments.Length == 1
            && SymbolEqualityComparer.Default.Equals(generic.TypeArguments[0], known.CommandResult))
        {
            if (SymbolEqualityComparer.Default.Equals(generic.ConstructedFrom, known.TaskOfT))
            {
                return ReturnKind.TaskOfResult;
            }

            if (SymbolEqualityComparer.Default.Equals(generic.ConstructedFrom, known.ValueTaskOfT))
            {
                return ReturnKind.ValueTaskOfResult;
            }
        }

        return null;
    }

    private static MethodModel? ParseHook(IMethodSymbol handler, AttributeData attribute, string property, KnownTypes known, bool allowException,
        ITypeSymbol? payloadType, List<DiagnosticInfo> diagnostics, Location? location)
    {
        if (Named<string>(attribute, property) is not { } hookName)
        {
            return null;
        }

        var candidates = handler.ContainingType.GetMembers(hookName).OfType<IMethodSymbol>().ToArray();
        if (candidates.Length != 1)
        {
            diagnostics.Add(Info("DURX0003", $"{property} names '{hookName}', but {handler.ContainingType.Name} has {(candidates.Length == 0 ? "no method" : "several methods")} of that name", location));
            return null;
        }

        var hook = ParseMethod(candidates[0], known, allowException, out var hookPayload, out var error);
        if (hook is null)
        {
            diagnostics.Add(Info("DURX0003", $"{property} method {handler.ContainingType.Name}.{hookName} is not supported: {error}", location));
            return null;
        }

        if (hookPayload is not null && !SymbolEqualityComparer.Default.Equals(hookPayload, payloadType))
        {
            diagnostics.Add(Info("DURX0003", $"{property} method {handler.ContainingType.Name}.{hookName} takes {hookPayload.ToDisplayString()}, but the command's payload is {payloadType?.ToDisplayString() ?? "none"}", location));
            return null;
        }

        if (!hook.IsStatic && handler.IsStatic)
        {
            diagnostics.Add(Info("DURX0003", $"{property} method {handler.ContainingType.Name}.{hookName} is an instance method of a static handler; make it static", location));
            return null;
        }

        return hook;
    }

    /// <summary>The generated code calls into the type from outside it: it and every containing type must be reachable.</summary>
    private static bool CheckReachable(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, Location? location)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            var problem = t.IsFileLocal ? "is file-local"
                : t.TypeParameters.Length > 0 ? "is generic"
                : t.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal ? null
                : $"is {AccessibilityText(t.DeclaredAccessibility)}";
            if (problem is not null)
            {
                diagnostics.Add(Info("DURX0005", $"{(ReferenceEquals(t, type) ? type.Name : $"{type.Name}'s containing type {t.Name}")} {problem}: the generated code must be able to call the handlers, so make it a public or internal, non-generic type", location));
                return false;
            }
        }

        return true;
    }

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.ProtectedAndInternal => "private protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        _ => accessibility.ToString().ToLowerInvariant(),
    };

    private static FactoryModel? ParseFactory(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, Location? location)
    {
        if (type.IsAbstract || type.IsStatic)
        {
            diagnostics.Add(Info("DURX0005", $"{type.Name} cannot be created per attempt: a class with instance handlers must not be abstract or static", location));
            return null;
        }

        var constructors = type.InstanceConstructors.Where(c => c.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal).ToArray();
        var chosen = constructors.FirstOrDefault(c => c.GetAttributes().Any(a => a.AttributeClass?.Name == "ActivatorUtilitiesConstructorAttribute"))
            ?? constructors.OrderByDescending(c => c.Parameters.Length).FirstOrDefault();
        if (chosen is null)
        {
            diagnostics.Add(Info("DURX0005", $"{type.Name} has no public or internal constructor to create it with", location));
            return null;
        }

        var setsRequired = chosen.GetAttributes().Any(a => a.AttributeClass?.Name == "SetsRequiredMembersAttribute");
        if (!setsRequired && AllTypes(type).SelectMany(t => t.GetMembers()).Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true }))
        {
            diagnostics.Add(Info("DURX0005", $"{type.Name} has required members, which its constructor does not set: the class is created with its constructor alone, so remove 'required' or add [SetsRequiredMembers] to the constructor", location));
            return null;
        }

        return new FactoryModel(type.ToDisplayString(FullyQualified), type.ToDisplayString(),
            chosen.Parameters.Select(p => new DependencyModel(
                p.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified), p.HasExplicitDefaultValue)).ToEquatableArray());
    }

    // ---------------------------------------------------------------- payloads and options

    private static PayloadModel ParsePayload(ITypeSymbol type, Compilation compilation, List<DiagnosticInfo> diagnostics, Location? location,
        CancellationToken cancellationToken)
    {
        var typeName = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(FullyQualified);
        var canBeNull = !type.IsValueType || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
        var isPublic = IsPublic(type);
        if (!IsVisibleToAssembly(type))
        {
            // Nothing else to say about its JSON shape: the generated code cannot name the type at all.
            diagnostics.Add(Info("DURX2003", $"Payload type {Shown(type)} is private or protected: the generated stubs and metadata live outside its class, so make it (and the classes containing it) public or internal", location));
            return new PayloadModel(typeName, canBeNull, isPublic, new JsonTypeGraphResult(typeName, EquatableArray<JsonTypeModel>.Empty, null), null,
                EquatableArray<DiagnosticInfo>.Empty);
        }

        var userContext = UserContextListing(type, compilation);
        if (userContext is not null)
        {
            return new PayloadModel(typeName, canBeNull, isPublic, new JsonTypeGraphResult(typeName, EquatableArray<JsonTypeModel>.Empty, null), userContext, EquatableArray<DiagnosticInfo>.Empty);
        }

        var json = JsonTypeGraph.Build(type, cancellationToken);
        // A type that does not resolve already has its compiler error: one message is enough.
        if (json.Unsupported is not null && !ContainsErrorType(type))
        {
            var shown = Shown(type);
            diagnostics.Add(IsUntyped(type)
                ? Info("DURX2002", $"Payload type {shown} says nothing about the data's shape: the payload is stored as JSON and read back by its declared type, so use a concrete record or class (or list it in the JsonSerializerContext named by [assembly: DurexJsonContext] if it really must be polymorphic)", location)
                : Info("DURX2001",
                $"The generated JSON metadata cannot serialize payload type {shown}: {json.Unsupported}. Add [JsonSerializable(typeof({shown}))] to a JsonSerializerContext and name it with [assembly: DurexJsonContext(typeof(YourContext))]",
                location));
        }

        return new PayloadModel(typeName, canBeNull, isPublic, json, null, EquatableArray<DiagnosticInfo>.Empty);
    }

    private static string Shown(ITypeSymbol type) => type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString();

    private static bool IsUntyped(ITypeSymbol type) =>
        type.SpecialType == SpecialType.System_Object || type.TypeKind is TypeKind.Dynamic or TypeKind.Interface || (type.IsAbstract && type.TypeKind == TypeKind.Class);

    private static bool IsVisibleToAssembly(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsVisibleToAssembly(array.ElementType),
        INamedTypeSymbol named => Enumerable.Repeat(named, 1).Concat(Containing(named))
                .All(t => t.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal or Accessibility.NotApplicable)
            && named.TypeArguments.All(IsVisibleToAssembly),
        _ => true,
    };

    private static bool IsPublic(ITypeSymbol type) => type switch
    {
        IArrayTypeSymbol array => IsPublic(array.ElementType),
        INamedTypeSymbol named => Enumerable.Repeat(named, 1).Concat(Containing(named)).All(t => t.DeclaredAccessibility == Accessibility.Public)
            && named.TypeArguments.All(IsPublic),
        _ => true,
    };

    private static IEnumerable<INamedTypeSymbol> Containing(INamedTypeSymbol type)
    {
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            yield return t;
        }
    }

    private static bool ContainsErrorType(ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => true,
        IArrayTypeSymbol array => ContainsErrorType(array.ElementType),
        INamedTypeSymbol named => named.TypeArguments.Any(ContainsErrorType),
        _ => false,
    };

    /// <summary>The user's context named by <c>[assembly: DurexJsonContext]</c>, when it lists <paramref name="type"/>.</summary>
    private static string? UserContextListing(ITypeSymbol type, Compilation compilation)
    {
        var named = compilation.Assembly.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == JsonContextAttribute);
        if (named?.ConstructorArguments.FirstOrDefault().Value is not INamedTypeSymbol context)
        {
            return null;
        }

        var lists = context.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializableAttribute"
            && a.ConstructorArguments.FirstOrDefault().Value is ITypeSymbol listed
            && SymbolEqualityComparer.Default.Equals(listed.WithNullableAnnotation(NullableAnnotation.NotAnnotated), type.WithNullableAnnotation(NullableAnnotation.NotAnnotated)));
        return lists ? context.ToDisplayString(FullyQualified) : null;
    }

    private static OptionsModel ParseOptions(AttributeData attribute, string owner, List<DiagnosticInfo> diagnostics, Location? location)
    {
        var retries = NamedNullable<int>(attribute, "Retries");
        var timeout = NamedNullable<double>(attribute, "TimeoutSeconds");
        var deadline = NamedNullable<double>(attribute, "DeadlineSeconds");
        var period = NamedNullable<double>(attribute, "PeriodSeconds");
        if (retries < 0)
        {
            diagnostics.Add(Info("DURX0006", $"Retries of {owner} is {retries}; it must be 0 or more", location));
        }

        foreach (var (value, property) in new[] { (timeout, "TimeoutSeconds"), (deadline, "DeadlineSeconds"), (period, "PeriodSeconds") })
        {
            if (value is { } seconds && !(seconds > 0 && seconds <= TimeSpan.MaxValue.TotalSeconds))
            {
                diagnostics.Add(Info("DURX0006", $"{property} of {owner} is {seconds.ToString(CultureInfo.InvariantCulture)}; it must be more than 0", location));
            }
        }

        var tags = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Tags").Value;
        var tagValues = tags.Kind == TypedConstantKind.Array && !tags.IsNull
            ? tags.Values.Select(v => v.Value as string).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!).ToEquatableArray()
            : EquatableArray<string>.Empty;
        return new OptionsModel(retries, timeout, deadline, period, Named<string>(attribute, "Cron"), Named<string>(attribute, "CronTimeZone"),
            NamedNullable<int>(attribute, "Priority"), tagValues);
    }

    private static EquatableArray<UniqueKeyPart> ParseUniqueKey(string? template, ITypeSymbol? payload, string command, List<DiagnosticInfo> diagnostics,
        Location? location)
    {
        if (template is null)
        {
            return EquatableArray<UniqueKeyPart>.Empty;
        }

        var parts = new List<UniqueKeyPart>();
        var text = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                text.Append(template[i]);
                continue;
            }

            var end = template.IndexOf('}', i);
            if (end < 0)
            {
                diagnostics.Add(Info("DURX0004", $"Unique key template '{template}' of command '{command}' has a '{{' without its '}}'", location));
                return EquatableArray<UniqueKeyPart>.Empty;
            }

            var path = template.Substring(i + 1, end - i - 1).Trim();
            var access = payload is null ? null : MemberAccess(payload, path);
            if (access is null)
            {
                diagnostics.Add(Info("DURX0004", payload is null
                    ? $"Unique key template '{template}' of command '{command}' names '{path}', but the command takes no payload"
                    : $"Unique key template '{template}' of command '{command}' names '{path}', which {payload.ToDisplayString()} does not have as a readable public instance property or field", location));
                return EquatableArray<UniqueKeyPart>.Empty;
            }

            if (text.Length > 0)
            {
                parts.Add(new UniqueKeyPart(text.ToString(), false));
                text.Clear();
            }

            parts.Add(new UniqueKeyPart(access, true));
            i = end;
        }

        if (text.Length > 0)
        {
            parts.Add(new UniqueKeyPart(text.ToString(), false));
        }

        return parts.ToEquatableArray();
    }

    /// <summary>
    /// The C# expression reading <paramref name="path"/> from the variable <c>payload</c>, with <c>?.</c> after every
    /// value that can be null; null when a segment is not a readable public instance member.
    /// </summary>
    private static string? MemberAccess(ITypeSymbol payload, string path)
    {
        var expression = new StringBuilder("payload");
        var current = payload;
        foreach (var segment in path.Split('.'))
        {
            var nullable = !current.IsValueType || current.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
            if (current is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapped)
            {
                current = wrapped.TypeArguments[0]; // ?. on a Nullable<T> reaches T's members
            }

            var member = AllMembers(current, segment.Trim()).FirstOrDefault(m => m.DeclaredAccessibility == Accessibility.Public && !m.IsStatic
                && m is IPropertySymbol { GetMethod: not null } or IFieldSymbol);
            if (member is null)
            {
                return null;
            }

            expression.Append(nullable ? "?." : ".").Append(Identifier(member.Name));
            current = member is IPropertySymbol property ? property.Type : ((IFieldSymbol)member).Type;
        }

        return expression.ToString();
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            yield return t;
        }
    }

    private static IEnumerable<ISymbol> AllMembers(ITypeSymbol type, string name)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var member in t.GetMembers(name))
            {
                yield return member;
            }
        }
    }

    private static void CheckSteps(string type, List<(int Order, bool Parallel)> steps, List<DiagnosticInfo> diagnostics, Location? location)
    {
        if (steps.Count == 0)
        {
            diagnostics.Add(Info("DURX1001", $"Workflow {type} has no [Step] methods", location));
            return;
        }

        var orders = steps.Select(s => s.Order).Distinct().OrderBy(o => o).ToArray();
        for (var i = 0; i < orders.Length; i++)
        {
            if (orders[i] != i + 1)
            {
                diagnostics.Add(Info("DURX1001", $"Workflow {type}: step numbers must run 1, 2, 3… without gaps; found {orders[i]} where {i + 1} was expected", location));
                return;
            }

            var group = steps.Where(s => s.Order == orders[i]).ToArray();
            if (group.Length > 1 && group.Any(s => !s.Parallel))
            {
                diagnostics.Add(Info("DURX1001", $"Workflow {type}: several steps have number {orders[i]}; set Parallel = true on each to run them as a fan-out, or number them apart", location));
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static bool SamePayload(ref ITypeSymbol? workflowPayload, ITypeSymbol? stepPayload)
    {
        if (stepPayload is null)
        {
            return true;
        }

        if (workflowPayload is null)
        {
            workflowPayload = stepPayload;
            return true;
        }

        return SymbolEqualityComparer.Default.Equals(workflowPayload.WithNullableAnnotation(NullableAnnotation.NotAnnotated),
            stepPayload.WithNullableAnnotation(NullableAnnotation.NotAnnotated));
    }

    /// <summary>The name segment of a workflow method's command: <c>ChargeAsync</c> → <c>charge</c>.</summary>
    public static string CommandSegment(string methodName)
    {
        var name = methodName.EndsWith("Async", StringComparison.Ordinal) && methodName.Length > 5 ? methodName.Substring(0, methodName.Length - 5) : methodName;
        return char.ToLowerInvariant(name[0]) + name.Substring(1);
    }

    /// <summary>A name usable in generated code: C# keywords get their <c>@</c>.</summary>
    public static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    private static bool IsIdentifier(string name) => SyntaxFacts.IsValidIdentifier(name) && SyntaxFacts.GetKeywordKind(name) == SyntaxKind.None;

    private static void CheckStepName(string command, string type, string method, List<DiagnosticInfo> diagnostics, Location? location)
    {
        if (!IsValidName(command))
        {
            diagnostics.Add(Info("DURX0001", $"{type}.{method} would run as command '{command}', which is not a valid command name: use 1–200 characters of ASCII letters, digits and _ - . : / in the workflow and method names", location));
        }
    }

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 200 && name.All(c => c < 128 && (char.IsLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/'));

    private static T? Named<T>(AttributeData attribute, string name)
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T value)
            {
                return value;
            }
        }

        return default;
    }

    private static T? NamedNullable<T>(AttributeData attribute, string name)
        where T : struct
    {
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Key == name && argument.Value.Value is T value)
            {
                return value;
            }
        }

        return null;
    }

    private static DiagnosticInfo Info(string id, string message, Location? location)
    {
        if (location is null || !location.IsInSource)
        {
            return new DiagnosticInfo(id, message, null, 0, 0, 0, 0, 0, 0);
        }

        var span = location.GetLineSpan();
        return new DiagnosticInfo(id, message, location.SourceTree?.FilePath, location.SourceSpan.Start, location.SourceSpan.Length,
            span.StartLinePosition.Line, span.StartLinePosition.Character, span.EndLinePosition.Line, span.EndLinePosition.Character);
    }

    private sealed class KnownTypes(Compilation compilation)
    {
        public INamedTypeSymbol? CommandContext { get; } = compilation.GetTypeByMetadataName("Durex.CommandContext");
        public INamedTypeSymbol? CommandResult { get; } = compilation.GetTypeByMetadataName("Durex.CommandResult");
        public INamedTypeSymbol? CancellationToken { get; } = compilation.GetTypeByMetadataName("System.Threading.CancellationToken");
        public INamedTypeSymbol? Exception { get; } = compilation.GetTypeByMetadataName("System.Exception");
        public INamedTypeSymbol? Task { get; } = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task");
        public INamedTypeSymbol? TaskOfT { get; } = compilation.GetTypeByMetadataName("System.Threading.Tasks.Task`1");
        public INamedTypeSymbol? ValueTask { get; } = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask");
        public INamedTypeSymbol? ValueTaskOfT { get; } = compilation.GetTypeByMetadataName("System.Threading.Tasks.ValueTask`1");
    }
}
