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
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Durex.CodeFixes;

/// <summary>
/// DURX2001 and DURX2002, a payload type the generated JSON metadata cannot serialize, when the assembly names its own
/// context with <c>[assembly: DurexJsonContext(typeof(Ctx))]</c>: list the payload type on that context with
/// <c>[JsonSerializable(typeof(T))]</c> (System.Text.Json's generator then writes its metadata, and Durex uses it).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(JsonSerializableCodeFixProvider)), Shared]
public sealed class JsonSerializableCodeFixProvider : CodeFixProvider, IEditorFix
{
    public const string AddJsonSerializableKey = "Durex.AddJsonSerializable";

    private const string SerializationNamespace = "System.Text.Json.Serialization";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ["DURX2001", "DURX2002"];

    public override FixAllProvider GetFixAllProvider() => new EditorFixAllProvider(this);

    public override Task RegisterCodeFixesAsync(CodeFixContext context) => EditorFix.RegisterAsync(this, context);

    async Task<ImmutableArray<FixOffer>> IEditorFix.OffersAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        var node = await EditorFix.NodeAsync(document, diagnostic, cancellationToken).ConfigureAwait(false);
        if (model is null || node is null || PayloadType(model, node, cancellationToken) is not { } payload
            || UserContext(model.Compilation, cancellationToken) is not (var context, _))
        {
            return [];
        }

