using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Durex.Dashboard;
using Durex.Storage;

namespace Durex.Cli;

/// <summary>The command tree and the commands. One instance serves one command line.</summary>
internal sealed class CliApp
{
    private const string DefaultDashboardUrl = "http://127.0.0.1:8080";

    private readonly TextWriter _out;
    private readonly TextWriter _err;
    private readonly DurexCliEnvironment _environment;

    // Store selection: recursive, so it may stand before or after the command and its arguments.
    private readonly Option<string> _sqlite = new("--sqlite")
    {
        Description = "The SQLite database file (or a 'Data Source=…' connection string).",
        HelpName = "PATH",
        Recursive = true,
    };

    private readonly Option<string> _postgres = new("--postgres")
    {
        Description = "A PostgreSQL connection string, e.g. \"Host=localhost;Username=app;Password=…;Database=app\".",
        HelpName = "CONNSTR",
        Recursive = true,
    };

    private readonly Option<string> _schema = new("--schema")
    {
        Description = "PostgreSQL schema holding Durex's tables (default durex).",
        HelpName = "NAME",
        Recursive = true,
    };

    private readonly Option<string> _tablePrefix = new("--table-prefix")
    {
        Description = "Prefix of Durex's table names, if your application sets one (default durex_ on SQLite, none on PostgreSQL).",
        HelpName = "PREFIX",
        Recursive = true,
    };

