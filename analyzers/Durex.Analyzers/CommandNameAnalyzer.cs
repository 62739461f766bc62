using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Durex.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Durex.Analyzers;

/// <summary>
/// Command names written as constants where a command is enqueued (<c>new CommandSpec("x")</c>,
/// <c>CommandSpec.Create("x", …)</c>) or chained (<c>Sequence</c>) that no handler registers: such a command would wait
/// in the store for a handler that never comes (DURX0010, DURX1002).
/// </summary>
/// <remarks>
/// Registered names are those of <c>[DurexCommand]</c> methods and workflows here and in referenced assemblies, and the
/// constant names given to <c>Handle</c>/<c>HandleTyped</c> here. When this compilation registers a handler whose name is
/// not a constant (or registers none at all: an enqueue-only client), the analyzer cannot know the full set and
/// stays silent.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CommandNameAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        [DiagnosticDescriptors.UnknownCommand, DiagnosticDescriptors.UnknownSequenceStep];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var compilation = start.Compilation;
            var spec = compilation.GetTypeByMetadataName("Durex.CommandSpec");
            var options = compilation.GetTypeByMetadataName("Durex.EnqueueOptions");
            var executor = compilation.GetTypeByMetadataName("Durex.Executor");
            var handlerInterface = compilation.GetTypeByMetadataName("Durex.ICommandHandler");
            if (spec is null || executor is null)
            {
                return;
            }

            var registered = new ConcurrentDictionary<string, bool>(System.StringComparer.Ordinal);
            var uses = new ConcurrentBag<(string Name, Location At, bool InSequence)>();
            var unknownRegistration = 0; // set when a handler's name cannot be read at build time

            start.RegisterSymbolAction(symbol =>
            {
                foreach (var name in Validation.DeclaredNames(symbol.Symbol))
                {
                    registered.TryAdd(name, true);
                }

                if (symbol.Symbol is INamedTypeSymbol type && handlerInterface is not null
                    && type.AllInterfaces.Contains(handlerInterface, SymbolEqualityComparer.Default) && !type.IsAbstract)
                {
                    System.Threading.Interlocked.Exchange(ref unknownRegistration, 1); // ICommandHandler.Name is read at run time
                }
            }, SymbolKind.Method, SymbolKind.NamedType);

            start.RegisterOperationAction(operation =>
            {
                var invocation = (IInvocationOperation)operation.Operation;
                var method = invocation.TargetMethod;
                if (method.Name is "Handle" or "HandleTyped" && method.Parameters.Any(p => p.Name == "name"))
                {
                    var argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "name");
                    if (argument?.Value.ConstantValue is { HasValue: true, Value: string name })
                    {
                        registered.TryAdd(name, true);
                    }
                    else if (IsDurex(method))
                    {
                        System.Threading.Interlocked.Exchange(ref unknownRegistration, 1);
                    }
                }
                else if (method.Name == "Create" && SymbolEqualityComparer.Default.Equals(method.ContainingType, spec)
                         && invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "name") is { Value.ConstantValue: { HasValue: true, Value: string created } } nameArgument)
                {
                    uses.Add((created, nameArgument.Syntax.GetLocation(), false));
                }
                else if (method.Name == "Add" && invocation.Instance is IPropertyReferenceOperation { Property.Name: "Sequence" } property
                         && IsSequenceHolder(property.Property.ContainingType, spec, options)
                         && invocation.Arguments.FirstOrDefault()?.Value.ConstantValue is { HasValue: true, Value: string added })
                {
                    uses.Add((added, invocation.Arguments[0].Syntax.GetLocation(), true));
                }
            }, OperationKind.Invocation);

            start.RegisterOperationAction(operation =>
            {
                var creation = (IObjectCreationOperation)operation.Operation;
                if (SymbolEqualityComparer.Default.Equals(creation.Type, spec)
                    && creation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "name") is { Value.ConstantValue: { HasValue: true, Value: string name } } nameArgument)
                {
                    uses.Add((name, nameArgument.Syntax.GetLocation(), false));
                }

                // Sequence = { "a", "b" } (a collection initializer: Add calls); Sequence = [...] is an assignment, below.
                if (IsSequenceHolder(creation.Type as INamedTypeSymbol, spec, options) && creation.Initializer is { } initializer)
                {
                    foreach (var member in initializer.Initializers.OfType<IMemberInitializerOperation>()
                                 .Where(m => m.InitializedMember is IPropertyReferenceOperation { Property.Name: "Sequence" }))
                    {
                        AddSteps(uses, SequenceElements(member.Initializer));
                    }
                }
            }, OperationKind.ObjectCreation);

            // Sequence = ["a", "b"] / new[] { … } / new List<string> { … }, in an initializer or on an existing spec.
            start.RegisterOperationAction(operation =>
            {
                var assignment = (ISimpleAssignmentOperation)operation.Operation;
                if (assignment.Target is IPropertyReferenceOperation { Property: { Name: "Sequence" } property }
                    && IsSequenceHolder(property.ContainingType, spec, options))
                {
                    AddSteps(uses, SequenceElements(assignment.Value));
                }
            }, OperationKind.SimpleAssignment);

            start.RegisterCompilationEndAction(end =>
            {
                if (unknownRegistration == 1 || registered.IsEmpty)
                {
                    return;
                }

                foreach (var name in ReferencedNames(end.Compilation))
                {
                    registered.TryAdd(name, true);
                }

                foreach (var use in uses.Where(u => !registered.ContainsKey(u.Name)).OrderBy(u => u.At.SourceTree?.FilePath).ThenBy(u => u.At.SourceSpan.Start))
                {
                    var names = registered.Keys.OrderBy(k => k, System.StringComparer.Ordinal).ToArray();
                    var known = string.Join(", ", names.Take(8)) + (names.Length > 8 ? $", … ({names.Length} in all)" : "");
                    end.ReportDiagnostic(Diagnostic.Create(
                        use.InSequence ? DiagnosticDescriptors.UnknownSequenceStep : DiagnosticDescriptors.UnknownCommand, use.At,
                        use.InSequence
                            ? $"Sequence step '{use.Name}' is not registered by any handler in this compilation (registered: {known}): the sequence would stop there, its command waiting for a handler. Fix the name, or register a handler for it."
                            : $"Command '{use.Name}' is not registered by any handler in this compilation (registered: {known}): it would wait in the store for a handler that never comes. Fix the name, or register a handler for it."));
                }
            });
        });
    }

    private static void AddSteps(ConcurrentBag<(string Name, Location At, bool InSequence)> uses, IEnumerable<IOperation> elements)
    {
        foreach (var element in elements)
        {
            if (element.ConstantValue is { HasValue: true, Value: string step })
            {
                uses.Add((step, element.Syntax.GetLocation(), true));
            }
        }
    }

    /// <summary>The element values of a collection written in place; computed elements are skipped, constants kept.</summary>
    private static IEnumerable<IOperation> SequenceElements(IOperation? value) => value switch
    {
        IConversionOperation conversion => SequenceElements(conversion.Operand),
        IObjectOrCollectionInitializerOperation initializer => initializer.Initializers.OfType<IInvocationOperation>()
            .Where(add => add.Arguments.Length == 1).Select(add => add.Arguments[0].Value),
        IObjectCreationOperation creation => SequenceElements(creation.Initializer),
        IArrayCreationOperation array => array.Initializer?.ElementValues ?? [],
        ICollectionExpressionOperation collection => collection.Elements,
        _ => [],
    };

    private static bool IsDurex(IMethodSymbol method) => method.ContainingNamespace?.ToDisplayString() is "Durex" or "Microsoft.Extensions.DependencyInjection";

    private static bool IsSequenceHolder(INamedTypeSymbol? type, INamedTypeSymbol spec, INamedTypeSymbol? options) =>
        SymbolEqualityComparer.Default.Equals(type, spec) || SymbolEqualityComparer.Default.Equals(type, options);

    /// <summary>The names declared by attributes in referenced assemblies that use Durex.</summary>
    private static IEnumerable<string> ReferencedNames(Compilation compilation) =>
        compilation.SourceModule.ReferencedAssemblySymbols
            .Where(assembly => assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == "Durex")))
            .SelectMany(assembly => Validation.DeclaredNamesUnder(assembly.GlobalNamespace));
}
