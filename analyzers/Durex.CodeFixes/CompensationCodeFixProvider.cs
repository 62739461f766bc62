using System.Collections.Generic;
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
/// DURX1004, a step without compensation before one that can fail: add a compensation method (a stub that throws until
/// it is written) and name it with <c>Compensate = nameof(...)</c>, or say on purpose that the step needs none
/// (<c>NoCompensation = true</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(CompensationCodeFixProvider)), Shared]
public sealed class CompensationCodeFixProvider : CodeFixProvider, IEditorFix
{
    public const string AddCompensationKey = "Durex.AddCompensation";
    public const string NoCompensationKey = "Durex.NoCompensation";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["DURX1004"];

    public override FixAllProvider GetFixAllProvider() => new EditorFixAllProvider(this);

    public override Task RegisterCodeFixesAsync(CodeFixContext context) => EditorFix.RegisterAsync(this, context);

    async Task<ImmutableArray<FixOffer>> IEditorFix.OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        if (Step(await EditorFix.NodeAsync(document, diagnostic, cancellationToken).ConfigureAwait(false)) is not (_, var method))
        {
            return [];
        }

        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var name = CompensationName(method, model?.GetDeclaredSymbol(method, cancellationToken)?.ContainingType, []);
        return
        [
            new FixOffer($"Add compensation method '{name}'", AddCompensationKey),
            new FixOffer($"Mark step '{method.Identifier.ValueText}' as needing no compensation (NoCompensation = true)", NoCompensationKey),
        ];
    }

    string IEditorFix.FixAllTitle(string equivalenceKey) => equivalenceKey == AddCompensationKey
        ? "Add a compensation method to every step without one"
        : "Mark every step without compensation as needing none";

    async Task IEditorFix.ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken)
    {
        // Names given in this batch, per class: two steps of one class must not get the same compensation name.
        var taken = new Dictionary<INamedTypeSymbol, HashSet<string>>(SymbolEqualityComparer.Default);
        foreach (var diagnostic in diagnostics)
        {
            if (await EditorFix.NodeAsync(editor, diagnostic, cancellationToken).ConfigureAwait(false) is not (var documentEditor, var node)
                || Step(node) is not (var attribute, var method))
            {
                continue;
            }

            if (equivalenceKey == NoCompensationKey)
            {
                documentEditor.ReplaceNode(attribute, (current, _) => AddArgument((AttributeSyntax)current, "NoCompensation",
                    LiteralExpression(SyntaxKind.TrueLiteralExpression)));
                continue;
            }

            var type = documentEditor.SemanticModel.GetDeclaredSymbol(method, cancellationToken)?.ContainingType;
            var names = type is null ? [] : taken.TryGetValue(type, out var set) ? set : taken[type] = [];
            var name = CompensationName(method, type, names);
            names.Add(name);
            documentEditor.ReplaceNode(attribute, (current, _) => AddArgument((AttributeSyntax)current, "Compensate",
                InvocationExpression(IdentifierName("nameof"), ArgumentList(SingletonSeparatedList(Argument(IdentifierName(name)))))));
            documentEditor.InsertAfter(method, Stub(method, name));
        }
    }

    /// <summary>The <c>[Step]</c> attribute a diagnostic is reported at, and its method.</summary>
    private static (AttributeSyntax Attribute, MethodDeclarationSyntax Method)? Step(SyntaxNode? node)
    {
        var attribute = node?.FirstAncestorOrSelf<AttributeSyntax>();
        return attribute?.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method ? (attribute, method) : null;
    }

    /// <summary><c>Undo</c> + the step's name without <c>Async</c>, + <c>Async</c> when the step returns a task; a number when taken.</summary>
    private static string CompensationName(MethodDeclarationSyntax method, INamedTypeSymbol? type, HashSet<string> taken)
    {
        var stepName = method.Identifier.ValueText;
        var bare = stepName.EndsWith("Async", System.StringComparison.Ordinal) && stepName.Length > 5 ? stepName.Substring(0, stepName.Length - 5) : stepName;
        var suffix = ReturnsTask(method) ? "Async" : "";
        var name = "Undo" + bare + suffix;
        for (var i = 2; taken.Contains(name) || type is not null && type.GetMembers(name).Length > 0; i++)
        {
            name = "Undo" + bare + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + suffix;
        }

        return name;
    }

    private static bool ReturnsTask(MethodDeclarationSyntax method)
    {
        var type = method.ReturnType;
        var name = type switch
        {
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax alias => alias.Name.Identifier.ValueText,
            SimpleNameSyntax simple => simple.Identifier.ValueText,
            _ => "",
        };
        return name is "Task" or "ValueTask";
    }

    private static AttributeSyntax AddArgument(AttributeSyntax attribute, string property, ExpressionSyntax value)
    {
        var argument = AttributeArgument(NameEquals(IdentifierName(property)), null, value);
        var arguments = attribute.ArgumentList ?? AttributeArgumentList();
        return attribute.WithArgumentList(arguments.AddArguments(argument));
    }

    /// <summary>
    /// The compensation: the step's accessibility, <c>static</c>, return type and parameters (payload, CommandContext,
    /// CancellationToken), not <c>async</c>, with a body that throws until someone writes how to undo the step.
    /// </summary>
    private static MethodDeclarationSyntax Stub(MethodDeclarationSyntax step, string name)
    {
        var modifiers = step.Modifiers.Where(m => m.Kind() is SyntaxKind.PublicKeyword or SyntaxKind.InternalKeyword or SyntaxKind.StaticKeyword)
            .Select(m => m.Text + " ");
        var parameters = step.ParameterList.Parameters.Select(p => $"{p.Type?.WithoutTrivia().ToString()} {p.Identifier.Text}");
        var message = Literal($"Undo what {step.Identifier.ValueText} did: this runs when a later step fails for good.").Text;
        var text = $"{string.Concat(modifiers)}{step.ReturnType.WithoutTrivia()} {name}({string.Join(", ", parameters)}) => throw new global::System.NotImplementedException({message});";
        var stub = (MethodDeclarationSyntax)ParseMemberDeclaration(text)!;
        var exception = stub.DescendantNodes().OfType<ObjectCreationExpressionSyntax>().First().Type;
        stub = stub.ReplaceNode(exception, exception.WithAdditionalAnnotations(Simplifier.Annotation));

        // On its own lines after the step, a blank line before it, indented like the step.
        var endOfLine = step.GetLastToken().TrailingTrivia.LastOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } found
            ? found
            : EndOfLine("\n");
        var indentation = step.GetLeadingTrivia().Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
        return stub.WithLeadingTrivia(new[] { endOfLine }.Concat(indentation)).WithTrailingTrivia(endOfLine);
    }
}
