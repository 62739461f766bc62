using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Durex.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Durex.Dashboard;

/// <summary>The endpoints of one mounted dashboard. Plain <see cref="RequestDelegate"/>s and source-generated JSON: no reflection.</summary>
internal sealed class DashboardApi
{
    private const string JsonContentType = "application/json; charset=utf-8";
    private const int MaxBulkIds = CommandQuery.MaxLimit;
    private const int MaxBodyBytes = 256 * 1024;

    private readonly Executor _executor;
    private readonly DurexDashboardOptions _options;
    private readonly ThroughputSampler _throughput;
    private readonly DashboardEndpointMarker _marker;
    private int _sampling;

    public DashboardApi(Executor executor, DurexDashboardOptions options, DashboardEndpointMarker marker)
    {
        _executor = executor;
        _options = options;
        _marker = marker;
        _throughput = new ThroughputSampler(options.ThroughputSampleInterval, options.ThroughputWindow);
    }

    internal ThroughputSampler Throughput => _throughput;

    internal DashboardEndpointMarker Marker => _marker;

    private DateTimeOffset Now => _executor.Options.TimeProvider.GetUtcNow();

    public void Map(RouteGroupBuilder group)
    {
        group.WithMetadata(_marker);

        // UI
        group.MapGet("", Wrap(ServeIndexAsync, api: false)).WithDisplayName("Durex dashboard UI");
        group.MapGet("/app.js", Wrap(c => DashboardAssets.ServeAsync(c, "app.js"), api: false)).WithDisplayName("Durex dashboard script");
        group.MapGet("/app.css", Wrap(c => DashboardAssets.ServeAsync(c, "app.css"), api: false)).WithDisplayName("Durex dashboard styles");

        // Reads
        group.MapGet("/api/config", Wrap(GetConfigAsync));
        group.MapGet("/api/stats", Wrap(GetStatsAsync));
        group.MapGet("/api/health", Wrap(GetHealthAsync));
        group.MapGet("/api/commands", Wrap(ListCommandsAsync));
        group.MapGet("/api/commands/{id}", Wrap(GetCommandAsync));
        group.MapGet("/api/commands/{id}/history", Wrap(GetHistoryAsync));
        group.MapGet("/api/workflows/{correlationId}", Wrap(GetWorkflowAsync));
        group.MapGet("/api/dead-letters", Wrap(ListDeadLettersAsync));

        if (_options.ReadOnly)
        {
            return;
        }

        // Actions: POST only, and only with the custom header (see Wrap).
        group.MapPost("/api/commands/{id}/retry", Wrap(c => SingleAsync(c, Action.Retry), action: true));
        group.MapPost("/api/commands/{id}/cancel", Wrap(c => SingleAsync(c, Action.Cancel), action: true));
        group.MapPost("/api/commands/{id}/replay", Wrap(c => SingleAsync(c, Action.Replay), action: true));
        group.MapPost("/api/commands/retry", Wrap(c => BulkAsync(c, Action.Retry), action: true));
        group.MapPost("/api/commands/cancel", Wrap(c => BulkAsync(c, Action.Cancel), action: true));
        group.MapPost("/api/commands/replay", Wrap(c => BulkAsync(c, Action.Replay), action: true));
        group.MapPost("/api/commands/cancel-by-tag", Wrap(CancelByTagAsync, action: true));
        group.MapPost("/api/dead-letters/purge", Wrap(PurgeAsync, action: true));
    }

    private enum Action
    {
        Retry,
        Cancel,
        Replay,
    }

    // ---- plumbing --------------------------------------------------------------------------------------------------

    private RequestDelegate Wrap(Func<HttpContext, Task> handler, bool api = true, bool action = false) => async context =>
    {
        var response = context.Response;
        DashboardSecurity.ApplyHeaders(response);
        if (api)
        {
            response.Headers.CacheControl = "no-store";
        }

        try
        {
            CheckRemoteAccess(context);
            if (action)
            {
                CheckActionRequest(context.Request);
            }

            await handler(context).ConfigureAwait(false);
        }
        catch (DashboardRequestException ex)
        {
            await WriteErrorAsync(context, ex.StatusCode, ex.Message).ConfigureAwait(false);
        }
        catch (CommandNotFoundException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, ex.Message).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidCommandStateException or DuplicateCommandException)
        {
            await WriteErrorAsync(context, StatusCodes.Status409Conflict, ex.Message).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
    };

