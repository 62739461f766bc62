using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
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
/// DURX0008, a command name used by more than one declaration, at a <c>[DurexCommand("x")]</c> method: give that command
/// the first of <c>x-2</c>, <c>x-3</c>… no declaration of the compilation uses. Fix All renames, in source order, each
/// command whose name is still used elsewhere, so the last declaration of a name keeps it (as fixing them one by one does).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RenameCommandCodeFixProvider)), Shared]
public sealed class RenameCommandCodeFixProvider : CodeFixProvider, IEditorFix
{
    public const string RenameKey = "Durex.RenameDuplicateCommand";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["DURX0008"];

    public override FixAllProvider GetFixAllProvider() => new EditorFixAllProvider(this);

    public override Task RegisterCodeFixesAsync(CodeFixContext context) => EditorFix.RegisterAsync(this, context);

    async Task<ImmutableArray<FixOffer>> IEditorFix.OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var node = await EditorFix.NodeAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        if (model is null || Command(model, node, cancellationToken) is not (_, var name)
            || NewName(name, Uses(model.Compilation, cancellationToken)) is not { } newName)
        {
            return [];
        }

        return [new FixOffer($"Rename command '{name}' to '{newName}'", RenameKey)];
    }

    string IEditorFix.FixAllTitle(string equivalenceKey) => "Give every command declared more than once a name of its own";

    async Task IEditorFix.ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken)
    {
        Dictionary<string, int>? uses = null;
        foreach (var diagnostic in diagnostics)
        {
            if (await EditorFix.NodeAsync(editor, diagnostic, cancellationToken).ConfigureAwait(false) is not (var documentEditor, var node)
                || Command(documentEditor.SemanticModel, node, cancellationToken) is not (var literal, var name))
            {
                continue;
            }

            uses ??= Uses(documentEditor.SemanticModel.Compilation, cancellationToken);
            if (!uses.TryGetValue(name, out var count) || count < 2 || NewName(name, uses) is not { } newName)
            {
                continue; // an earlier rename in this batch already made it unique
            }

            uses[name] = count - 1;
            uses[newName] = 1;
            documentEditor.ReplaceNode(literal, LiteralExpression(SyntaxKind.StringLiteralExpression, Literal(newName)).WithTriviaFrom(literal));
        }
    }

    /// <summary>The string literal naming the command of the <c>[DurexCommand]</c> method a diagnostic is at, and the name.</summary>
    private static (LiteralExpressionSyntax Literal, string Name)? Command(SemanticModel model, SyntaxNode? node, CancellationToken cancellationToken)
    {
        if (node?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method
            || model.GetDeclaredSymbol(method, cancellationToken) is not { } symbol
            || symbol.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Parser.CommandAttribute) is not { } attribute
            || attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is not AttributeSyntax syntax
            || syntax.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals is null)?.Expression is not LiteralExpressionSyntax literal
            || !literal.IsKind(SyntaxKind.StringLiteralExpression))
        {
            return null;
        }

        return (literal, literal.Token.ValueText);
    }

    /// <summary>How many declarations of the compilation use each command name: commands, workflow steps and compensations.</summary>
    private static Dictionary<string, int> Uses(Compilation compilation, CancellationToken cancellationToken)
    {
        var uses = new Dictionary<string, int>(System.StringComparer.Ordinal);
        foreach (var name in Validation.DeclaredNamesUnder(compilation.Assembly.GlobalNamespace))
        {
            cancellationToken.ThrowIfCancellationRequested();
            uses[name] = uses.TryGetValue(name, out var count) ? count + 1 : 1;
        }

        return uses;
    }

    /// <summary>The first of <c>name-2</c>, <c>name-3</c>… nothing uses, within the 200 characters a command name may have.</summary>
    private static string? NewName(string name, Dictionary<string, int> uses)
    {
        for (var i = 2; i < 10_000; i++)
        {
            var candidate = name + "-" + i.ToString(CultureInfo.InvariantCulture);
            if (candidate.Length > 200)
            {
                return null;
            }

            if (!uses.TryGetValue(candidate, out var count) || count == 0)
            {
                return candidate;
            }
        }

        return null;
    }
}
