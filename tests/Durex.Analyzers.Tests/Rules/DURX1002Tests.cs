using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX1002: a constant sequence step (<c>Sequence = { "x" }</c>, <c>Sequence = ["x"]</c>, <c>spec.Sequence.Add("x")</c>,
/// <c>new EnqueueOptions { Sequence = [...] }</c>) that no handler of the compilation registers; reported at the name.
/// Silent when the set of handlers is not known.
/// </summary>
public sealed class DURX1002Tests
{
    private const string Rule = "DURX1002";

    private const string Handlers = """
        public static class Known
        {
            [DurexCommand("reserve")] public static void Reserve() { }
            [DurexCommand("charge")] public static void Charge() { }
        }

        """;

    private static string Message(string name) =>
        $"Sequence step '{name}' is not registered by any handler in this compilation (registered: charge, reserve): the sequence would stop there, its command waiting for a handler. Fix the name, or register a handler for it.";

    [Theory]
    [InlineData("""new CommandSpec("reserve") { Sequence = { "charge", {|#0:"ship"|} } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = ["charge", {|#0:"ship"|}] }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = new List<string> { {|#0:"ship"|} } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = new[] { {|#0:"ship"|}, "charge" } }""")]
    public async Task A_sequence_in_a_CommandSpec_initializer_naming_an_unknown_command_is_reported_at_the_name(string spec)
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + $$"""
            public static class Use
            {
                public static CommandSpec Make() => {{spec}};
            }
            """, Warning(Rule, 0, Message("ship")));
    }

    [Fact]
    public async Task Sequence_Add_naming_an_unknown_command_is_reported_at_the_argument()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make()
                {
                    var spec = new CommandSpec("reserve");
                    spec.Sequence.Add("charge");
                    spec.Sequence.Add({|#0:"ship"|});
                    return spec;
                }
            }
            """, Warning(Rule, 0, Message("ship")));
    }

    [Theory]
    [InlineData("""new EnqueueOptions { Sequence = ["charge", {|#0:"ship"|}] }""")]
    [InlineData("""new EnqueueOptions { Sequence = new[] { {|#0:"ship"|} } }""")]
    [InlineData("""new EnqueueOptions { Priority = 1, Sequence = new List<string> { "charge", {|#0:"ship"|} } }""")]
    public async Task A_sequence_in_EnqueueOptions_naming_an_unknown_command_is_reported_at_the_name(string options)
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + $$"""
            public static class Use
            {
                public static ValueTask<CommandInstance> Enqueue(IDurexClient client) => Jobs.Reserve.EnqueueAsync(client, {{options}});
            }
            """, Warning(Rule, 0, Message("ship")));
    }

    [Fact]
    public async Task An_unknown_command_and_an_unknown_step_are_reported_under_their_own_rules()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec({|#0:"reserv"|}) { Sequence = { {|#1:"ship"|} } };
            }
            """,
            Warning("DURX0010", 0, "Command 'reserv' is not registered by any handler in this compilation (registered: charge, reserve): it would wait in the store for a handler that never comes. Fix the name, or register a handler for it."),
            Warning(Rule, 1, Message("ship")));
    }

    [Theory]
    [InlineData("""new CommandSpec("reserve") { Sequence = { "charge" } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = [Jobs.Charge.Name, "flow.pack"] }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = { names[0] } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = names }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = { "byHandle" } }""")]
    public async Task Registered_or_non_constant_steps_are_not_reported(string spec)
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + $$"""
            [Workflow("flow")]
            public static class Flow
            {
                [Step(1)] public static void Pack() { }
            }

            public static class Setup
            {
                public static void Register(Executor executor) =>
                    executor.Handle("byHandle", (context, cancellationToken) => new(CommandResult.Empty));
            }

            public static class Use
            {
                public static CommandSpec Make(List<string> names) => {{spec}};
            }
            """);
    }

    [Fact]
    public async Task Registered_steps_in_EnqueueOptions_and_Add_are_not_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static async Task Enqueue(IDurexClient client)
                {
                    await Jobs.Reserve.EnqueueAsync(client, new EnqueueOptions { Sequence = ["charge"] });
                    var spec = Jobs.Reserve.Spec();
                    spec.Sequence.Add("charge");
                    spec.Tags.Add("not-a-command");
                    await client.AddAsync(spec);
                }
            }
            """);
    }

    [Fact]
    public async Task Nothing_is_reported_when_the_compilation_registers_no_handler()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + """
            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec("a") { Sequence = { "b" } };
            }
            """);
    }

    [Fact]
    public async Task Nothing_is_reported_when_a_handler_name_is_not_a_constant()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Setup
            {
                public static void Register(Executor executor, string name) =>
                    executor.Handle(name, (context, cancellationToken) => new(CommandResult.Empty));
            }

            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec("reserve") { Sequence = { "ship" } };
            }
            """);
    }

    [Fact]
    public async Task Nothing_is_reported_when_an_ICommandHandler_class_exists()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public sealed class Ship : ICommandHandler
            {
                public string Name => "ship";
                public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken) => new(CommandResult.Empty);
            }

            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec("reserve") { Sequence = { "ship" } };
            }
            """);
    }

    // Known analyzer gaps, kept as the tests the fix should turn on: sequence steps are read as the string literals found
    // anywhere under the initializer instead of as each element's constant value.
    [Theory]
    [InlineData("""new CommandSpec("reserve") { Sequence = { "re" + "serve" } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = { $"{prefix}.reserve" } }""")]
    [InlineData("""new CommandSpec("reserve") { Sequence = { Pick("x") } }""")]
    public async Task Parts_of_a_computed_step_are_not_reported_as_steps(string spec)
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + $$"""
            public static class Use
            {
                private static string Pick(string s) => "reserve";
                public static CommandSpec Make(string? prefix) => {{spec}};
            }
            """);
    }

    [Fact]
    public async Task A_step_named_by_a_const_field_is_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                private const string Ship = "ship";
                public static CommandSpec Make() => new CommandSpec("reserve") { Sequence = { {|#0:Ship|} } };
            }
            """, Warning(Rule, 0, Message("ship")));
    }

    [Fact]
    public async Task A_sequence_assigned_after_creation_is_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static void Assign(CommandSpec spec, EnqueueOptions options)
                {
                    spec.Sequence = [{|#0:"ship"|}];
                    options.Sequence = [{|#1:"ship"|}];
                }
            }
            """, Warning(Rule, 0, Message("ship")), Warning(Rule, 1, Message("ship")));
    }
}
