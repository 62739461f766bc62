using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Durex.Generators.Json;

namespace Durex.Generators;

/// <summary>Writes the generated sources from the models. Deterministic: ordinal order, invariant formatting.</summary>
internal sealed class Emitter
{
    private const string Code = "global::Durex.Generation.GeneratedCode";
    private const string ResultTask = "global::System.Threading.Tasks.ValueTask<global::Durex.CommandResult>";
    private const string GeneratedCodeAttribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"Durex.Generators\", \"0.1.0\")]";

    private readonly SettingsModel _settings;
    private readonly string _accessibility;

    public Emitter(SettingsModel settings)
    {
        _settings = settings;
        _accessibility = settings.IsPublic ? "public" : "internal";
    }

    public string EmitJobs(IReadOnlyList<CommandModel> commands, IReadOnlyList<WorkflowModel> workflows)
    {
        var w = new Writer();
        Header(w);
        var names = new ClassNames(_settings);
        w.Line("/// <summary>The Durex commands of this assembly: typed enqueue stubs and their registration.</summary>");
        w.Line(GeneratedCodeAttribute);
        w.Open($"{_accessibility} static partial class {_settings.JobsClassName}");
        w.Line("/// <summary>Registers every command and workflow of this assembly on <paramref name=\"executor\"/>.</summary>");
        w.Open("public static global::Durex.Executor Register(global::Durex.Executor executor)");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(executor);");
        var commandClasses = commands.Select(c => names.For(c.Name)).ToArray();
        foreach (var className in commandClasses)
        {
            w.Line($"{className}.Register(executor);");
        }

        var workflowNames = new ClassNames(_settings);
        foreach (var workflow in workflows)
        {
            w.Line($"{WorkflowsType}.{workflowNames.For(workflow.Name)}.Register(executor);");
        }

        w.Line("return executor;");
        w.Close();
        w.Line();
        w.Line("/// <summary>Registers every command and workflow of this assembly on the host's executor when it is created.</summary>");
        w.Line("public static global::Durex.Hosting.IDurexBuilder Register(global::Durex.Hosting.IDurexBuilder builder) =>");
        w.Line($"    {Code}.Register(builder, static executor => Register(executor));");
        for (var i = 0; i < commands.Count; i++)
        {
            w.Line();
            EmitCommand(w, commands[i], commandClasses[i]);
        }

        w.Close();
        Footer(w);
        return w.ToString();
    }

    public string EmitWorkflows(IReadOnlyList<WorkflowModel> workflows)
    {
        var w = new Writer();
        Header(w);
        var names = new ClassNames(_settings);
        w.Line("/// <summary>The Durex workflows of this assembly: start, status and registration.</summary>");
        w.Line(GeneratedCodeAttribute);
        w.Open($"{_accessibility} static partial class {_settings.WorkflowsClassName}");
        for (var i = 0; i < workflows.Count; i++)
        {
            if (i > 0)
            {
                w.Line();
            }

            EmitWorkflow(w, workflows[i], names.For(workflows[i].Name));
        }

        w.Close();
        Footer(w);
        return w.ToString();
    }

    public string EmitRegistration()
    {
        var w = new Writer();
        Header(w);
        w.Line("/// <summary>Registration of this assembly's Durex commands and workflows.</summary>");
        w.Line(GeneratedCodeAttribute);
        w.Open("internal static class DurexGeneratedRegistration");
        w.Line("/// <summary>Registers every command and workflow of this assembly on <paramref name=\"executor\"/>.</summary>");
        w.Line($"public static global::Durex.Executor AddGeneratedCommands(this global::Durex.Executor executor) => {JobsType}.Register(executor);");
        w.Line();
        w.Line("/// <summary>Registers every command and workflow of this assembly on the host's executor.</summary>");
        w.Line("public static global::Durex.Hosting.IDurexBuilder AddGeneratedCommands(this global::Durex.Hosting.IDurexBuilder builder) =>");
        w.Line($"    {JobsType}.Register(builder);");
        w.Close();
        Footer(w);
        return w.ToString();
    }