    public CliApp(TextWriter stdout, TextWriter stderr, DurexCliEnvironment environment)
    {
        _out = stdout;
        _err = stderr;
        _environment = environment;
    }

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var root = BuildRoot();
        // No response files: a value such as "--search @example.com" must stay text.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                Error(error.Message);
            }

            var command = parse.CommandResult.Command == root ? "" : parse.CommandResult.Command.Name + " ";
            Error($"Run 'durex {command}--help' for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = _out,
            Error = _err,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // Program.cs owns the signals and passes them in as cancellation
        };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private Command BuildRoot()
    {
        // A plain Command named "durex" rather than RootCommand, whose name is the entry assembly's (Durex.Cli).
        var root = new Command("durex",
            "Inspect and operate Durex commands in a SQLite or PostgreSQL store. The store comes from --sqlite, --postgres or " +
            "DUREX_STORE (sqlite:PATH or postgres:CONNSTR). Exit codes: 0 ok, 1 unexpected error, 2 bad arguments, 3 not found, " +
            "4 state forbids the action, 5 store unreachable or unusable, 130 interrupted.")
        {
            new HelpOption(),
            new VersionOption { Action = new VersionAction(_out) },
            _sqlite,
            _postgres,
            _schema,
            _tablePrefix,
            ListCommand(),
            GetCommand(),
            CancelCommand(),
            RetryCommand(),
            ReplayCommand(),
            PurgeCommand(),
            StatsCommand(),
            MigrateCommand(),
            DashboardCommand(),
        };
        return root;
    }

    // ------------------------------------------------------------------------------------------------ list

    private Command ListCommand()
    {
        var status = new Option<string[]>("--status")
        {
            Description = $"Any of these statuses (repeat or comma-separate; any case): {InputParser.StatusList}.",
            HelpName = "STATUS",
            AllowMultipleArgumentsPerToken = false,
        };
        var name = new Option<string>("--name") { Description = "Exact handler name.", HelpName = "NAME" };
        var tag = new Option<string>("--tag") { Description = "Carries this tag.", HelpName = "TAG" };
        var correlation = new Option<string>("--correlation-id") { Description = "Exact correlation id (a workflow).", HelpName = "ID" };
        var parent = new Option<string>("--parent-id") { Description = "Spawned by this command.", HelpName = "ID" };
        var search = new Option<string>("--search") { Description = "Case-insensitive text in the error or the payload.", HelpName = "TEXT" };
        var from = new Option<string>("--created-from") { Description = "Created at or after this time (ISO 8601).", HelpName = "TIME" };
        var before = new Option<string>("--created-before") { Description = "Created before this time (ISO 8601).", HelpName = "TIME" };
        var order = new Option<string>("--order") { Description = "newest (default) or oldest first.", HelpName = "ORDER" };
        var limit = new Option<string>("--limit") { Description = $"Page size, 1 to {CommandQuery.MaxLimit} (default {InputParser.DefaultLimit}).", HelpName = "N" };
        var cursor = new Option<string>("--cursor") { Description = "Continue after the previous page: its 'next cursor'.", HelpName = "CURSOR" };
        var json = JsonOption();
        var command = new Command("list", "List commands, newest first, with the dashboard's filters; prints the next page's cursor.")
        {
            status, name, tag, correlation, parent, search, from, before, order, limit, cursor, json,
        };
        SetAction(command, async (p, ct) =>
        {
            var query = new CommandQuery
            {
                Statuses = InputParser.ParseStatuses(p.GetValue(status)),
                Name = InputParser.ParseText(p.GetValue(name), "--name"),
                Tag = InputParser.ParseText(p.GetValue(tag), "--tag"),
                CorrelationId = InputParser.ParseText(p.GetValue(correlation), "--correlation-id"),
                ParentId = p.GetValue(parent) is { } parentId ? InputParser.ParseId(parentId, "--parent-id") : null,
                Search = InputParser.ParseText(p.GetValue(search), "--search"),
                CreatedFrom = InputParser.ParseTime(p.GetValue(from), "--created-from"),
                CreatedBefore = InputParser.ParseTime(p.GetValue(before), "--created-before"),
                Order = InputParser.ParseOrder(p.GetValue(order)),
                Limit = InputParser.ParseLimit(p.GetValue(limit)),
                Cursor = InputParser.ParseCursor(p.GetValue(cursor)),
            };
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var page = await session.Executor.FindAsync(query, ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                WriteJson(new ListJson(page.Items.Select(c => CommandDto.From(c, withPayload: false)).ToArray(), page.NextCursor), CliJsonContext.Default.ListJson);
                return ExitCodes.Success;
            }

            if (page.Items.Count == 0)
            {
                _out.WriteLine("No commands match.");
            }
            else
            {
                var table = new TextTable("ID", "NAME", "STATUS", "ATTEMPT", "CREATED (UTC)", "ERROR");
                foreach (var c in page.Items)
                {
                    table.Add(c.Id.ToString(), c.Name, c.Status.ToWireName(), c.Attempt.ToString(CultureInfo.InvariantCulture), Text.Time(c.CreatedAt), c.Error);
                }

                table.WriteTo(_out);
            }

            if (page.NextCursor is { } next)
            {
                _out.WriteLine();
                _out.WriteLine($"next cursor: {next}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    // ------------------------------------------------------------------------------------------------ get

    private Command GetCommand()
    {
        var id = IdArgument();
        var history = new Option<bool>("--history") { Description = "Also show the command's history timeline." };
        var json = JsonOption();
        var command = new Command("get", "Show one command: its fields, payload and (with --history) its timeline.") { id, history, json };
        SetAction(command, async (p, ct) =>
        {
            var commandId = InputParser.ParseId(p.GetValue(id));
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var c = await session.Executor.GetAsync(commandId, ct).ConfigureAwait(false) ?? throw new CommandNotFoundException(commandId);
            var events = p.GetValue(history) ? await session.Executor.GetHistoryAsync(commandId, ct).ConfigureAwait(false) : null;
            if (p.GetValue(json))
            {
                WriteJson(new DetailJson { Command = CommandDto.From(c, withPayload: true), History = events?.Select(HistoryDto.From).ToArray() },
                    CliJsonContext.Default.DetailJson);
                return ExitCodes.Success;
            }

            WriteDetail(c);
            if (events is not null)
            {
                _out.WriteLine();
                _out.WriteLine("history:");
                var table = new TextTable("TIME (UTC)", "EVENT", "ATTEMPT", "DURATION", "DETAILS") { LastColumnWidth = 120 };
                foreach (var e in events)
                {
                    var details = e.Error is null ? e.Message : e.Message is null ? e.Error : $"{e.Error} ({e.Message})";
                    table.Add(Text.Instant(e.Timestamp), e.Type.ToWireName(), e.Attempt.ToString(CultureInfo.InvariantCulture),
                        e.Duration is null ? null : Text.Duration(e.Duration), details);
                }

                table.WriteTo(_out);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private void WriteDetail(CommandInstance c)
    {
        var fields = new List<(string Label, string? Value)>
        {
            ("id", c.Id.ToString()),
            ("name", c.Name),
            ("status", c.Status.ToWireName()),
            ("attempt", c.Attempt.ToString(CultureInfo.InvariantCulture) + (c.Retries is { } r ? FormattableString.Invariant($" (retries {r})") : "")),
            ("priority", c.Priority.ToString(CultureInfo.InvariantCulture)),
            ("tags", c.Tags.Count == 0 ? null : string.Join(", ", c.Tags)),
            ("unique key", c.UniqueKey),
            ("correlation id", c.CorrelationId),
            ("trace id", c.TraceId),
            ("parent id", c.ParentId?.ToString()),
            ("created", Text.Instant(c.CreatedAt)),
            ("ready", Text.Instant(c.ReadyAt)),
            ("started", c.StartedAt is { } s ? Text.Instant(s) : null),
            ("completed", c.CompletedAt is { } done ? Text.Instant(done) : null),
            ("deadline", c.DeadlineAt is { } d ? Text.Instant(d) : null),
            ("timeout", c.Timeout is null ? null : Text.Duration(c.Timeout)),
            ("period", c.Period is null ? null : Text.Duration(c.Period)),
            ("cron", c.Cron is null ? null : c.Cron + (c.CronTimeZone is { } zone ? $" ({zone})" : "")),
            ("sequence", c.Sequence.Count == 0 ? null : string.Join(" → ", c.Sequence)),
            ("lease", c.LeaseOwner is null ? null : $"{c.LeaseOwner} until {(c.LeaseExpiresAt is { } until ? Text.Instant(until) : "-")}"),
            ("fan-in", c.FanInTotal == 0 ? null : FormattableString.Invariant($"{c.FanInTotal - c.FanInPending} of {c.FanInTotal} done{(c.FanInFailed ? ", a child failed" : "")}")),
            ("error", c.Error is null ? null : Text.OneLine(c.Error)),
        };
        var width = fields.Max(f => f.Label.Length) + 2;
        foreach (var (label, value) in fields)
        {
            if (value is not null)
            {
                _out.WriteLine((label + ":").PadRight(width) + value);
            }
        }

        _out.WriteLine("payload:");
        _out.WriteLine(JsonSerializer.Serialize(CommandDto.ParsePayload(c.Payload), CliJsonContext.Default.JsonElement));
    }

    // ------------------------------------------------------------------------------------------------ actions

    private Command CancelCommand()
    {
        var id = new Argument<string>("id") { Description = "The command to cancel.", Arity = ArgumentArity.ZeroOrOne };
        var tag = new Option<string>("--tag") { Description = "Cancel every active command carrying this tag instead.", HelpName = "TAG" };
        var reason = new Option<string>("--reason") { Description = "Recorded in the command's history (cancel by id).", HelpName = "TEXT" };
        var json = JsonOption();
        var command = new Command("cancel", "Cancel a command by id, or every active command with --tag. A running handler's token is cancelled.")
        {
            id, tag, reason, json,
        };
        SetAction(command, async (p, ct) =>
        {
            var idText = p.GetValue(id);
            var tagText = p.GetValue(tag);
            if (idText is not null && tagText is not null)
            {
                throw CliException.Usage("Give a command id or --tag, not both.");
            }

            if (idText is null && tagText is null)
            {
                throw CliException.Usage("Say what to cancel: a command id (durex cancel ID) or a tag (durex cancel --tag TAG).");
            }

            if (tagText is not null)
            {
                var tagValue = InputParser.ParseText(tagText, "--tag") ?? throw CliException.Usage("--tag needs a tag, e.g. --tag tenant:17.");
                if (p.GetValue(reason) is not null)
                {
                    throw CliException.Usage("--reason applies to cancelling one command by id.");
                }

                await using var tagSession = await OpenAsync(p, ct).ConfigureAwait(false);
                var count = await tagSession.Executor.CancelByTagAsync(tagValue, ct).ConfigureAwait(false);
                if (p.GetValue(json))
                {
                    WriteJson(new CountJson("cancel", count), CliJsonContext.Default.CountJson);
                }
                else
                {
                    _out.WriteLine(FormattableString.Invariant($"Cancelled {count} active command{(count == 1 ? "" : "s")} tagged '{tagValue}'."));
                }

                return ExitCodes.Success;
            }

            var commandId = InputParser.ParseId(idText);
            var reasonText = InputParser.ParseText(p.GetValue(reason), "--reason");
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var cancelled = await session.Executor.CancelAsync(commandId, reasonText ?? "Cancelled with the durex tool.", ct).ConfigureAwait(false);
            WriteAction("cancel", cancelled, p.GetValue(json), $"Cancelled {cancelled.Id} ({cancelled.Name}): it is {cancelled.Status.ToWireName()}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private Command RetryCommand()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("retry", "Send a FAILED or DEAD_LETTER command back to PENDING with a fresh retry budget.") { id, json };
        SetAction(command, async (p, ct) =>
        {
            var commandId = InputParser.ParseId(p.GetValue(id));
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var retried = await session.Executor.RetryAsync(commandId, ct).ConfigureAwait(false);
            WriteAction("retry", retried, p.GetValue(json), $"Retried {retried.Id} ({retried.Name}): it is {retried.Status.ToWireName()} with a fresh retry budget.");
            return ExitCodes.Success;
        });
        return command;
    }

    private Command ReplayCommand()
    {
        var id = IdArgument();
        var json = JsonOption();
        var command = new Command("replay", "Send a command from the dead-letter queue back to PENDING with a fresh retry budget.") { id, json };
        SetAction(command, async (p, ct) =>
        {
            var commandId = InputParser.ParseId(p.GetValue(id));
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var replayed = await session.Executor.ReplayFromDeadLetterAsync(commandId, ct).ConfigureAwait(false);
            WriteAction("replay", replayed, p.GetValue(json), $"Replayed {replayed.Id} ({replayed.Name}) from the dead-letter queue: it is {replayed.Status.ToWireName()}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private void WriteAction(string action, CommandInstance command, bool json, string text)
    {
        if (json)
        {
            WriteJson(new ActionJson(action, CommandDto.From(command, withPayload: false)), CliJsonContext.Default.ActionJson);
        }
        else
        {
            _out.WriteLine(text);
        }
    }

    private Command PurgeCommand()
    {
        var dlq = new Option<bool>("--dlq") { Description = "Purge the dead-letter queue (required: it is what purge deletes)." };
        var olderThan = new Option<string>("--older-than")
        {
            Description = "Only dead letters that reached the queue longer ago than this: 30m, 12h, 7d, 2w, 1d12h; 0 for all (required).",
            HelpName = "DURATION",
        };
        var batch = new Option<string>("--batch-size") { Description = "Rows deleted per transaction (default 1000).", HelpName = "N" };
        var progress = ProgressOption();
        var json = JsonOption();
        var command = new Command("purge", "Delete dead-lettered commands and their history, in batches, reporting progress.") { dlq, olderThan, batch, progress, json };
        SetAction(command, async (p, ct) =>
        {
            if (!p.GetValue(dlq))
            {
                throw CliException.Usage("Say what to purge: add --dlq (the dead-letter queue), e.g. durex purge --dlq --older-than 7d.");
            }

            var age = p.GetValue(olderThan) is { } text
                ? InputParser.ParseDuration(text, "--older-than")
                : throw CliException.Usage("purge needs --older-than: e.g. --older-than 7d, or --older-than 0 for every dead letter.");
            var batchSize = InputParser.ParseCount(p.GetValue(batch), "--batch-size", 1000, 1, 100_000);
            var reporter = Progress.Create(p.GetValue(progress), _err, _environment.ErrorIsTerminal);
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);

            // Executor.PurgeDeadLettersAsync runs this same loop (PurgeRequest with a row limit, until a short batch);
            // it is repeated here to count between batches.
            var now = _environment.TimeProvider.GetUtcNow();
            var request = new PurgeRequest { Statuses = [CommandStatus.DeadLetter], CompletedBefore = now - age, Limit = batchSize };
            var statistics = await session.Store.GetStatisticsAsync(new StatisticsRequest { Now = now }, ct).ConfigureAwait(false);
            var atMost = statistics.Counts.GetValueOrDefault(CommandStatus.DeadLetter);
            var total = 0;
            try
            {
                int deleted;
                do
                {
                    deleted = await session.Store.PurgeAsync(request, ct).ConfigureAwait(false);
                    total += deleted;
                    reporter.Report(FormattableString.Invariant($"purged {total} of at most {atMost} dead letters…"));
                }
                while (deleted == batchSize);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                reporter.Clear();
                Error(FormattableString.Invariant($"Interrupted after purging {total} dead letter{(total == 1 ? "" : "s")}; run the command again to go on."));
                throw;
            }

            reporter.Clear();
            if (p.GetValue(json))
            {
                WriteJson(new CountJson("purge", total), CliJsonContext.Default.CountJson);
            }
            else
            {
                var scope = age == TimeSpan.Zero ? "" : $" older than {p.GetValue(olderThan)!.Trim()}";
                _out.WriteLine(FormattableString.Invariant($"Purged {total} dead letter{(total == 1 ? "" : "s")}{scope}."));
            }

            return ExitCodes.Success;
        });
        return command;
    }

    // ------------------------------------------------------------------------------------------------ stats, migrate

    private Command StatsCommand()
    {
        var json = JsonOption();
        var command = new Command("stats", "Counts per status, the ready queue's depth and the oldest ready command's age.") { json };
        SetAction(command, async (p, ct) =>
        {
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            var statistics = await session.Executor.GetStatisticsAsync(ct).ConfigureAwait(false);
            var counts = Enum.GetValues<CommandStatus>().ToDictionary(s => s.ToWireName(), s => statistics.Counts.GetValueOrDefault(s));
            var total = counts.Values.Sum();
            if (p.GetValue(json))
            {
                WriteJson(new StatsJson(counts, total, statistics.QueueDepth, statistics.OldestReadyAge?.TotalSeconds, _environment.TimeProvider.GetUtcNow()),
                    CliJsonContext.Default.StatsJson);
                return ExitCodes.Success;
            }

            var table = new TextTable("STATUS", "COUNT");
            foreach (var (status, count) in counts)
            {
                table.Add(status, Text.Number(count));
            }

            table.Add("TOTAL", Text.Number(total));
            table.WriteTo(_out);
            _out.WriteLine();
            _out.WriteLine($"ready now:        {Text.Number(statistics.QueueDepth)}");
            _out.WriteLine($"oldest ready age: {(statistics.OldestReadyAge is { } age ? Text.Duration(age) : "-")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private Command MigrateCommand()
    {
        var progress = ProgressOption();
        var json = JsonOption();
        var command = new Command("migrate", "Create or upgrade Durex's schema (and the SQLite file) and print its version.") { progress, json };
        SetAction(command, async (p, ct) =>
        {
            var target = ResolveStore(p);
            var reporter = Progress.Create(p.GetValue(progress), _err, _environment.ErrorIsTerminal);
            var result = await StoreSession.MigrateAsync(target, Layout(p), reporter, _environment.TimeProvider, ct).ConfigureAwait(false);
            if (p.GetValue(json))
            {
                WriteJson(new MigrateJson(target.Kind == StoreKind.Sqlite ? "sqlite" : "postgres", result.PreviousVersion, result.Version), CliJsonContext.Default.MigrateJson);
                return ExitCodes.Success;
            }

            _out.WriteLine(result.PreviousVersion == 0
                ? FormattableString.Invariant($"Created Durex's schema (version {result.Version}) in {result.Description}.")
                : result.PreviousVersion == result.Version
                    ? FormattableString.Invariant($"Durex's schema in {result.Description} is up to date (version {result.Version}).")
                    : FormattableString.Invariant($"Upgraded Durex's schema in {result.Description} from version {result.PreviousVersion} to {result.Version}."));
            return ExitCodes.Success;
        });
        return command;
    }

    // ------------------------------------------------------------------------------------------------ dashboard

    private Command DashboardCommand()
    {
        var url = new Option<string>("--url")
        {
            Description = $"Where to listen (default {DefaultDashboardUrl}; port 0 picks a free port). Loopback only: the tool adds no authentication.",
            HelpName = "URL",
        };
        var command = new Command("dashboard",
            "Serve the dashboard read-only over the store until Ctrl+C or SIGTERM. Runs no command: its executor never starts.") { url };
        SetAction(command, async (p, ct) =>
        {
            var address = CheckDashboardUrl(p.GetValue(url) ?? DefaultDashboardUrl);
            await using var session = await OpenAsync(p, ct).ConfigureAwait(false);
            DurexDashboardServer server;
            try
            {
                server = await DurexDashboardServer.StartAsync(session.Executor, address, o =>
                {
                    o.ReadOnly = true;
                    o.ExpectRunningExecutor = false;
                }, ct).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new CliException(ExitCodes.Error, $"Cannot listen on {address}: {Text.Sentence(e.Message)} Choose another port (port 0 picks a free one).", e);
            }

            await using (server.ConfigureAwait(false))
            {
                _out.WriteLine(server.Uri.ToString());
                _out.Flush();
                Error($"Serving the dashboard of {session.Description} read-only at {server.Uri} (no command runs here). Press Ctrl+C to stop.");
                try
                {
                    await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl+C / SIGTERM: the normal way to stop.
                }
            }

            Error("Dashboard stopped.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The tool serves the dashboard without authentication, so only on loopback; the server refuses anything else too,
    /// but its message talks about authorization policies the tool cannot add.
    /// </summary>
    private static string CheckDashboardUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            throw CliException.Usage($"--url '{InputParser.Clip(url)}' is not a URL to listen on: use http://127.0.0.1:PORT (port 0 picks a free port).");
        }

        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        if (!loopback)
        {
            throw CliException.Usage($"--url '{InputParser.Clip(url)}' is not a loopback address. The durex tool serves the dashboard without authentication, " +
                "so it listens on 127.0.0.1, [::1] or localhost only; reach it from elsewhere through an SSH tunnel, or mount the dashboard in your app with an authorization policy.");
        }

        return url;
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private static Argument<string> IdArgument() => new("id") { Description = "The command's id (a GUID, the ID column of durex list)." };

    private static Option<bool> JsonOption() => new("--json") { Description = "Print machine-readable JSON instead of text." };

    private static Option<string> ProgressOption() => new("--progress")
    {
        Description = $"Progress on stderr: {Progress.Modes} (default auto: only when stderr is a terminal).",
        HelpName = "MODE",
    };

    private StoreTarget ResolveStore(ParseResult p) => StoreTarget.Resolve(p.GetValue(_sqlite), p.GetValue(_postgres), _environment.GetVariable);

    private StoreLayout Layout(ParseResult p) => new(p.GetValue(_schema), p.GetValue(_tablePrefix));

    private Task<StoreSession> OpenAsync(ParseResult p, CancellationToken cancellationToken) =>
        StoreSession.OpenAsync(ResolveStore(p), Layout(p), _environment.TimeProvider, cancellationToken);

    private void WriteJson<T>(T value, JsonTypeInfo<T> typeInfo) => _out.WriteLine(JsonSerializer.Serialize(value, typeInfo));

    private void Error(string message)
    {
        _err.WriteLine("durex: " + (message.Length > 0 ? char.ToUpperInvariant(message[0]) + message[1..] : message));
        _err.Flush();
    }

    /// <summary>Runs a command's action and turns what it throws into a message on stderr and an exit code.</summary>
    private void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException e)
            {
                Error(e.Message);
                return e.ExitCode;
            }
            catch (CommandNotFoundException e)
            {
                Error(e.Message);
                return ExitCodes.NotFound;
            }
            catch (InvalidCommandStateException e)
            {
                Error($"{e.Message} {StateHint(command.Name, e.Status)}");
                return ExitCodes.InvalidState;
            }
            catch (DuplicateCommandException e)
            {
                Error($"{e.Message} Cancel or wait for that command, then {command.Name} again.");
                return ExitCodes.InvalidState;
            }
            catch (ArgumentException e)
            {
                // A value the library refuses (a NUL in a reason, tag or filter, …): the user's input, not a bug.
                var message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
                Error(Text.Sentence(message));
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Error("Interrupted.");
                return ExitCodes.Interrupted;
            }
            catch (Exception e) when (StoreSession.IsStoreFailure(e))
            {
                Error($"The store failed: {Text.Sentence(e.Message)} Check that it is reachable and try again.");
                return ExitCodes.StoreUnavailable;
            }
            catch (Exception e)
            {
                Error($"Unexpected error ({e.GetType().Name}): {Text.Sentence(e.Message)}");
                return ExitCodes.Error;
            }
        });

    /// <summary>Prints this tool's version; the default prints the entry assembly's, which is the test host under tests.</summary>
    private sealed class VersionAction(TextWriter output) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            var assembly = typeof(VersionAction).Assembly;
            output.WriteLine(assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString());
            return ExitCodes.Success;
        }
    }

    private static string StateHint(string action, CommandStatus status) => action switch
    {
        "retry" => "Only FAILED and DEAD_LETTER commands can be retried.",
        "replay" => status == CommandStatus.Failed
            ? "Only DEAD_LETTER commands can be replayed; use `durex retry` for a FAILED one."
            : "Only DEAD_LETTER commands can be replayed.",
        "cancel" => "Only active commands (PENDING, WAITING, STARTED, REPEATING) can be cancelled.",
        _ => "",
    };
}