        return [new FixOffer($"Add [JsonSerializable(typeof({payload.ToDisplayString()}))] to {context.Name}", AddJsonSerializableKey)];
    }

    string IEditorFix.FixAllTitle(string equivalenceKey) => "Add every unsupported payload type to the JSON context";

    async Task IEditorFix.ApplyAsync(SolutionEditor editor, ImmutableArray<Diagnostic> diagnostics, string equivalenceKey, CancellationToken cancellationToken)
    {
        var added = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        var usingAdded = new HashSet<SyntaxTree>();
        foreach (var diagnostic in diagnostics)
        {
            if (await EditorFix.NodeAsync(editor, diagnostic, cancellationToken).ConfigureAwait(false) is not (var documentEditor, var node)
                || PayloadType(documentEditor.SemanticModel, node, cancellationToken) is not { } payload
                || UserContext(documentEditor.SemanticModel.Compilation, cancellationToken) is not (_, var declaration)
                || !added.Add(payload)
                || editor.OriginalSolution.GetDocument(declaration.SyntaxTree) is not { } contextDocument)
            {
                continue;
            }

            var contextEditor = await editor.GetDocumentEditorAsync(contextDocument.Id, cancellationToken).ConfigureAwait(false);
            var attributeName = "JsonSerializable";
            if (!Resolves(contextEditor.SemanticModel, declaration.SpanStart) && usingAdded.Add(declaration.SyntaxTree))
            {
                contextEditor.ReplaceNode(contextEditor.OriginalRoot, (current, _) => AddUsing((CompilationUnitSyntax)current, SerializationNamespace));
            }

            var type = ParseTypeName(payload.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)).WithAdditionalAnnotations(Simplifier.Annotation);
            var list = AttributeList(SingletonSeparatedList(Attribute(IdentifierName(attributeName),
                AttributeArgumentList(SingletonSeparatedList(AttributeArgument(TypeOfExpression(type)))))));
            contextEditor.ReplaceNode(declaration, (current, _) => AddAttributeList((TypeDeclarationSyntax)current, list, EndOfLine(current)));
        }
    }

    /// <summary>The payload type of what a diagnostic is reported at: a command method, a workflow class or a <c>[DurexJsonType]</c>.</summary>
    private static ITypeSymbol? PayloadType(SemanticModel model, SyntaxNode node, CancellationToken cancellationToken)
    {
        ITypeSymbol? type = null;
        if (node.FirstAncestorOrSelf<AttributeSyntax>() is { ArgumentList.Arguments: { Count: 1 } arguments } && arguments[0].Expression is TypeOfExpressionSyntax typeOf)
        {
            type = model.GetTypeInfo(typeOf.Type, cancellationToken).Type;
        }
        else if (node.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } method)
        {
            type = model.GetDeclaredSymbol(method, cancellationToken) is { } symbol ? Payload(symbol, model.Compilation) : null;
        }
        else if (node.FirstAncestorOrSelf<TypeDeclarationSyntax>() is { } declaration && model.GetDeclaredSymbol(declaration, cancellationToken) is { } workflow)
        {
            // All steps share one payload type: the first step that takes one says which.
            type = workflow.GetMembers().OfType<IMethodSymbol>()
                .Where(m => m.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == Parser.StepAttribute))
                .OrderBy(m => m.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "", System.StringComparer.Ordinal)
                .ThenBy(m => m.Locations.FirstOrDefault()?.SourceSpan.Start ?? 0)
                .Select(m => Payload(m, model.Compilation))
                .FirstOrDefault(t => t is not null);
        }

        return type is null or IErrorTypeSymbol ? null : type.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
    }

    /// <summary>The parameter that is not a CommandContext, CancellationToken or Exception.</summary>
    private static ITypeSymbol? Payload(IMethodSymbol method, Compilation compilation)
    {
        var others = new[] { "Durex.CommandContext", "System.Threading.CancellationToken", "System.Exception" }
            .Select(compilation.GetTypeByMetadataName).Where(t => t is not null).ToArray();
        return method.Parameters.FirstOrDefault(p => !others.Any(o => SymbolEqualityComparer.Default.Equals(o, p.Type)))?.Type;
    }

    /// <summary>The context named by <c>[assembly: DurexJsonContext]</c>, when it is declared in source, and its declaration.</summary>
    private static (INamedTypeSymbol Context, TypeDeclarationSyntax Declaration)? UserContext(Compilation compilation, CancellationToken cancellationToken)
    {
        var attribute = compilation.Assembly.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() == Parser.JsonContextAttribute);
        if (attribute?.ConstructorArguments.FirstOrDefault().Value is not INamedTypeSymbol context)
        {
            return null;
        }

        var declarations = context.DeclaringSyntaxReferences.Select(r => r.GetSyntax(cancellationToken)).OfType<TypeDeclarationSyntax>().ToArray();
        // With a partial context, the declaration that already lists types is where the next one goes.
        var declaration = declarations.FirstOrDefault(d => d.AttributeLists.Count > 0) ?? declarations.FirstOrDefault();
        return declaration is null ? null : (context, declaration);
    }

    private static bool Resolves(SemanticModel model, int position) =>
        model.LookupNamespacesAndTypes(position, name: "JsonSerializableAttribute")
            .Any(s => s.ToDisplayString() == SerializationNamespace + ".JsonSerializableAttribute");

    private static SyntaxTrivia EndOfLine(SyntaxNode node) =>
        node.SyntaxTree.GetRoot().DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia)) is { RawKind: not 0 } found
            ? found
            : SyntaxFactory.EndOfLine("\n");

    /// <summary>The attribute list on a line of its own, after the existing ones, indented like the declaration.</summary>
    private static TypeDeclarationSyntax AddAttributeList(TypeDeclarationSyntax declaration, AttributeListSyntax list, SyntaxTrivia endOfLine)
    {
        var leading = declaration.GetLeadingTrivia();
        var indentation = leading.Reverse().TakeWhile(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).Reverse();
        if (declaration.AttributeLists.Count > 0)
        {
            return declaration.WithAttributeLists(declaration.AttributeLists.Add(list.WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine)));
        }

        var first = declaration.GetFirstToken();
        return declaration
            .ReplaceToken(first, first.WithLeadingTrivia(indentation))
            .WithAttributeLists(SingletonList(list.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine)));
    }

    /// <summary>A using directive among the others, in order (System first), or the first line when there are none.</summary>
    private static CompilationUnitSyntax AddUsing(CompilationUnitSyntax unit, string ns)
    {
        var endOfLine = EndOfLine(unit);
        var directive = UsingDirective(ParseName(ns)).WithUsingKeyword(Token(SyntaxKind.UsingKeyword).WithTrailingTrivia(Space))
            .WithTrailingTrivia(endOfLine);
        var usings = unit.Usings;
        var index = 0;
        while (index < usings.Count && usings[index].GlobalKeyword.IsKind(SyntaxKind.None) && usings[index].Alias is null
               && usings[index].StaticKeyword.IsKind(SyntaxKind.None) && Compare(usings[index].Name?.ToString() ?? "", ns) < 0)
        {
            index++;
        }

        if (usings.Count == 0)
        {
            // Before everything else, with a blank line; a file header stays first.
            var first = unit.GetFirstToken(includeZeroWidth: true);
            return unit.ReplaceToken(first, first.WithLeadingTrivia(first.LeadingTrivia.Add(endOfLine)))
                .WithUsings(SingletonList(directive.WithLeadingTrivia(first.LeadingTrivia)));
        }

        if (index == 0)
        {
            var moved = usings[0].GetLeadingTrivia();
            return unit.WithUsings(usings.Replace(usings[0], usings[0].WithLeadingTrivia()).Insert(0, directive.WithLeadingTrivia(moved)));
        }

        return unit.WithUsings(usings.Insert(index, directive));
    }

    private static int Compare(string a, string b)
    {
        var aSystem = a == "System" || a.StartsWith("System.", System.StringComparison.Ordinal);
        var bSystem = b == "System" || b.StartsWith("System.", System.StringComparison.Ordinal);
        return aSystem != bSystem ? (aSystem ? -1 : 1) : string.CompareOrdinal(a, b);
    }
}