    private string JobsType => Qualified(_settings.JobsClassName);

    private string WorkflowsType => Qualified(_settings.WorkflowsClassName);

    private string Qualified(string className) => _settings.Namespace is null ? "global::" + className : $"global::{_settings.Namespace}.{className}";

    // ---------------------------------------------------------------- commands

    private void EmitCommand(Writer w, CommandModel command, string className)
    {
        var payload = command.Payload;
        var typeInfo = payload is null ? null : TypeInfo(payload);
        w.Line($"/// <summary>Command <c>{Xml(command.Name)}</c>, handled by <see cref=\"{Cref(command.ClassName)}\"/>.<c>{Xml(command.Method.Name)}</c>.</summary>");
        // Public stubs cannot take a payload type other assemblies cannot see.
        w.Open($"{(payload is null || payload.IsPublic ? "public" : "internal")} static class {className}");
        w.Line("/// <summary>The command's name.</summary>");
        w.Line($"public const string Name = {Literal(command.Name)};");
        w.Line();

        var payloadParameter = payload is null ? "" : $"{payload.TypeName} payload, ";
        var payloadArgument = payload is null ? "" : "payload, ";
        w.Line("/// <summary>A spec of this command, for <c>AddAsync</c>, <c>CommandResult.Next</c>, <c>Spawn</c> and <c>SpawnThen</c>.</summary>");
        w.Line($"public static global::Durex.CommandSpec Spec({payloadParameter}global::Durex.EnqueueOptions? options = null) =>");
        w.Line(payload is null
            ? $"    {Code}.Spec(Name, {UniqueKey(command)}, options);"
            : $"    {Code}.Spec(Name, payload, {typeInfo}, {UniqueKey(command)}, options);");
        w.Line();
        w.Line("/// <summary>Enqueues the command.</summary>");
        w.Line($"public static global::System.Threading.Tasks.ValueTask<global::Durex.CommandInstance> EnqueueAsync(global::Durex.IDurexClient client, {payloadParameter}global::Durex.EnqueueOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default) =>");
        w.Line($"    {Code}.EnqueueAsync(client, Spec({payloadArgument}options), cancellationToken);");
        w.Line();
        w.Line("/// <summary>Enqueues the command to run at <paramref name=\"runAt\"/>.</summary>");
        w.Line($"public static global::System.Threading.Tasks.ValueTask<global::Durex.CommandInstance> ScheduleAsync(global::Durex.IDurexClient client, {payloadParameter}global::System.DateTimeOffset runAt, global::Durex.EnqueueOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default) =>");
        w.Line($"    {Code}.EnqueueAsync(client, Spec({payloadArgument}{Code}.At(options, runAt, null)), cancellationToken);");
        w.Line();
        w.Line("/// <summary>Enqueues the command to run after <paramref name=\"delay\"/>.</summary>");
        w.Line($"public static global::System.Threading.Tasks.ValueTask<global::Durex.CommandInstance> ScheduleAsync(global::Durex.IDurexClient client, {payloadParameter}global::System.TimeSpan delay, global::Durex.EnqueueOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default) =>");
        w.Line($"    {Code}.EnqueueAsync(client, Spec({payloadArgument}{Code}.At(options, null, delay)), cancellationToken);");
        w.Line();

        var owner = $"{command.Factory?.DisplayName ?? command.ClassName} (command {command.Name})";
        w.Open("internal static void Register(global::Durex.Executor executor)");
        EnsureServices(w, command.Factory, owner);
        var target = command.Method.IsStatic ? command.ClassName : "Create(context)";
        var call = Invoke(target, command.Method, payload is null ? null : "payload");
        var configure = Configure(command, typeInfo);
        w.Line(payload is null
            ? $"executor.Handle(Name, static (context, cancellationToken) => {call}, {configure});"
            : $"executor.HandleTyped<{payload.TypeName}>(Name, {typeInfo}, static (payload, context, cancellationToken) => {call}, {configure});");
        w.Close();
        EmitFactory(w, command.Factory, owner);
        w.Close();
    }