    /// <summary>The request-time half of the loopback rule (the startup check is the other): a request that arrived on a non-loopback address needs authorization or the explicit opt-out.</summary>
    private void CheckRemoteAccess(HttpContext context)
    {
        if (_options.AllowAnonymousRemoteAccess)
        {
            return;
        }

        var local = context.Connection.LocalIpAddress;
        if (local is null || IPAddress.IsLoopback(local))
        {
            return; // in-memory test servers and unix sockets have no address; loopback is the default binding
        }

        if (context.GetEndpoint()?.Metadata is { } metadata && DashboardSecurity.RequiresAuthorization(metadata))
        {
            return;
        }

        throw new DashboardRequestException(StatusCodes.Status403Forbidden, DashboardSecurity.RemoteAccessMessage(_marker.Prefix, local.ToString()));
    }

    /// <summary>
    /// Cross-site request forgery: a form or an image on another site can make the browser send a POST, but not with a
    /// custom header (a cross-origin fetch that sets one needs a CORS preflight, which the dashboard never approves).
    /// </summary>
    private static void CheckActionRequest(HttpRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Headers[DurexDashboardOptions.ActionHeader]))
        {
            throw new DashboardRequestException(StatusCodes.Status403Forbidden,
                $"State-changing requests need the header '{DurexDashboardOptions.ActionHeader}: 1' (it protects against cross-site request forgery). " +
                "The dashboard's UI sends it; add it to scripts that call the API.");
        }

        if (string.Equals(request.Headers["Sec-Fetch-Site"], "cross-site", StringComparison.OrdinalIgnoreCase))
        {
            throw new DashboardRequestException(StatusCodes.Status403Forbidden, "Cross-site requests cannot change commands.");
        }
    }

    private static async Task WriteJsonAsync<T>(HttpContext context, T value, JsonTypeInfo<T> typeInfo, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = JsonContentType;
        await JsonSerializer.SerializeAsync(context.Response.Body, value, typeInfo, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        return WriteJsonAsync(context, new ErrorDto(status, message), DashboardJsonContext.Default.ErrorDto, status);
    }

    private static async Task<T?> ReadBodyAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, string example)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new DashboardRequestException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes)
            {
                throw new DashboardRequestException(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than {MaxBodyBytes} bytes.");
            }
        }

        if (buffer.Length == 0)
        {
            return null;
        }

        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new DashboardRequestException(StatusCodes.Status415UnsupportedMediaType, $"Send the body as application/json, e.g. {example}.");
        }

        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), typeInfo);
        }
        catch (JsonException ex)
        {
            throw DashboardRequestException.BadRequest($"The body is not valid JSON of the form {example}: {ex.Message}");
        }
    }

    private static string RouteValue(HttpContext context, string name) => context.Request.RouteValues[name] as string ?? "";

    // ---- UI --------------------------------------------------------------------------------------------------------

    private static Task ServeIndexAsync(HttpContext context)
    {
        // Relative links in the page need the trailing slash: /durex -> /durex/.
        var path = context.Request.Path.Value ?? "";
        if (!path.EndsWith('/'))
        {
            context.Response.Redirect(context.Request.PathBase + path + "/" + context.Request.QueryString);
            return Task.CompletedTask;
        }

        return DashboardAssets.ServeAsync(context, "index.html");
    }

    // ---- reads -----------------------------------------------------------------------------------------------------

    private Task GetConfigAsync(HttpContext context) => WriteJsonAsync(context,
        new ConfigDto(_options.Title, _options.ReadOnly, _options.RefreshIntervalMilliseconds,
            Enum.GetValues<CommandStatus>().Select(s => s.ToWireName()).ToArray(), DurexDashboardOptions.ActionHeader),
        DashboardJsonContext.Default.ConfigDto);

    private async Task GetStatsAsync(HttpContext context)
    {
        if (context.Request.Query.Count > 0)
        {
            throw DashboardRequestException.BadRequest("/api/stats takes no query parameters.");
        }

        var statistics = await _executor.GetStatisticsAsync(context.RequestAborted).ConfigureAwait(false);
        var now = Now;
        _throughput.Record(statistics.Counts, now);
        var dto = new StatsDto(
            statistics.Counts.ToDictionary(p => p.Key.ToWireName(), p => p.Value, StringComparer.Ordinal),
            statistics.Counts.Values.Sum(),
            statistics.QueueDepth,
            statistics.OldestReadyAge?.TotalSeconds,
            statistics.Running,
            statistics.HeldHere,
            statistics.Workers,
            statistics.Handlers,
            statistics.IsRunning,
            statistics.GlobalLimit is { } g ? new LimitDto(g.Limit, g.Current, g.Waiting) : null,
            statistics.Limits.ToDictionary(p => p.Key, p => new LimitDto(p.Value.Limit, p.Value.Current, p.Value.Waiting), StringComparer.Ordinal),
            _throughput.Snapshot(now),
            now);
        await WriteJsonAsync(context, dto, DashboardJsonContext.Default.StatsDto).ConfigureAwait(false);
    }

    /// <summary>Background sampling for the throughput figures (see <see cref="ThroughputSampler"/>).</summary>
    internal async Task SampleAsync()
    {
        if (Interlocked.Exchange(ref _sampling, 1) == 1)
        {
            return;
        }

        try
        {
            var statistics = await _executor.GetStatisticsAsync().ConfigureAwait(false);
            _throughput.Record(statistics.Counts, Now);
        }
        catch (Exception)
        {
            // The store is down or shutting down: the next sample tries again; /api/health reports it.
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    private async Task GetHealthAsync(HttpContext context)
    {
        var report = await _executor.CheckHealthAsync(_options.MaxQueueAge, expectRunning: _options.ExpectRunningExecutor,
            cancellationToken: context.RequestAborted).ConfigureAwait(false);
        var dto = new HealthDto
        {
            Status = report.StatusText,
            Started = report.Started,
            Stopping = report.Stopping,
            StorageOk = report.StorageOk,
            WorkerCount = report.WorkerCount,
            QueueDepth = report.QueueDepth,
            OldestReadyAgeSeconds = report.QueueDepth is null ? null : report.OldestReadyAge?.TotalSeconds ?? 0d,
            Timestamp = report.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            Message = report.Message,
        };
        var status = report.Status == DurexHealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        await WriteJsonAsync(context, dto, DashboardJsonContext.Default.HealthDto, status).ConfigureAwait(false);
    }

    private async Task ListCommandsAsync(HttpContext context)
    {
        var query = DashboardQueryParser.ParseCommands(context.Request.Query);
        await WritePageAsync(context, query).ConfigureAwait(false);
    }

    private async Task ListDeadLettersAsync(HttpContext context)
    {
        var query = DashboardQueryParser.ParseDeadLetters(context.Request.Query);
        await WritePageAsync(context, query).ConfigureAwait(false);
    }

    private async Task WritePageAsync(HttpContext context, CommandQuery query)
    {
        // Text has no index: each page searches a bounded window, so a rare text costs a window per page, not the table.
        var page = await _executor.FindAsync(query with { SearchWindow = _options.SearchWindow }, context.RequestAborted).ConfigureAwait(false);
        var dto = new CommandPageDto(page.Items.Select(c => CommandDto.From(c, withPayload: false)).ToArray(), page.NextCursor, page.SearchWindowEnded);
        await WriteJsonAsync(context, dto, DashboardJsonContext.Default.CommandPageDto).ConfigureAwait(false);
    }

    private async Task GetCommandAsync(HttpContext context)
    {
        var id = DashboardQueryParser.ParseId(RouteValue(context, "id"));
        var command = await _executor.GetAsync(id, context.RequestAborted).ConfigureAwait(false) ?? throw new CommandNotFoundException(id);
        var history = await _executor.GetHistoryAsync(id, context.RequestAborted).ConfigureAwait(false);
        var dto = new CommandDetailDto(CommandDto.From(command, withPayload: true), history.Select(HistoryDto.From).ToArray());
        await WriteJsonAsync(context, dto, DashboardJsonContext.Default.CommandDetailDto).ConfigureAwait(false);
    }

    private async Task GetHistoryAsync(HttpContext context)
    {
        var id = DashboardQueryParser.ParseId(RouteValue(context, "id"));
        _ = await _executor.GetAsync(id, context.RequestAborted).ConfigureAwait(false) ?? throw new CommandNotFoundException(id);
        var history = await _executor.GetHistoryAsync(id, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, (IReadOnlyList<HistoryDto>)history.Select(HistoryDto.From).ToArray(),
            DashboardJsonContext.Default.IReadOnlyListHistoryDto).ConfigureAwait(false);
    }

    private async Task GetWorkflowAsync(HttpContext context)
    {
        var correlationId = RouteValue(context, "correlationId").Trim();
        if (correlationId.Length is 0 or > DashboardQueryParser.MaxTextLength)
        {
            throw DashboardRequestException.BadRequest($"The correlation id must be 1 to {DashboardQueryParser.MaxTextLength} characters long.");
        }

        var commands = new List<CommandInstance>();
        var truncated = false;
        var query = new CommandQuery { CorrelationId = correlationId, Order = CommandOrder.OldestFirst, Limit = CommandQuery.MaxLimit };
        while (true)
        {
            var page = await _executor.FindAsync(query with { Limit = Math.Min(CommandQuery.MaxLimit, _options.MaxWorkflowSize - commands.Count + 1) },
                context.RequestAborted).ConfigureAwait(false);
            commands.AddRange(page.Items);
            if (commands.Count > _options.MaxWorkflowSize)
            {
                commands.RemoveRange(_options.MaxWorkflowSize, commands.Count - _options.MaxWorkflowSize);
                truncated = true;
                break;
            }

            if (page.NextCursor is null)
            {
                break;
            }

            query = query with { Cursor = page.NextCursor };
        }

        if (commands.Count == 0)
        {
            throw new DashboardRequestException(StatusCodes.Status404NotFound, $"No command has the correlation id '{DashboardQueryParser.Clip(correlationId)}'.");
        }

        var counts = commands.GroupBy(c => c.Status).ToDictionary(g => g.Key.ToWireName(), g => (long)g.Count(), StringComparer.Ordinal);
        var dto = new WorkflowDto(correlationId, commands.Count, truncated, counts, WorkflowTree.Flatten(commands));
        await WriteJsonAsync(context, dto, DashboardJsonContext.Default.WorkflowDto).ConfigureAwait(false);
    }

    // ---- actions ---------------------------------------------------------------------------------------------------

    private ValueTask<CommandInstance> RunAsync(Action action, Guid id, string? reason, CancellationToken cancellationToken) => action switch
    {
        Action.Retry => _executor.RetryAsync(id, cancellationToken),
        Action.Replay => _executor.ReplayFromDeadLetterAsync(id, cancellationToken),
        _ => _executor.CancelAsync(id, reason ?? "Cancelled from the dashboard.", cancellationToken),
    };

    private async Task SingleAsync(HttpContext context, Action action)
    {
        var id = DashboardQueryParser.ParseId(RouteValue(context, "id"));
        string? reason = null;
        if (action == Action.Cancel)
        {
            var body = await ReadBodyAsync(context.Request, DashboardJsonContext.Default.ReasonRequest, """{"reason":"..."}""").ConfigureAwait(false);
            reason = CheckReason(body?.Reason);
        }

        var command = await RunAsync(action, id, reason, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, CommandDto.From(command, withPayload: false), DashboardJsonContext.Default.CommandDto).ConfigureAwait(false);
    }

    private async Task BulkAsync(HttpContext context, Action action)
    {
        const string example = """{"ids":["<command id>", "..."]}""";
        var body = await ReadBodyAsync(context.Request, DashboardJsonContext.Default.IdsRequest, example).ConfigureAwait(false);
        if (body?.Ids is not { Count: > 0 } texts)
        {
            throw DashboardRequestException.BadRequest($"Give the commands to act on as {example}.");
        }

        if (texts.Count > MaxBulkIds)
        {
            throw DashboardRequestException.BadRequest($"{texts.Count} ids given: at most {MaxBulkIds} per request.");
        }

        var ids = texts.Select(t => DashboardQueryParser.ParseId(t)).Distinct().ToArray();
        var reason = CheckReason(body.Reason);
        var results = new List<ActionResultDto>(ids.Length);
        foreach (var id in ids)
        {
            try
            {
                var command = await RunAsync(action, id, reason, context.RequestAborted).ConfigureAwait(false);
                results.Add(new ActionResultDto(id, true, command.Status.ToWireName(), null));
            }
            catch (DurexException ex)
            {
                results.Add(new ActionResultDto(id, false, null, ex.Message));
            }
        }

        var succeeded = results.Count(r => r.Ok);
        await WriteJsonAsync(context, new BulkResultDto(succeeded, results.Count - succeeded, results), DashboardJsonContext.Default.BulkResultDto).ConfigureAwait(false);
    }

    private static string? CheckReason(string? reason)
    {
        if (reason is { Length: > DashboardQueryParser.MaxTextLength })
        {
            throw DashboardRequestException.BadRequest($"The reason is {reason.Length} characters long: at most {DashboardQueryParser.MaxTextLength} are allowed.");
        }

        return string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
    }

    private async Task CancelByTagAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request, DashboardJsonContext.Default.TagRequest, """{"tag":"tenant:17"}""").ConfigureAwait(false);
        var tag = body?.Tag?.Trim();
        if (string.IsNullOrEmpty(tag) || tag.Length > DashboardQueryParser.MaxTextLength)
        {
            throw DashboardRequestException.BadRequest($$"""Give the tag as {"tag":"tenant:17"} (1 to {{DashboardQueryParser.MaxTextLength}} characters).""");
        }

        var count = await _executor.CancelByTagAsync(tag, context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, new CountDto(count), DashboardJsonContext.Default.CountDto).ConfigureAwait(false);
    }

    private async Task PurgeAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request, DashboardJsonContext.Default.PurgeRequestDto, """{"olderThanSeconds":86400}""").ConfigureAwait(false);
        var seconds = body?.OlderThanSeconds ?? 0;
        if (!double.IsFinite(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw DashboardRequestException.BadRequest("olderThanSeconds must be a number of seconds, 0 or more (0 purges every dead letter).");
        }

        var count = await _executor.PurgeDeadLettersAsync(TimeSpan.FromSeconds(seconds), context.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(context, new CountDto(count), DashboardJsonContext.Default.CountDto).ConfigureAwait(false);
    }
}
