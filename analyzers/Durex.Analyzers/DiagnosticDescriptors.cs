using Microsoft.CodeAnalysis;

namespace Durex.Analyzers;

/// <summary>
/// Every Durex diagnostic. Bands: 0xxx usage, 1xxx workflows, 2xxx AOT and serialization. Each rule's page is
/// docs/diagnostics/DURXnnnn.md; AnalyzerReleases.*.md track them.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Durex";

    public static readonly DiagnosticDescriptor InvalidName = Error("DURX0001", "Invalid command or workflow name");

    public static readonly DiagnosticDescriptor UnsupportedSignature = Error("DURX0002", "Handler signature not supported");

    public static readonly DiagnosticDescriptor InvalidHook = Error("DURX0003", "Hook method not found or not supported");

    public static readonly DiagnosticDescriptor InvalidUniqueKey = Error("DURX0004", "Unique key template names a missing payload member");

    public static readonly DiagnosticDescriptor CannotCreateClass = Error("DURX0005", "Handler class cannot be reached or created");

    public static readonly DiagnosticDescriptor InvalidAttributeValue = Error("DURX0006", "Attribute value out of range");

    public static readonly DiagnosticDescriptor InvalidSettings = Error("DURX0007", "Generated-code settings are not valid", compilationEnd: true);

    public static readonly DiagnosticDescriptor DuplicateName = Error("DURX0008", "Command name declared more than once");

    public static readonly DiagnosticDescriptor InvalidCron = Error("DURX0009", "Invalid cron expression");

    public static readonly DiagnosticDescriptor UnknownCommand = Warning("DURX0010", "No handler registers this command name", compilationEnd: true);

    public static readonly DiagnosticDescriptor InvalidWorkflow = Error("DURX1001", "Workflow steps are not valid");

    public static readonly DiagnosticDescriptor UnknownSequenceStep = Warning("DURX1002", "A sequence names a command no handler registers", compilationEnd: true);

    public static readonly DiagnosticDescriptor WorkflowCycle = Error("DURX1003", "Workflows start each other in a cycle", compilationEnd: true);

    public static readonly DiagnosticDescriptor MissingCompensation = Warning("DURX1004", "Step has no compensation while a later step can fail");

    public static readonly DiagnosticDescriptor UnsupportedPayload = Error("DURX2001", "Payload type not supported by the generated JSON metadata");

    public static readonly DiagnosticDescriptor UntypedPayload = Error("DURX2002", "Payload type is object, dynamic, an interface or abstract");

    public static readonly DiagnosticDescriptor InaccessiblePayload = Error("DURX2003", "Payload type is not visible to the generated code");

    public static readonly DiagnosticDescriptor[] All =
    [
        InvalidName, UnsupportedSignature, InvalidHook, InvalidUniqueKey, CannotCreateClass, InvalidAttributeValue, InvalidSettings,
        DuplicateName, InvalidCron, UnknownCommand, InvalidWorkflow, UnknownSequenceStep, WorkflowCycle, MissingCompensation,
        UnsupportedPayload, UntypedPayload, InaccessiblePayload,
    ];

    public static DiagnosticDescriptor ById(string id)
    {
        foreach (var descriptor in All)
        {
            if (descriptor.Id == id)
            {
                return descriptor;
            }
        }

        throw new System.ArgumentException($"No Durex diagnostic {id}.", nameof(id));
    }

    private static DiagnosticDescriptor Error(string id, string title, bool compilationEnd = false) =>
        Rule(id, title, DiagnosticSeverity.Error, compilationEnd);

    private static DiagnosticDescriptor Warning(string id, string title, bool compilationEnd = false) =>
        Rule(id, title, DiagnosticSeverity.Warning, compilationEnd);

    // The message is built by the check that finds the problem: it names the declaration and says what to change.
    private static DiagnosticDescriptor Rule(string id, string title, DiagnosticSeverity severity, bool compilationEnd) =>
        new(id, title, "{0}", Category, severity, isEnabledByDefault: true,
            helpLinkUri: $"https://github.com/durex-dotnet/durex/blob/main/docs/diagnostics/{id}.md",
            customTags: compilationEnd ? [WellKnownDiagnosticTags.CompilationEnd] : []);
}
