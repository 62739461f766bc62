using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Durex.CodeFixes;

/// <summary>
/// DURX0002, a handler or step signature the generated code cannot call, for the two causes with one obvious fix:
/// <c>async void</c> (return <c>Task</c>) and parameters passed by reference (pass them by value).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SignatureCodeFixProvider)), Shared]
public sealed class SignatureCodeFixProvider : CodeFixProvider, IEditorFix
{
    public const string ReturnTaskKey = "Durex.AsyncVoidToTask";
    public const string PassByValueKey = "Durex.PassByValue";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["DURX0002"];

    public override FixAllProvider GetFixAllProvider() => new EditorFixAllProvider(this);

    public override Task RegisterCodeFixesAsync(CodeFixContext context) => EditorFix.RegisterAsync(this, context);

    async Task<ImmutableArray<FixOffer>> IEditorFix.OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if ((await EditorFix.NodeAsync(document, diagnostic, cancellationToken).ConfigureAwait(false))?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
        {
            return [];
        }

        var offers = ImmutableArray.CreateBuilder<FixOffer>();
        if (IsAsyncVoid(method))
        {
            offers.Add(new FixOffer($"Make {method.Identifier.ValueText} return Task instead of async void", ReturnTaskKey));
        }

        var byReference = method.ParameterList.Parameters.Where(IsByReference).Select(p => p.Identifier.ValueText).ToArray();
        if (byReference.Length > 0)
        {
            offers.Add(new FixOffer($"Pass {string.Join(", ", byReference.Select(p => $"'{p}'"))} by value (remove ref/out/in)", PassByValueKey));
        }

        return offers.ToImmutable();
    }

    string IEditorFix.FixAllTitle(string equivalenceKey) => equivalenceKey == ReturnTaskKey
        ? "Make every async void handler return Task"
        : "Pass every by-reference handler parameter by value";

    async Task IEditorFix.ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (await EditorFix.NodeAsync(editor, diagnostic, cancellationToken).ConfigureAwait(false) is not (var documentEditor, var node)
                || node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } method)
            {
                continue;
            }

            if (equivalenceKey == ReturnTaskKey && IsAsyncVoid(method))
            {
                var task = ParseTypeName("global::System.Threading.Tasks.Task").WithTriviaFrom(method.ReturnType)
                    .WithAdditionalAnnotations(Simplifier.Annotation);
                documentEditor.ReplaceNode(method.ReturnType, task);
            }
            else if (equivalenceKey == PassByValueKey)
            {
                foreach (var parameter in method.ParameterList.Parameters.Where(IsByReference))
                {
                    documentEditor.ReplaceNode(parameter, ByValue(parameter));
                }
            }
        }
    }

    private static bool IsAsyncVoid(MethodDeclarationSyntax method) =>
        method.Modifiers.Any(SyntaxKind.AsyncKeyword) && method.ReturnType is PredefinedTypeSyntax { Keyword.RawKind: (int)SyntaxKind.VoidKeyword };

    private static bool IsByReference(ParameterSyntax parameter) =>
        parameter.Modifiers.Any(m => m.Kind() is SyntaxKind.RefKeyword or SyntaxKind.OutKeyword or SyntaxKind.InKeyword);

    /// <summary>The parameter without <c>ref</c>, <c>out</c>, <c>in</c>, <c>ref readonly</c> or <c>scoped</c>, keeping its other trivia.</summary>
    private static ParameterSyntax ByValue(ParameterSyntax parameter)
    {
        var removed = parameter.Modifiers.Where(m => m.Kind() is SyntaxKind.RefKeyword or SyntaxKind.OutKeyword or SyntaxKind.InKeyword
            or SyntaxKind.ReadOnlyKeyword or SyntaxKind.ScopedKeyword).ToArray();
        var kept = TokenList(parameter.Modifiers.Where(m => !removed.Contains(m)));
        var leading = parameter.Modifiers.First().LeadingTrivia;
        var result = parameter.WithModifiers(kept);
        if (kept.Count > 0)
        {
            return result.WithModifiers(kept.Replace(kept[0], kept[0].WithLeadingTrivia(leading)));
        }

        // Attributes come before the modifiers: the type takes the modifiers' place only when nothing precedes it.
        return parameter.AttributeLists.Count > 0 || result.Type is null ? result : result.WithType(result.Type.WithLeadingTrivia(leading));
    }
}
