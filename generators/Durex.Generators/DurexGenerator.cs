using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Durex.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Durex.Generators;

/// <summary>
/// Turns <c>[DurexCommand]</c> methods and <c>[Workflow]</c> classes into registration, typed enqueue stubs and the
/// JSON metadata of their payloads — no reflection at run time, so the result runs under NativeAOT.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class DurexGenerator : IIncrementalGenerator
{
    /// <summary>Names of the tracked pipeline steps (the incremental-cache tests look them up).</summary>
    public static class TrackingNames
    {
        public const string Commands = nameof(Commands);
        public const string Workflows = nameof(Workflows);
        public const string JsonTypes = nameof(JsonTypes);
        public const string Settings = nameof(Settings);
        public const string Combined = nameof(Combined);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var commands = context.SyntaxProvider
            .ForAttributeWithMetadataName(Parser.CommandAttribute, static (node, _) => node is MethodDeclarationSyntax, Parser.ParseCommand)
            .Where(static m => m is not null)
            .WithTrackingName(TrackingNames.Commands);
        var workflows = context.SyntaxProvider
            .ForAttributeWithMetadataName(Parser.WorkflowAttribute, static (node, _) => node is ClassDeclarationSyntax, Parser.ParseWorkflow)
            .Where(static m => m is not null)
            .WithTrackingName(TrackingNames.Workflows);
        var jsonTypes = context.SyntaxProvider
            .ForAttributeWithMetadataName(Parser.JsonTypeAttribute, static (node, _) => node is CompilationUnitSyntax, Parser.ParseJsonTypes)
            .WithTrackingName(TrackingNames.JsonTypes);
        // Not from CompilationProvider: an assembly attribute found by metadata name keeps the step cached while typing.
        var settings = context.SyntaxProvider
            .ForAttributeWithMetadataName(Parser.GeneratedCodeAttribute, static (node, _) => node is CompilationUnitSyntax, Parser.ParseSettings)
            .Collect()
            .Select(static (all, _) => all.IsEmpty ? SettingsModel.Default : all[0])
            .WithTrackingName(TrackingNames.Settings);

        var combined = commands.Collect()
            .Combine(workflows.Collect())
            .Combine(jsonTypes.Collect())
            .Combine(settings)
            .Select(static (input, _) => new GenerationModel(
                input.Left.Left.Left.OrderBy(c => c!.Name, System.StringComparer.Ordinal).ThenBy(c => c!.ClassName, System.StringComparer.Ordinal).Select(c => c!).ToEquatableArray(),
                input.Left.Left.Right.OrderBy(w => w!.Name, System.StringComparer.Ordinal).ThenBy(w => w!.ClassName, System.StringComparer.Ordinal).Select(w => w!).ToEquatableArray(),
                input.Left.Right.SelectMany(p => p).ToEquatableArray(),
                input.Right))
            .WithTrackingName(TrackingNames.Combined);

        context.RegisterSourceOutput(combined, static (spc, model) => Generate(spc, model));
    }

    private static void Generate(SourceProductionContext context, GenerationModel model)
    {
        var duplicates = Validation.DuplicateNames(model.Commands, model.Workflows);

        // Declarations with errors generate nothing, without a cascade of compile errors: the Durex analyzers, which run
        // the same checks, report what to fix (validation lives in analyzers, DESIGN.md §5).
        var clashing = new HashSet<DiagnosticInfo>(duplicates.Select(d => d.Declaration));
        var commands = model.Commands.Where(c => c.Diagnostics.Count == 0 && !clashing.Contains(c.Location)).ToArray();
        var workflows = model.Workflows.Where(w => w.Diagnostics.Count == 0 && !clashing.Contains(w.Location)).ToArray();
        // With declarations that all have errors, the (empty) registration is still there: the analyzers' messages are
        // then the only errors, not joined by "AddGeneratedCommands does not exist".
        if (model.Commands.Count == 0 && model.Workflows.Count == 0 && model.JsonTypes.Count == 0)
        {
            return;
        }

        var emitter = new Emitter(model.Settings);
        context.AddSource("Durex.Jobs.g.cs", SourceText.From(emitter.EmitJobs(commands, workflows), System.Text.Encoding.UTF8));
        context.AddSource("Durex.Registration.g.cs", SourceText.From(emitter.EmitRegistration(), System.Text.Encoding.UTF8));
        if (workflows.Length > 0)
        {
            context.AddSource("Durex.Workflows.g.cs", SourceText.From(emitter.EmitWorkflows(workflows), System.Text.Encoding.UTF8));
        }

        var jsonTypes = commands.Select(c => c.Payload).Concat(workflows.Select(w => w.Payload)).Concat(model.JsonTypes)
            .Where(p => p is { UserContext: null, Json.Unsupported: null })
            .SelectMany(p => p!.Json.Types)
            .ToArray();
        if (jsonTypes.Length > 0)
        {
            // Internal whatever the stubs' visibility: only this assembly's generated code reads it.
            context.AddSource("Durex.JsonMetadata.g.cs",
                SourceText.From(Json.JsonMetadataEmitter.Emit(model.Settings.Namespace, isPublic: false, jsonTypes), System.Text.Encoding.UTF8));
        }
    }

    private sealed record GenerationModel(
        EquatableArray<CommandModel> Commands,
        EquatableArray<WorkflowModel> Workflows,
        EquatableArray<PayloadModel> JsonTypes,
        SettingsModel Settings);
}