    private string UniqueKey(CommandModel command)
    {
        if (command.UniqueKey.Count == 0)
        {
            return "null";
        }

        var text = new StringBuilder("global::System.String.Create(global::System.Globalization.CultureInfo.InvariantCulture, $\"");
        foreach (var part in command.UniqueKey)
        {
            text.Append(part.IsMember ? "{" + part.Text + "}" : Escape(part.Text).Replace("{", "{{").Replace("}", "}}"));
        }

        text.Append("\")");
        return command.Payload!.CanBeNull ? $"payload is null ? null : {text}" : text.ToString();
    }

    private static string Configure(CommandModel command, string? typeInfo)
    {
        var calls = OptionCalls(command.Options.Retries, command.Options.TimeoutSeconds).ToList();
        if (command.Options.DeadlineSeconds is { } deadline)
        {
            calls.Add($".Deadline({Seconds(deadline)})");
        }

        if (command.Options.PeriodSeconds is { } period)
        {
            calls.Add($".Period({Seconds(period)})");
        }

        if (command.Options.Cron is { } cron)
        {
            calls.Add($".Cron({Literal(cron)}{(command.Options.CronTimeZone is { } zone ? ", " + Literal(zone) : "")})");
        }

        if (command.Options.Priority is { } priority)
        {
            calls.Add($".Priority({priority.ToString(CultureInfo.InvariantCulture)})");
        }

        if (command.Options.Tags.Count > 0)
        {
            calls.Add($".Tags({string.Join(", ", command.Options.Tags.Select(Literal))})");
        }

        var hookTarget = command.Factory is null ? command.ClassName : "Create(context)";
        if (command.Recover is { } recover)
        {
            var target = recover.IsStatic ? command.ClassName : hookTarget;
            calls.Add($".OnRecover(static (context, error, cancellationToken) => {Invoke(target, recover, PayloadOf(typeInfo))})");
        }

        if (command.Expired is { } expired)
        {
            var target = expired.IsStatic ? command.ClassName : hookTarget;
            calls.Add($".OnExpired(static (context, cancellationToken) => {Invoke(target, expired, PayloadOf(typeInfo))})");
        }

        return calls.Count == 0 ? "null" : "static options => options" + string.Concat(calls);
    }

    private static IEnumerable<string> OptionCalls(int? retries, double? timeoutSeconds)
    {
        if (retries is { } r)
        {
            yield return $".Retries({r.ToString(CultureInfo.InvariantCulture)})";
        }

        if (timeoutSeconds is { } t)
        {
            yield return $".Timeout({Seconds(t)})";
        }
    }

    private static string? PayloadOf(string? typeInfo) => typeInfo is null ? null : $"{Code}.Payload(context, {typeInfo})";

    // ---------------------------------------------------------------- workflows

