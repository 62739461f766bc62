using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace Durex.CodeFixes;

/// <summary>A fix the provider can offer for one diagnostic: what it says and the key that groups it for Fix All.</summary>
internal readonly struct FixOffer(string title, string equivalenceKey)
{
    public string Title { get; } = title;

    public string EquivalenceKey { get; } = equivalenceKey;
}

/// <summary>
/// The shape every Durex code fix has: it says which fixes a diagnostic gets, and applies one of them (by equivalence
/// key) to a batch of diagnostics through one <see cref="SolutionEditor"/>. A single fix is a batch of one; Fix All is
/// the same code over every diagnostic in scope, so the two cannot disagree, and fixes that touch the same class (or
/// another document, such as a JSON context) compose instead of conflicting as text changes would.
/// </summary>
internal interface IEditorFix
{
    Task<ImmutableArray<FixOffer>> OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken);

    /// <summary>Applies the fix named by <paramref name="equivalenceKey"/> to each diagnostic, in source order.</summary>
    Task ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken);

    string FixAllTitle(string equivalenceKey);
}

internal static class EditorFix
{
    public static async Task RegisterAsync(IEditorFix fix, CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            foreach (var offer in await fix.OffersAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false))
            {
                var solution = context.Document.Project.Solution;
                context.RegisterCodeFix(
                    CodeAction.Create(offer.Title, ct => ApplyAsync(fix, solution, [diagnostic], offer.EquivalenceKey, ct), offer.EquivalenceKey),
                    diagnostic);
            }
        }
    }

    public static async Task<Solution> ApplyAsync(IEditorFix fix, Solution solution, ImmutableArray<Diagnostic> diagnostics, string key,
        CancellationToken cancellationToken)
    {
        var editor = new SolutionEditor(solution);
        var ordered = diagnostics
            .Where(d => d.Location.IsInSource)
            .OrderBy(d => d.Location.SourceTree!.FilePath, System.StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
        await fix.ApplyAsync(editor, ordered, key, cancellationToken).ConfigureAwait(false);
        return editor.GetChangedSolution();
    }

    /// <summary>The document of the solution a diagnostic is located in.</summary>
    public static Document? DocumentOf(Solution solution, Diagnostic diagnostic)
    {
        if (diagnostic.Location.SourceTree is not { } tree)
        {
            return null;
        }

        return solution.GetDocument(tree)
            ?? solution.Projects.SelectMany(p => p.Documents).FirstOrDefault(d => d.FilePath == tree.FilePath);
    }

    /// <summary>The editor of the document a diagnostic is in, with the node its location covers.</summary>
    public static async Task<(DocumentEditor Editor, SyntaxNode Node)?> NodeAsync(SolutionEditor editor, Diagnostic diagnostic,
        CancellationToken cancellationToken)
    {
        if (DocumentOf(editor.OriginalSolution, diagnostic) is not { } document)
        {
            return null;
        }

        var documentEditor = await editor.GetDocumentEditorAsync(document.Id, cancellationToken).ConfigureAwait(false);
        var node = documentEditor.OriginalRoot.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        return (documentEditor, node);
    }

    /// <summary>The node a diagnostic's location covers, in its own document.</summary>
    public static async Task<SyntaxNode?> NodeAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
    }
}

/// <summary>Fix All for an <see cref="IEditorFix"/>: the diagnostics in scope, applied in one batch.</summary>
internal sealed class EditorFixAllProvider(IEditorFix fix) : FixAllProvider
{
    public override IEnumerable<FixAllScope> GetSupportedFixAllScopes() => [FixAllScope.Document, FixAllScope.Project, FixAllScope.Solution];

    public override async Task<CodeAction?> GetFixAsync(FixAllContext fixAllContext)
    {
        if (fixAllContext.CodeActionEquivalenceKey is not { } key)
        {
            return null;
        }

        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        switch (fixAllContext.Scope)
        {
            case FixAllScope.Document when fixAllContext.Document is { } document:
                diagnostics.AddRange(await fixAllContext.GetDocumentDiagnosticsAsync(document).ConfigureAwait(false));
                break;
            case FixAllScope.Project:
                diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(fixAllContext.Project).ConfigureAwait(false));
                break;
            case FixAllScope.Solution:
                foreach (var project in fixAllContext.Solution.Projects)
                {
                    diagnostics.AddRange(await fixAllContext.GetAllDiagnosticsAsync(project).ConfigureAwait(false));
                }

                break;
            default:
                return null;
        }

        var solution = fixAllContext.Solution;
        var batch = diagnostics.ToImmutable();
        return CodeAction.Create(fix.FixAllTitle(key), ct => EditorFix.ApplyAsync(fix, solution, batch, key, ct), key);
    }
}
