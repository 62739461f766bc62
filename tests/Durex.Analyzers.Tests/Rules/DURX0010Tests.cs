using static Durex.Analyzers.Tests.Rules.RuleTest;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>
/// DURX0010: a constant command name enqueued (<c>new CommandSpec("x")</c>, <c>CommandSpec.Create("x", …)</c>) that no
/// handler of the compilation registers; reported at the name argument. Silent when the set of handlers is not known.
/// </summary>
public sealed class DURX0010Tests
{
    private const string Rule = "DURX0010";

    private const string Handlers = """
        public static class Known
        {
            [DurexCommand("sendEmail")] public static void Send() { }
        }

        """;

    private static string Message(string name, string registered) =>
        $"Command '{name}' is not registered by any handler in this compilation (registered: {registered}): it would wait in the store for a handler that never comes. Fix the name, or register a handler for it.";

    [Fact]
    public async Task A_new_CommandSpec_naming_an_unknown_command_is_reported_at_the_name()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec({|#0:"sendMail"|});
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }

    [Fact]
    public async Task A_target_typed_new_naming_an_unknown_command_is_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make() => new({|#0:"sendMail"|}) { Retries = 2 };
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }

    [Fact]
    public async Task A_constant_name_from_a_const_field_is_reported_at_the_argument()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                private const string Name = "send" + "Mail";
                public static CommandSpec Make() => new CommandSpec({|#0:Name|});
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }

    [Fact]
    public async Task CommandSpec_Create_naming_an_unknown_command_is_reported_at_the_name()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make(JsonTypeInfo<Payload> info) => CommandSpec.Create({|#0:"sendMail"|}, new Payload(1, "a"), info);
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }

    [Fact]
    public async Task The_registered_names_are_listed_in_ordinal_order_the_first_eight_and_how_many_in_all()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + """
            public static class Known
            {
                [DurexCommand("j")] public static void J() { }
                [DurexCommand("b")] public static void B() { }
                [DurexCommand("a")] public static void A() { }
                [DurexCommand("Z")] public static void Z() { }
                [DurexCommand("c")] public static void C() { }
                [DurexCommand("d")] public static void D() { }
                [DurexCommand("e")] public static void E() { }
                [DurexCommand("f")] public static void F() { }
                [DurexCommand("g")] public static void G() { }
            }

            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec({|#0:"h"|});
            }
            """, Warning(Rule, 0, Message("h", "Z, a, b, c, d, e, f, g, … (9 in all)")));
    }

    [Fact]
    public async Task Each_unknown_use_is_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec[] Make() => [new CommandSpec({|#0:"one"|}), new CommandSpec({|#1:"two"|}), new CommandSpec("sendEmail")];
            }
            """, Warning(Rule, 0, Message("one", "sendEmail")), Warning(Rule, 1, Message("two", "sendEmail")));
    }

    [Theory]
    [InlineData("new CommandSpec(\"sendEmail\")")]
    [InlineData("new CommandSpec(Jobs.SendEmail.Name)")]
    [InlineData("Jobs.SendEmail.Spec()")]
    [InlineData("new CommandSpec(\"flow.charge\")")]
    [InlineData("new CommandSpec(\"flow.refund\")")]
    [InlineData("new CommandSpec(\"byHandle\")")]
    [InlineData("new CommandSpec(\"byHandleTyped\")")]
    [InlineData("new CommandSpec(\"byBuilder\")")]
    [InlineData("new CommandSpec(name)")]
    public async Task A_registered_or_non_constant_name_is_not_reported(string spec)
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + $$"""
            [Workflow("flow")]
            public static class Flow
            {
                [Step(1, Compensate = nameof(RefundAsync))] public static Task ChargeAsync() => Task.CompletedTask;
                [Step(2)] public static void Ship() { }
                public static Task RefundAsync() => Task.CompletedTask;
            }

            public static class Setup
            {
                public static void Register(Executor executor, IDurexBuilder builder, JsonTypeInfo<Payload> info)
                {
                    executor.Handle("byHandle", (context, cancellationToken) => new(CommandResult.Empty));
                    executor.HandleTyped("byHandleTyped", info, (payload, context, cancellationToken) => new(CommandResult.Empty));
                    builder.Handle("byBuilder", (context, cancellationToken) => new(CommandResult.Empty));
                }
            }

            public static class Use
            {
                public static CommandSpec Make(string name) => {{spec}};
            }
            """);
    }

    [Fact]
    public async Task Nothing_is_reported_when_the_compilation_registers_no_handler()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + """
            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec("elsewhere");
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
                public static CommandSpec Make() => new CommandSpec("dynamic");
            }
            """);
    }

    [Fact]
    public async Task Nothing_is_reported_when_an_ICommandHandler_class_exists()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public sealed class ByClass : ICommandHandler
            {
                public string Name => "byClass";
                public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken) => new(CommandResult.Empty);
            }

            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec("byClass");
            }
            """);
    }

    [Fact]
    public async Task An_abstract_ICommandHandler_class_does_not_silence_the_rule()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public abstract class HandlerBase : ICommandHandler
            {
                public abstract string Name { get; }
                public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken) => new(CommandResult.Empty);
            }

            public static class Use
            {
                public static CommandSpec Make() => new CommandSpec({|#0:"sendMail"|});
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }

    [Fact]
    public async Task CommandSpec_Create_with_named_arguments_out_of_order_is_reported()
    {
        await Verify<CommandNameAnalyzer>.AnalyzerAsync(Prelude + Handlers + """
            public static class Use
            {
                public static CommandSpec Make(JsonTypeInfo<Payload> info) => CommandSpec.Create(payload: new Payload(1, "a"), typeInfo: info, {|#0:name: "sendMail"|});
            }
            """, Warning(Rule, 0, Message("sendMail", "sendEmail")));
    }
}
