using Durex.CodeFixes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests.CodeFixes;

public sealed class JsonSerializableCodeFixTests
{
    // System.Text.Json's generator does not run in these tests: the context is written out by hand.
    private const string Context = """
        public sealed class AppJsonContext() : JsonSerializerContext(null)
        {
            public static AppJsonContext Default { get; } = new();
            protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override JsonTypeInfo? GetTypeInfo(Type type) => null;
        }
        """;

    private const string Usings = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;
        using Durex;
        """;

    [Fact]
    public async Task An_unsupported_command_payload_is_listed_on_the_named_context()
    {
        await Verify<DeclarationAnalyzer>.CodeFixAsync<JsonSerializableCodeFixProvider>($$"""
            {{Usings}}

            [assembly: DurexJsonContext(typeof(AppJsonContext))]

            public sealed class AuditEntry { public Dictionary<string, object>? Extra { get; set; } }

            public static class AuditCommands
            {
                [DurexCommand("audit")]
                public static void {|#0:Write|}(CommandContext context, AuditEntry entry) { }
            }

            {{Context}}
            """, $$"""
            {{Usings}}

            [assembly: DurexJsonContext(typeof(AppJsonContext))]

            public sealed class AuditEntry { public Dictionary<string, object>? Extra { get; set; } }

            public static class AuditCommands
            {
                [DurexCommand("audit")]
                public static void Write(CommandContext context, AuditEntry entry) { }
            }

            [JsonSerializable(typeof(AuditEntry))]
            {{Context}}
            """, new DiagnosticResult("DURX2001", DiagnosticSeverity.Error).WithLocation(0));
    }

    [Fact]
    public async Task An_untyped_workflow_payload_is_listed_on_a_context_in_another_file_with_its_using()
    {
        const string contextFile = """
            using System;
            using System.Text.Json;
            using System.Text.Json.Serialization.Metadata;

            namespace App;

            /// <summary>The app's context.</summary>
            public sealed class AppJsonContext() : System.Text.Json.Serialization.JsonSerializerContext(null)
            {
                public static AppJsonContext Default { get; } = new();
                protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override JsonTypeInfo? GetTypeInfo(Type type) => null;
            }
            """;
        const string workflowFile = """
            using Durex;

            [assembly: DurexJsonContext(typeof(App.AppJsonContext))]

            namespace App;

            [Workflow("audit")]
            public sealed class {|#0:AuditWorkflow|}
            {
                [Step(1, NoCompensation = true)] public void Record(object entry, CommandContext context) { }
                [Step(2)] public void Notify(object entry) { }
            }
            """;
        await FixTest<DeclarationAnalyzer, JsonSerializableCodeFixProvider>.RunAsync(
            [("Workflow.cs", workflowFile), ("AppJsonContext.cs", contextFile)],
            [("Workflow.cs", workflowFile.Replace("{|#0:AuditWorkflow|}", "AuditWorkflow")), ("AppJsonContext.cs", """
                using System;
                using System.Text.Json;
                using System.Text.Json.Serialization;
                using System.Text.Json.Serialization.Metadata;

                namespace App;

                /// <summary>The app's context.</summary>
                [JsonSerializable(typeof(object))]
                public sealed class AppJsonContext() : System.Text.Json.Serialization.JsonSerializerContext(null)
                {
                    public static AppJsonContext Default { get; } = new();
                    protected override JsonSerializerOptions? GeneratedSerializerOptions => null;
                    public override JsonTypeInfo? GetTypeInfo(Type type) => null;
                }
                """)],
            new DiagnosticResult("DURX2002", DiagnosticSeverity.Error).WithLocation("Workflow.cs", 8, 21)
                .WithMessageFormat("{0}").WithArguments("Payload type object says nothing about the data's shape: the payload is stored as JSON and read back by its declared type, so use a concrete record or class (or list it in the JsonSerializerContext named by [assembly: DurexJsonContext] if it really must be polymorphic)"));
    }

    [Fact]
    public async Task Nothing_is_offered_when_the_assembly_names_no_context()
    {
        const string source = """
            using Durex;

            public static class AuditCommands
            {
                [DurexCommand("audit")]
                public static void {|#0:Write|}(object entry) { }
            }
            """;
        await Verify<DeclarationAnalyzer>.CodeFixAsync<JsonSerializableCodeFixProvider>(source, source,
            new DiagnosticResult("DURX2002", DiagnosticSeverity.Error).WithLocation(0));
    }
}