    private void EmitWorkflow(Writer w, WorkflowModel workflow, string className)
    {
        var payload = workflow.Payload;
        var typeInfo = payload is null ? null : TypeInfo(payload);
        w.Line($"/// <summary>Workflow <c>{Xml(workflow.Name)}</c>, defined by <see cref=\"{Cref(workflow.ClassName)}\"/>.</summary>");
        w.Open($"{(payload is null || payload.IsPublic ? "public" : "internal")} static class {className}");
        w.Line("/// <summary>The workflow's name.</summary>");
        w.Line($"public const string Name = {Literal(workflow.Name)};");
        w.Line();
        w.Line("/// <summary>The workflow's steps and compensations.</summary>");
        w.Line("public static global::Durex.WorkflowDefinition Definition { get; } = new(Name, new global::Durex.WorkflowStep[]");
        w.Open("");
        foreach (var step in workflow.Steps)
        {
            w.Line($"new({step.Order.ToString(CultureInfo.InvariantCulture)}, {Literal(step.CommandName)}, {(step.CompensationCommand is null ? "null" : Literal(step.CompensationCommand))}, {(step.Parallel ? "true" : "false")}),");
        }

        w.CloseWith("});");
        w.Line();
        w.Line("/// <summary>Starts a run; its correlation id (given in <paramref name=\"options\"/>, or new) identifies it.</summary>");
        if (payload is null)
        {
            w.Line("public static global::System.Threading.Tasks.ValueTask<global::Durex.WorkflowRun> StartAsync(global::Durex.IDurexClient client, global::Durex.EnqueueOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default) =>");
            w.Line("    Definition.StartAsync(client, new global::Durex.CommandData(), options, cancellationToken);");
        }
        else
        {
            w.Line($"public static global::System.Threading.Tasks.ValueTask<global::Durex.WorkflowRun> StartAsync(global::Durex.IDurexClient client, {payload.TypeName} payload, global::Durex.EnqueueOptions? options = null, global::System.Threading.CancellationToken cancellationToken = default) =>");
            w.Line($"    Definition.StartAsync(client, payload, {typeInfo}, options, cancellationToken);");
        }

        w.Line();
        w.Line("/// <summary>Where the run with <paramref name=\"correlationId\"/> stands; null when it does not exist.</summary>");
        w.Line("public static global::System.Threading.Tasks.ValueTask<global::Durex.WorkflowStatus?> GetStatusAsync(global::Durex.IDurexClient client, string correlationId, global::System.Threading.CancellationToken cancellationToken = default) =>");
        w.Line("    Definition.GetStatusAsync(client, correlationId, cancellationToken);");
        w.Line();

        var owner = $"{workflow.Factory?.DisplayName ?? workflow.ClassName} (workflow {workflow.Name})";
        w.Open("internal static void Register(global::Durex.Executor executor)");
        EnsureServices(w, workflow.Factory, owner);
        w.Line("global::Durex.WorkflowExecutorExtensions.AddWorkflow(executor, Definition, new global::System.Collections.Generic.Dictionary<string, global::Durex.WorkflowHandler>(global::System.StringComparer.Ordinal)");
        w.Open("");
        var payloadExpression = PayloadOf(typeInfo);
        foreach (var step in workflow.Steps)
        {
            var target = step.Method.IsStatic ? workflow.ClassName : "Create(context)";
            var options = string.Concat(OptionCalls(step.Retries, step.TimeoutSeconds));
            w.Line($"[{Literal(step.CommandName)}] = new(static (context, cancellationToken) => {Invoke(target, step.Method, payloadExpression)}{(options.Length == 0 ? "" : ", static options => options" + options)}),");
        }

        foreach (var compensation in workflow.Compensations)
        {
            var target = compensation.Method.IsStatic ? workflow.ClassName : "Create(context)";
            w.Line($"[{Literal(compensation.CommandName)}] = new(static (context, cancellationToken) => {Invoke(target, compensation.Method, payloadExpression)}),");
        }

        w.CloseWith("});");
        w.Close();
        EmitFactory(w, workflow.Factory, owner);
        w.Close();
    }

    // ---------------------------------------------------------------- shared pieces

    private static void EnsureServices(Writer w, FactoryModel? factory, string owner)
    {
        var required = factory?.Dependencies.Where(d => !d.IsOptional).ToArray() ?? [];
        if (required.Length > 0)
        {
            w.Line($"{Code}.EnsureServices(executor, {Literal(owner)}, {string.Join(", ", required.Select(d => $"typeof({d.TypeName})"))});");
        }
    }

