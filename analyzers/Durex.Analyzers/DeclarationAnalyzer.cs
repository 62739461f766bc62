using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Cronos;
using Durex.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace Durex.Analyzers;

/// <summary>
/// Checks <c>[DurexCommand]</c> methods, <c>[Workflow]</c> classes and the Durex assembly attributes with the generator's
/// own parser, so every declaration the generator would skip is reported with what to fix; adds the checks the
/// generator does not need (cron expressions) and those across declarations (duplicate names).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class DeclarationAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
    [
        DiagnosticDescriptors.InvalidName, DiagnosticDescriptors.UnsupportedSignature, DiagnosticDescriptors.InvalidHook,
        DiagnosticDescriptors.InvalidUniqueKey, DiagnosticDescriptors.CannotCreateClass, DiagnosticDescriptors.InvalidAttributeValue,
        DiagnosticDescriptors.InvalidSettings, DiagnosticDescriptors.DuplicateName, DiagnosticDescriptors.InvalidCron,
        DiagnosticDescriptors.InvalidWorkflow, DiagnosticDescriptors.UnsupportedPayload, DiagnosticDescriptors.UntypedPayload,
        DiagnosticDescriptors.InaccessiblePayload,
    ];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var commandAttribute = start.Compilation.GetTypeByMetadataName(Parser.CommandAttribute);
            var workflowAttribute = start.Compilation.GetTypeByMetadataName(Parser.WorkflowAttribute);
            if (commandAttribute is null || workflowAttribute is null)
            {
                return; // the compilation does not reference Durex
            }

            // Duplicate names are reported at each declaration by its own symbol action (a local diagnostic, so the rename
            // fix is offered in the editor); finding them needs every declaration, parsed once per compilation.
            var compilation = start.Compilation;
            var duplicates = new Lazy<ILookup<DiagnosticInfo, DiagnosticInfo>>(() => AllDuplicates(compilation, commandAttribute, workflowAttribute),
                System.Threading.LazyThreadSafetyMode.ExecutionAndPublication);
            start.RegisterSymbolAction(symbol =>
            {
                var method = (IMethodSymbol)symbol.Symbol;
                if (Attribute(method, commandAttribute) is not { } attribute)
                {
                    return;
                }

                var command = Parser.ParseCommand(method, attribute, symbol.Compilation, symbol.CancellationToken);
                Report(symbol.ReportDiagnostic, symbol.Compilation, command.Diagnostics.Concat(duplicates.Value[command.Location]));
                CheckCron(symbol, attribute, command.Name);
            }, SymbolKind.Method);
            start.RegisterSymbolAction(symbol =>
            {
                var type = (INamedTypeSymbol)symbol.Symbol;
                if (Attribute(type, workflowAttribute) is not { } attribute)
                {
                    return;
                }

                var workflow = Parser.ParseWorkflow(type, attribute, symbol.Compilation, symbol.CancellationToken);
                Report(symbol.ReportDiagnostic, symbol.Compilation, workflow.Diagnostics.Concat(duplicates.Value[workflow.Location]));
            }, SymbolKind.NamedType);
            start.RegisterCompilationEndAction(end =>
            {
                var assemblyAttributes = end.Compilation.Assembly.GetAttributes();
                foreach (var settings in assemblyAttributes.Where(a => a.AttributeClass?.ToDisplayString() == Parser.GeneratedCodeAttribute))
                {
                    if (Parser.ParseSettings(settings, end.CancellationToken).Error is { } error)
                    {
                        Report(end.ReportDiagnostic, end.Compilation, [error]);
                    }
                }

                var jsonTypes = Parser.ParseJsonTypes(assemblyAttributes.Where(a => a.AttributeClass?.ToDisplayString() == Parser.JsonTypeAttribute),
                    end.Compilation, end.CancellationToken);
                Report(end.ReportDiagnostic, end.Compilation, jsonTypes.SelectMany(t => t.Diagnostics));
            });
        });
    }

    /// <summary>Every declaration's duplicate-name diagnostics, by the declaration's location.</summary>
    private static ILookup<DiagnosticInfo, DiagnosticInfo> AllDuplicates(Compilation compilation, INamedTypeSymbol commandAttribute,
        INamedTypeSymbol workflowAttribute)
    {
        var commands = new List<CommandModel>();
        var workflows = new List<WorkflowModel>();
        foreach (var type in Validation.Types(compilation.Assembly.GlobalNamespace))
        {
            if (Attribute(type, workflowAttribute) is { } workflow)
            {
                workflows.Add(Parser.ParseWorkflow(type, workflow, compilation, default));
            }

            foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            {
                if (Attribute(method, commandAttribute) is { } command)
                {
                    commands.Add(Parser.ParseCommand(method, command, compilation, default));
                }
            }
        }

        // Source order, so the message lists the owners as they appear in the code.
        return Validation.DuplicateNames(commands.OrderBy(c => c.Location.FilePath, StringComparer.Ordinal).ThenBy(c => c.Location.Start),
                workflows.OrderBy(w => w.Location.FilePath, StringComparer.Ordinal).ThenBy(w => w.Location.Start))
            .Distinct().ToLookup(d => d.Declaration, d => d.Diagnostic);
    }

    private static AttributeData? Attribute(ISymbol symbol, INamedTypeSymbol attributeType) =>
        symbol.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeType));

    /// <summary>Cron expressions are parsed by Cronos, as the runtime does, so a typo fails the build and not the start.</summary>
    private static void CheckCron(SymbolAnalysisContext context, AttributeData attribute, string command)
    {
        var argument = attribute.NamedArguments.FirstOrDefault(a => a.Key == "Cron");
        if (argument.Value.Value is not string expression)
        {
            return;
        }

        var text = expression.Trim();
        var fields = text.Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries).Length;
        string? problem = null;
        try
        {
            if (text.Length == 0)
            {
                problem = "it is empty.";
            }
            else if (!text.StartsWith("@", StringComparison.Ordinal) && fields is not (5 or 6))
            {
                problem = $"it has {fields} field{(fields == 1 ? "" : "s")}.";
            }
            else
            {
                CronExpression.Parse(text, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
        }
        catch (CronFormatException ex)
        {
            problem = ex.Message;
        }

        if (problem is not null)
        {
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? Location.None;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidCron, location,
                $"Cron expression '{expression}' of command '{command}' is invalid: {problem} Use 5 fields (minute hour day month weekday), 6 with seconds first, or a macro such as @daily."));
        }
    }

    internal static void Report(Action<Diagnostic> report, Compilation compilation, System.Collections.Generic.IEnumerable<DiagnosticInfo> diagnostics)
    {
        foreach (var info in diagnostics)
        {
            report(Diagnostic.Create(DiagnosticDescriptors.ById(info.Id), ToLocation(compilation, info), info.Message));
        }
    }

    /// <summary>The parser keeps locations as values; in an analyzer they become source locations again (code fixes need them).</summary>
    internal static Location ToLocation(Compilation compilation, DiagnosticInfo info)
    {
        if (info.FilePath is null)
        {
            return Location.None;
        }

        var tree = compilation.SyntaxTrees.FirstOrDefault(t => t.FilePath == info.FilePath);
        return tree is not null
            ? Location.Create(tree, new TextSpan(info.Start, info.Length))
            : Location.Create(info.FilePath, new TextSpan(info.Start, info.Length),
                new LinePositionSpan(new LinePosition(info.StartLine, info.StartColumn), new LinePosition(info.EndLine, info.EndColumn)));
    }
}
