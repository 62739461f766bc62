using Microsoft.CodeAnalysis;

namespace Durex.Generators;

/// <summary>
/// What the generator reports when it cannot generate code for a declaration. Bands: 0xxx usage, 1xxx workflows,
/// 2xxx serialization. Each rule's page is docs/diagnostics/DURXnnnn.md.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Durex";

    public static readonly DiagnosticDescriptor InvalidName = Rule("DURX0001", "Invalid command or workflow name",
        "{0}");

    public static readonly DiagnosticDescriptor UnsupportedSignature = Rule("DURX0002", "Handler signature not supported",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidHook = Rule("DURX0003", "Hook method not found or not supported",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidUniqueKey = Rule("DURX0004", "Unique key template names a missing payload member",
        "{0}");

    public static readonly DiagnosticDescriptor CannotCreateClass = Rule("DURX0005", "Handler class cannot be created",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidAttributeValue = Rule("DURX0006", "Attribute value out of range",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidSettings = Rule("DURX0007", "Generated-code settings are not valid",
        "{0}");

    public static readonly DiagnosticDescriptor DuplicateName = Rule("DURX0008", "Command name declared more than once",
        "{0}");

    public static readonly DiagnosticDescriptor InvalidWorkflow = Rule("DURX1001", "Workflow steps are not valid",
        "{0}");

    public static readonly DiagnosticDescriptor UnsupportedPayload = Rule("DURX2001", "Payload type not supported by the generated JSON metadata",
        "{0}");

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "DURX0001" => InvalidName,
        "DURX0002" => UnsupportedSignature,
        "DURX0003" => InvalidHook,
        "DURX0004" => InvalidUniqueKey,
        "DURX0005" => CannotCreateClass,
        "DURX0006" => InvalidAttributeValue,
        "DURX0007" => InvalidSettings,
        "DURX0008" => DuplicateName,
        "DURX1001" => InvalidWorkflow,
        _ => UnsupportedPayload,
    };

    private static DiagnosticDescriptor Rule(string id, string title, string format) =>
        new(id, title, format, Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
            helpLinkUri: $"https://github.com/durex-dotnet/durex/blob/main/docs/diagnostics/{id}.md");
}