    private static void EmitFactory(Writer w, FactoryModel? factory, string owner)
    {
        if (factory is null)
        {
            return;
        }

        w.Line();
        w.Line("/// <summary>The handler instance for one attempt, its constructor's services from the attempt's scope.</summary>");
        w.Open($"private static {factory.TypeName} Create(global::Durex.CommandContext context)");
        if (factory.Dependencies.Count == 0)
        {
            w.Line($"return new {factory.TypeName}();");
        }
        else
        {
            w.Line($"var services = {Code}.Services(context, {Literal(owner)});");
            w.Line($"return new {factory.TypeName}({string.Join(", ", factory.Dependencies.Select(d => d.IsOptional
                ? $"services.GetService(typeof({d.TypeName})) as {d.TypeName}"
                : $"{Code}.Require<{d.TypeName}>(services, {Literal(owner)})"))});");
        }

        w.Close();
    }

    /// <summary>The call of a user method, adapted to <c>ValueTask&lt;CommandResult&gt;</c>.</summary>
    private static string Invoke(string target, MethodModel method, string? payload)
    {
        var arguments = string.Join(", ", method.Arguments.Select(a => a switch
        {
            ArgumentKind.Payload => payload ?? "default!",
            ArgumentKind.Context => "context",
            ArgumentKind.CancellationToken => "cancellationToken",
            _ => "error",
        }));
        var call = $"{target}.{Parser.Identifier(method.Name)}({arguments})";
        return method.Return == ReturnKind.Void
            ? $"{{ {call}; return new {ResultTask}(global::Durex.CommandResult.Empty); }}"
            : $"{Code}.Done({call})";
    }

    private string TypeInfo(PayloadModel payload) => payload.UserContext is { } context
        ? $"{Code}.FromContext<{payload.TypeName}>({context}.Default)"
        : JsonMetadataEmitter.TypeInfoExpression(_settings.Namespace, payload.TypeName);

    private void Header(Writer w)
    {
        w.Line("// <auto-generated/>");
        w.Line("#nullable enable");
        w.Line();
        if (_settings.Namespace is not null)
        {
            w.Line($"namespace {_settings.Namespace}");
            w.Line("{");
            w.Indent++;
        }
    }

    private void Footer(Writer w)
    {
        if (_settings.Namespace is not null)
        {
            w.Indent--;
            w.Line("}");
        }
    }

    private static string Seconds(double seconds) => $"global::System.TimeSpan.FromSeconds({seconds.ToString("R", CultureInfo.InvariantCulture)})";

    private static string Literal(string value) => "\"" + Escape(value) + "\"";

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\r", "\\r").Replace("\n", "\\n");

    private static string Xml(string value) => value.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    private static string Cref(string typeName) => Xml(typeName.StartsWith("global::", StringComparison.Ordinal) ? typeName.Substring(8) : typeName)
        .Replace("&lt;", "{").Replace("&gt;", "}");

    /// <summary>PascalCase class names from command names, unique within one parent class.</summary>
    private sealed class ClassNames(SettingsModel settings)
    {
        // Members of the generated classes and the outer classes themselves: a nested class may not share their names.
        private static readonly HashSet<string> Members = new(StringComparer.Ordinal)
        {
            "Register", "Name", "Definition", "Spec", "EnqueueAsync", "ScheduleAsync", "Create", "StartAsync", "GetStatusAsync",
        };

        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public string For(string commandName)
        {
            var name = new StringBuilder();
            var upper = true;
            foreach (var c in commandName)
            {
                if (!char.IsLetterOrDigit(c))
                {
                    upper = true;
                    continue;
                }

                name.Append(upper ? char.ToUpperInvariant(c) : c);
                upper = false;
            }

            if (name.Length == 0 || char.IsDigit(name[0]))
            {
                name.Insert(0, '_');
            }

            var text = name.ToString();
            var candidate = Members.Contains(text) || text == settings.JobsClassName || text == settings.WorkflowsClassName ? text + "Command" : text;
            var unique = candidate;
            for (var i = 2; !_used.Add(unique); i++)
            {
                unique = candidate + i.ToString(CultureInfo.InvariantCulture);
            }

            return unique;
        }
    }

    private sealed class Writer
    {
        private readonly StringBuilder _text = new();

        public int Indent { get; set; }

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', Indent * 4);
            }

            _text.Append(line).Append('\n');
        }

        public void Open(string line)
        {
            if (line.Length > 0)
            {
                Line(line);
            }

            Line("{");
            Indent++;
        }

        public void Close() => CloseWith("}");

        public void CloseWith(string line)
        {
            Indent--;
            Line(line);
        }

        public override string ToString() => _text.ToString();
    }
}
