using Durex.Generators.Common;
using Durex.Generators.Json;

namespace Durex.Generators;

// The pipeline's outputs: plain values only (no symbols, syntax or compilation), so unchanged inputs stay cached.

/// <summary>What a handler parameter receives.</summary>
internal enum ArgumentKind
{
    Payload,
    Context,
    CancellationToken,
    Exception,
}

/// <summary>How a handler returns.</summary>
internal enum ReturnKind
{
    Void,
    Task,
    ValueTask,
    TaskOfResult,
    ValueTaskOfResult,
    Result,
}

/// <summary>A user method the generated code calls.</summary>
internal sealed record MethodModel(string Name, bool IsStatic, EquatableArray<ArgumentKind> Arguments, ReturnKind Return);

/// <summary>How an instance of a handler class is created: its constructor's dependencies, resolved from DI.</summary>
internal sealed record FactoryModel(string TypeName, string DisplayName, EquatableArray<DependencyModel> Dependencies);

/// <summary>A constructor parameter resolved from DI; an optional one (with a default value) may be missing.</summary>
internal sealed record DependencyModel(string TypeName, bool IsOptional);

/// <summary>A payload type and the JSON metadata that reads and writes it.</summary>
/// <param name="TypeName">Fully qualified, <c>global::</c>-prefixed.</param>
/// <param name="CanBeNull">A reference or nullable type: the stubs reject a null payload.</param>
/// <param name="UserContext">The user's JsonSerializerContext that lists the type, when it does.</param>
/// <param name="IsPublic">Visible outside the assembly: public stubs may take it.</param>
internal sealed record PayloadModel(string TypeName, bool CanBeNull, bool IsPublic, JsonTypeGraphResult Json, string? UserContext, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>A diagnostic to report, with its location as values.</summary>
internal sealed record DiagnosticInfo(string Id, string Message, string? FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn);

/// <summary>The options a command attribute sets (null: not set).</summary>
internal sealed record OptionsModel(
    int? Retries,
    double? TimeoutSeconds,
    double? DeadlineSeconds,
    double? PeriodSeconds,
    string? Cron,
    string? CronTimeZone,
    int? Priority,
    EquatableArray<string> Tags);

/// <summary>A <c>[DurexCommand]</c> method.</summary>
internal sealed record CommandModel(
    string Name,
    string ClassName,
    MethodModel Method,
    FactoryModel? Factory,
    PayloadModel? Payload,
    OptionsModel Options,
    EquatableArray<UniqueKeyPart> UniqueKey,
    MethodModel? Recover,
    MethodModel? Expired,
    EquatableArray<DiagnosticInfo> Diagnostics,
    DiagnosticInfo Location);

/// <summary>A piece of a unique key template: literal text, or a C# expression reading a payload member.</summary>
internal sealed record UniqueKeyPart(string Text, bool IsMember);

/// <summary>A step of a workflow.</summary>
internal sealed record StepModel(int Order, string CommandName, MethodModel Method, string? CompensationCommand, bool Parallel, int? Retries,
    double? TimeoutSeconds);

/// <summary>A <c>[Workflow]</c> class.</summary>
internal sealed record WorkflowModel(
    string Name,
    string ClassName,
    FactoryModel? Factory,
    PayloadModel? Payload,
    EquatableArray<StepModel> Steps,
    EquatableArray<CompensationModel> Compensations,
    EquatableArray<DiagnosticInfo> Diagnostics,
    DiagnosticInfo Location);

/// <summary>A compensation method of a workflow and its command.</summary>
internal sealed record CompensationModel(string CommandName, MethodModel Method);

/// <summary>Assembly-wide settings: <c>[assembly: DurexGeneratedCode]</c>.</summary>
internal sealed record SettingsModel(string? Namespace, string JobsClassName, string WorkflowsClassName, bool IsPublic, DiagnosticInfo? Error = null)
{
    /// <summary>Without the attribute: internal <c>Jobs</c> and <c>Workflows</c> in the global namespace.</summary>
    public static SettingsModel Default { get; } = new(null, "Jobs", "Workflows", false);
}
