using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Durex.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Durex.CodeFixes;

/// <summary>
/// DURX1001 for step numbers with gaps, or a number shared without <c>Parallel</c>: number the steps 1, 2, 3… again.
/// The run order is kept (steps sorted by their number, then by declaration order); steps that share a number with
/// <c>Parallel = true</c> keep sharing their new one; a step sharing a number without it gets a number of its own.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenumberStepsCodeFixProvider)), Shared]
public sealed class RenumberStepsCodeFixProvider : CodeFixProvider, IEditorFix
{
    public const string RenumberKey = "Durex.RenumberSteps";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["DURX1001"];

    public override FixAllProvider GetFixAllProvider() => new EditorFixAllProvider(this);

    public override Task RegisterCodeFixesAsync(CodeFixContext context) => EditorFix.RegisterAsync(this, context);

    async Task<ImmutableArray<FixOffer>> IEditorFix.OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var node = await EditorFix.NodeAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        if (model is null || Workflow(model, node, cancellationToken) is not { } type)
        {
            return [];
        }

        // DURX1001 has other causes (no steps, payloads that differ): offered only when the numbers are what is wrong.
        var steps = Renumber(Steps(type, cancellationToken));
        return steps.Any(s => s.Order != s.NewOrder)
            ? [new FixOffer($"Number the steps of {type.Name} 1, 2, 3…", RenumberKey)]
            : [];
    }

    string IEditorFix.FixAllTitle(string equivalenceKey) => "Number the steps of every workflow 1, 2, 3…";

    async Task IEditorFix.ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken)
    {
        var done = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var diagnostic in diagnostics)
        {
            if (await EditorFix.NodeAsync(editor, diagnostic, cancellationToken).ConfigureAwait(false) is not (var documentEditor, var node)
                || Workflow(documentEditor.SemanticModel, node, cancellationToken) is not { } type
                || !done.Add(type))
            {
                continue;
            }

            foreach (var step in Renumber(Steps(type, cancellationToken)).Where(s => s.Order != s.NewOrder))
            {
                // A partial workflow may have steps in other documents.
                var document = editor.OriginalSolution.GetDocument(step.Attribute.SyntaxTree);
                if (document is null)
                {
                    continue;
                }

                var stepEditor = await editor.GetDocumentEditorAsync(document.Id, cancellationToken).ConfigureAwait(false);
                var order = step.Attribute.ArgumentList!.Arguments.First(a => a.NameEquals is null).Expression;
                stepEditor.ReplaceNode(order, LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(step.NewOrder)).WithTriviaFrom(order));
            }
        }
    }

    private static INamedTypeSymbol? Workflow(SemanticModel model, SyntaxNode? node, CancellationToken cancellationToken) =>
        node?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration
        && model.GetDeclaredSymbol(declaration, cancellationToken) is { } type
        && type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Parser.WorkflowAttribute)
            ? type
            : null;

    private sealed class Step(AttributeSyntax attribute, int order, bool parallel, int position)
    {
        public AttributeSyntax Attribute { get; } = attribute;

        public int Order { get; } = order;

        public bool Parallel { get; } = parallel;

        public int Position { get; } = position;

        public int NewOrder { get; set; }
    }

    /// <summary>The type's steps whose number is written as a positional argument, in declaration order (file, then position).</summary>
    private static List<Step> Steps(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var steps = new List<Step>();
        var methods = type.GetMembers().OfType<IMethodSymbol>()
            .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "", System.StringComparer.Ordinal)
            .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0);
        foreach (var method in methods)
        {
            var data = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Parser.StepAttribute);
            if (data?.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments } attribute
                && arguments.Arguments.Any(a => a.NameEquals is null)
                && data.ConstructorArguments.FirstOrDefault().Value is int order)
            {
                var parallel = data.NamedArguments.Any(a => a.Key == "Parallel" && a.Value.Value is true);
                steps.Add(new Step(attribute, order, parallel, steps.Count));
            }
        }

        return steps;
    }

    private static List<Step> Renumber(List<Step> steps)
    {
        var next = 0;
        foreach (var group in steps.OrderBy(s => s.Order).ThenBy(s => s.Position).GroupBy(s => s.Order))
        {
            var parallel = 0;
            foreach (var step in group)
            {
                if (step.Parallel)
                {
                    parallel = parallel == 0 ? ++next : parallel;
                    step.NewOrder = parallel;
                }
                else
                {
                    step.NewOrder = ++next;
                }
            }
        }

        return steps;
    }
}
