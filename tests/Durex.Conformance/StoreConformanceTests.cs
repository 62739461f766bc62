using System.Text;
using Durex.Storage;

namespace Durex.Conformance;

/// <summary>
/// The store contract (<see cref="ICommandStore"/>), pinned down test by test. Every store runs this class unchanged.
/// </summary>
public abstract class StoreConformanceTests : StoreTestBase
{
    private const string Owner = "owner-a";
    private static readonly string[] AllNames = ["a", "b", "c", "limited", "step", "child", "then"];

    protected CommandInstance New(string name = "a", Action<Builder>? configure = null)
    {
        var builder = new Builder(name, Now);
        configure?.Invoke(builder);
        return builder.Build();
    }

    protected ClaimRequest Claim(int limit = 10, string owner = Owner, IReadOnlyCollection<string>? names = null,
        IReadOnlyDictionary<string, int>? limits = null, TimeSpan? lease = null) => new()
    {
        Owner = owner,
        Limit = limit,
        Now = Now,
        LeaseExpiresAt = Now + (lease ?? TimeSpan.FromSeconds(30)),
        Names = names ?? AllNames,
        NameLimits = limits,
    };

    protected static CommandOutcome Outcome(CommandInstance claimed, CommandStatus status, DateTimeOffset at, Action<OutcomeBuilder>? configure = null)
    {
        var builder = new OutcomeBuilder(claimed, status, at);
        configure?.Invoke(builder);
        return builder.Build();
    }

    // ---------------------------------------------------------------- enqueue and read back

    [SkippableFact]
    public async Task Enqueued_command_reads_back_with_every_field()
    {
        var parent = New("a");
        await Store.EnqueueAsync([parent]);
        var command = New("b", b => b.With(c => new CommandInstance
        {
            Id = c.Id,
            Name = c.Name,
            Payload = Encoding.UTF8.GetBytes("""{"to":"user@example.com","count":3,"big":9007199254740993,"ratio":0.5,"nested":{"ok":true}}"""),
            Retries = 4,
            Sequence = ["step", "then"],
            ParentId = parent.Id,
            Priority = 7,
            Tags = ["batch-1", "email"],
            UniqueKey = "welcome:42",
            TraceId = "trace-1",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            CorrelationId = "order-456",
            CreatedAt = Now,
            ReadyAt = Now + TimeSpan.FromMinutes(5),
            DeadlineAt = Now + TimeSpan.FromHours(1),
            Timeout = TimeSpan.FromSeconds(30),
            Period = TimeSpan.FromMinutes(15),
            Cron = "*/5 * * * *",
            CronTimeZone = "Europe/Paris",
        }));
        await Store.EnqueueAsync([command]);

        var read = await Store.GetAsync(command.Id);
        Assert.NotNull(read);
        Assert.Equal(command.Id, read.Id);
        Assert.Equal("b", read.Name);
        Assert.Equal(CommandStatus.Pending, read.Status);
        Assert.Equal(3, read.Data.GetInt32("count"));
        Assert.Equal(9007199254740993L, read.Data.GetInt64("big"));
        Assert.Equal(0.5, read.Data.GetDouble("ratio"));
        Assert.Equal("user@example.com", read.Data.GetString("to"));
        Assert.Equal(4, read.Retries);
        Assert.Equal(["step", "then"], read.Sequence);
        Assert.Equal(parent.Id, read.ParentId);
        Assert.Equal(7, read.Priority);
        Assert.Equal(["batch-1", "email"], read.Tags);
        Assert.Equal("welcome:42", read.UniqueKey);
        Assert.Equal("trace-1", read.TraceId);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", read.TraceParent);
        Assert.Equal("order-456", read.CorrelationId);
        Assert.Equal(Now, read.CreatedAt);
        Assert.Equal(Now + TimeSpan.FromMinutes(5), read.ReadyAt);
        Assert.Equal(Now + TimeSpan.FromHours(1), read.DeadlineAt);
        Assert.Equal(TimeSpan.FromSeconds(30), read.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(15), read.Period);
        Assert.Equal("*/5 * * * *", read.Cron);
        Assert.Equal("Europe/Paris", read.CronTimeZone);
        Assert.Equal(0, read.Attempt);
        Assert.Null(read.StartedAt);
        Assert.Null(read.CompletedAt);
        Assert.Null(read.LeaseOwner);
    }

    [SkippableFact]
    public async Task Optional_fields_read_back_as_null_or_empty()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var read = (await Store.GetAsync(command.Id))!;
        Assert.True(read.Payload.IsEmpty || Encoding.UTF8.GetString(read.Payload.Span) == "{}");
        Assert.Null(read.Retries);
        Assert.Empty(read.Sequence);
        Assert.Empty(read.Tags);
        Assert.Null(read.ParentId);
        Assert.Null(read.UniqueKey);
        Assert.Null(read.TraceId);
        Assert.Null(read.TraceParent);
        Assert.Null(read.DeadlineAt);
        Assert.Null(read.Timeout);
        Assert.Null(read.Period);
        Assert.Null(read.Cron);
        Assert.Null(read.Error);
        Assert.Null(read.AwaitedBy);
        Assert.Equal(0, read.FanInTotal);
    }

    [SkippableFact]
    public async Task Timestamps_keep_sub_millisecond_order()
    {
        var first = New("a", b => b.ReadyAt(Now + TimeSpan.FromTicks(10)));
        var second = New("a", b => b.ReadyAt(Now + TimeSpan.FromTicks(20)));
        await Store.EnqueueAsync([second, first]);
        Time.Advance(TimeSpan.FromSeconds(1));
        var claimed = await Store.ClaimAsync(Claim(limit: 2));
        // Ordering must survive the store's timestamp encoding (microsecond precision at least).
        Assert.Equal([first.Id, second.Id], claimed.Select(c => c.Id));
        Assert.Equal(first.ReadyAt, claimed[0].ReadyAt);
    }

    [SkippableFact]
    public async Task Get_of_unknown_id_is_null_and_history_empty()
    {
        Assert.Null(await Store.GetAsync(Guid.NewGuid()));
        Assert.Empty(await Store.GetHistoryAsync(Guid.NewGuid()));
    }

    [SkippableFact]
    public async Task Enqueue_writes_a_created_event()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var history = await Store.GetHistoryAsync(command.Id);
        var created = Assert.Single(history);
        Assert.Equal(HistoryEventType.Created, created.Type);
        Assert.Equal(Now, created.Timestamp);
        Assert.Equal(0, created.Attempt);
    }

    [SkippableFact]
    public async Task Enqueue_of_a_batch_is_all_or_nothing()
    {
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("taken"))]);
        var fresh = New("a");
        var clash = New("a", b => b.UniqueKey("taken"));
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([fresh, clash]));
        Assert.Null(await Store.GetAsync(fresh.Id));
        Assert.Null(await Store.GetAsync(clash.Id));
    }

    // ---------------------------------------------------------------- unique keys

    [SkippableFact]
    public async Task Unique_key_held_by_an_active_command_rejects_another()
    {
        var holder = New("a", b => b.UniqueKey("welcome:1"));
        await Store.EnqueueAsync([holder]);
        var ex = await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([New("a", b => b.UniqueKey("welcome:1"))]));
        Assert.Equal("welcome:1", ex.UniqueKey);
        Assert.Equal(holder.Id, ex.ExistingId);
    }

    [SkippableFact]
    public async Task Unique_key_repeated_in_one_batch_is_rejected()
    {
        var ex = await Assert.ThrowsAsync<DuplicateCommandException>(async () =>
            await Store.EnqueueAsync([New("a", b => b.UniqueKey("k")), New("a", b => b.UniqueKey("k"))]));
        Assert.Null(ex.ExistingId);
    }

    [SkippableFact]
    public async Task Unique_key_is_held_while_started_and_freed_by_completion()
    {
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now)]);
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]);
    }

    [SkippableFact]
    public async Task Purged_fan_in_children_are_no_longer_listed_for_their_continuation()
    {
        var (continuation, _) = await SpawnFanInAsync(3);
        for (var i = 0; i < 3; i++)
        {
            await FinishChildAsync(CommandStatus.Completed);
        }

        var then = Assert.Single(await Store.ClaimAsync(Claim(names: ["then"])));
        await Store.ApplyAsync([Outcome(then, CommandStatus.Completed, Now)]);
        Assert.Equal(3, (await Store.GetFanInChildrenAsync(continuation.Id)).Count);

        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await Store.PurgeAsync(new PurgeRequest { Statuses = [CommandStatus.Completed], CompletedBefore = Now }) >= 4);
        Assert.Empty(await Store.GetFanInChildrenAsync(continuation.Id));
    }

    [SkippableTheory]
    [InlineData(CommandStatus.Failed)]
    [InlineData(CommandStatus.DeadLetter)]
    [InlineData(CommandStatus.Expired)]
    public async Task Unique_key_is_freed_by_every_terminal_state(CommandStatus terminal)
    {
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, terminal, Now)]);
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]);
    }

    [SkippableFact]
    public async Task Unique_key_is_held_by_a_repeating_command_and_freed_by_cancel()
    {
        var command = New("a", b => b.UniqueKey("k"));
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Repeating, Now, o => o.ReadyAt(Now + TimeSpan.FromMinutes(1)))]);
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]));
        await Store.CancelAsync(command.Id, Now, null);
        await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]);
    }

    [SkippableFact]
    public async Task Concurrent_adders_of_one_unique_key_exactly_one_wins()
    {
        const int adders = 32;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = Enumerable.Range(0, adders).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                await Store.EnqueueAsync([New("a", b => b.UniqueKey("only-one"))]);
                return true;
            }
            catch (DuplicateCommandException)
            {
                return false;
            }
        })).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(attempts);
        Assert.Equal(1, results.Count(won => won));
        var page = await Store.FindAsync(new CommandQuery { Limit = 100 });
        Assert.Single(page.Items);
    }

    [SkippableFact]
    public async Task Spawned_command_with_a_held_unique_key_is_skipped_and_reported()
    {
        await Store.EnqueueAsync([New("b", b => b.UniqueKey("k")), New("a")]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["a"])));
        var child = New("b", b => b.UniqueKey("k").Parent(claimed));
        var result = await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now, o => o.Spawn(child))]);
        Assert.Equal([child.Id], result.SkippedDuplicates);
        Assert.Null(await Store.GetAsync(child.Id));
        Assert.Equal(CommandStatus.Completed, (await Store.GetAsync(claimed.Id))!.Status);
    }

    // ---------------------------------------------------------------- claiming

    [SkippableFact]
    public async Task Claim_takes_ready_commands_and_leases_them()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(lease: TimeSpan.FromSeconds(45))));
        Assert.Equal(command.Id, claimed.Id);
        Assert.Equal(CommandStatus.Started, claimed.Status);
        Assert.Equal(1, claimed.Attempt);
        Assert.Equal(Now, claimed.StartedAt);
        Assert.Equal(Owner, claimed.LeaseOwner);
        Assert.NotNull(claimed.LeaseId);
        Assert.Equal(Now + TimeSpan.FromSeconds(45), claimed.LeaseExpiresAt);
        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Started, stored.Status);
        Assert.Equal(claimed.LeaseId, stored.LeaseId);
        Assert.Empty(await Store.ClaimAsync(Claim()));
    }

    [SkippableFact]
    public async Task Claim_leaves_future_commands_until_their_ready_time()
    {
        var later = New("a", b => b.ReadyAt(Now + TimeSpan.FromMinutes(10)));
        await Store.EnqueueAsync([later]);
        Assert.Empty(await Store.ClaimAsync(Claim()));
        Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(10));
        Assert.Empty(await Store.ClaimAsync(Claim()));
        Time.Advance(TimeSpan.FromTicks(10));
        Assert.Single(await Store.ClaimAsync(Claim()));
    }

    [SkippableFact]
    public async Task Claim_orders_by_priority_then_ready_time()
    {
        var low = New("a", b => b.Priority(0).ReadyAt(Now - TimeSpan.FromMinutes(3)));
        var high = New("a", b => b.Priority(10).ReadyAt(Now - TimeSpan.FromMinutes(1)));
        var highOlder = New("a", b => b.Priority(10).ReadyAt(Now - TimeSpan.FromMinutes(2)));
        var negative = New("a", b => b.Priority(-5).ReadyAt(Now - TimeSpan.FromMinutes(9)));
        await Store.EnqueueAsync([low, high, negative, highOlder]);
        var order = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            order.Add(Assert.Single(await Store.ClaimAsync(Claim(limit: 1))).Id);
        }

        Assert.Equal([highOlder.Id, high.Id, low.Id, negative.Id], order);
    }

    [SkippableFact]
    public async Task Claim_returns_a_batch_in_claim_order()
    {
        var low = New("a", b => b.Priority(0).ReadyAt(Now - TimeSpan.FromMinutes(3)));
        var high = New("a", b => b.Priority(10).ReadyAt(Now - TimeSpan.FromMinutes(1)));
        var highOlder = New("a", b => b.Priority(10).ReadyAt(Now - TimeSpan.FromMinutes(2)));
        var negative = New("a", b => b.Priority(-5).ReadyAt(Now - TimeSpan.FromMinutes(9)));
        await Store.EnqueueAsync([low, high, negative, highOlder]);
        var batch = await Store.ClaimAsync(Claim(limit: 10));
        Assert.Equal([highOlder.Id, high.Id, low.Id, negative.Id], batch.Select(c => c.Id));
    }

    [SkippableFact]
    public async Task A_large_batch_mixing_unique_keys_keeps_its_order_and_every_row()
    {
        // Stores may insert runs of rows per statement; keyed rows are checked on their own. The order must not change.
        var batch = Enumerable.Range(0, 57)
            .Select(i => New("a", b =>
            {
                if (i is 5 or 23 or 40)
                {
                    b.UniqueKey($"key-{i}");
                }
            }))
            .ToArray();
        await Store.EnqueueAsync(batch);

        var claimed = await Store.ClaimAsync(Claim(limit: 100));
        Assert.Equal(batch.Select(c => c.Id), claimed.Select(c => c.Id));
        Assert.All(claimed.Zip(batch), pair => Assert.Equal(pair.Second.UniqueKey, pair.First.UniqueKey));
        var again = New("a", b => b.UniqueKey("key-23"));
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([.. Enumerable.Range(0, 20).Select(_ => New()), again]));
        Assert.Empty(await Store.ClaimAsync(Claim(limit: 100))); // the rejected batch left nothing behind
    }

    [SkippableFact]
    public async Task Claim_respects_the_limit()
    {
        await Store.EnqueueAsync(Enumerable.Range(0, 25).Select(_ => New()).ToArray());
        Assert.Equal(10, (await Store.ClaimAsync(Claim(limit: 10))).Count);
        Assert.Equal(15, (await Store.ClaimAsync(Claim(limit: 100))).Count);
    }

    [SkippableFact]
    public async Task Claim_takes_only_handled_names()
    {
        var a = New("a");
        var b = New("b");
        await Store.EnqueueAsync([b, a]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["a"])));
        Assert.Equal(a.Id, claimed.Id);
        Assert.Equal(CommandStatus.Pending, (await Store.GetAsync(b.Id))!.Status);
        Assert.Equal(b.Id, Assert.Single(await Store.ClaimAsync(Claim(names: ["b"]))).Id);
    }

    [SkippableFact]
    public async Task Claim_respects_per_name_limits()
    {
        await Store.EnqueueAsync(Enumerable.Range(0, 5).Select(_ => New("limited")).Concat(Enumerable.Range(0, 3).Select(_ => New("a"))).ToArray());
        var claimed = await Store.ClaimAsync(Claim(limit: 10, limits: new Dictionary<string, int> { ["limited"] = 2 }));
        Assert.Equal(2, claimed.Count(c => c.Name == "limited"));
        Assert.Equal(3, claimed.Count(c => c.Name == "a"));
        Assert.Empty(await Store.ClaimAsync(Claim(limit: 10, limits: new Dictionary<string, int> { ["limited"] = 0 })));
        Assert.Equal(3, (await Store.ClaimAsync(Claim(limit: 10))).Count);
    }

    [SkippableFact]
    public async Task Claim_skips_waiting_terminal_and_started_commands()
    {
        var waiting = New("then", b => b.Status(CommandStatus.Waiting).FanIn(1));
        await Store.EnqueueAsync([waiting, New()]);
        var first = Assert.Single(await Store.ClaimAsync(Claim()));
        Assert.NotEqual(waiting.Id, first.Id);
        await Store.ApplyAsync([Outcome(first, CommandStatus.Completed, Now)]);
        Assert.Empty(await Store.ClaimAsync(Claim()));
    }

    [SkippableFact]
    public async Task Concurrent_claimers_never_get_the_same_command()
    {
        const int commands = 600;
        await Store.EnqueueAsync(Enumerable.Range(0, commands).Select(_ => New()).ToArray());
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            var mine = new List<Guid>();
            while (true)
            {
                var batch = await Store.ClaimAsync(Claim(limit: 7, owner: $"owner-{i}"));
                if (batch.Count == 0)
                {
                    return mine;
                }

                mine.AddRange(batch.Select(c => c.Id));
            }
        })));
        var all = claims.SelectMany(ids => ids).ToList();
        Assert.Equal(commands, all.Count);
        Assert.Equal(commands, all.Distinct().Count());
    }

    [SkippableFact]
    public async Task Second_handle_on_the_same_storage_never_claims_what_the_first_claimed()
    {
        await using var second = await OpenSecondHandleAsync();
        if (second is null)
        {
            return; // storage that lives in one object has no second handle; the concurrent-claimers test covers it
        }

        await second.InitializeAsync();
        await Store.EnqueueAsync(Enumerable.Range(0, 200).Select(_ => New()).ToArray());
        var results = await Task.WhenAll(
            Task.Run(async () => await Drain(Store, "first")),
            Task.Run(async () => await Drain(second, "second")));
        var all = results.SelectMany(ids => ids).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());

        async Task<List<Guid>> Drain(ICommandStore store, string owner)
        {
            var mine = new List<Guid>();
            while ((await store.ClaimAsync(Claim(limit: 5, owner: owner))) is { Count: > 0 } batch)
            {
                mine.AddRange(batch.Select(c => c.Id));
            }

            return mine;
        }
    }

    [SkippableFact]
    public async Task Next_ready_time_is_the_earliest_pending_or_repeating_for_the_names()
    {
        Assert.Null(await Store.GetNextReadyAtAsync(AllNames));
        await Store.EnqueueAsync([
            New("a", b => b.ReadyAt(Now + TimeSpan.FromMinutes(7))),
            New("b", b => b.ReadyAt(Now + TimeSpan.FromMinutes(2))),
            New("then", b => b.Status(CommandStatus.Waiting).FanIn(1).ReadyAt(Now)),
        ]);
        Assert.Equal(Now + TimeSpan.FromMinutes(2), await Store.GetNextReadyAtAsync(AllNames));
        Assert.Equal(Now + TimeSpan.FromMinutes(7), await Store.GetNextReadyAtAsync(["a"]));
        Assert.Null(await Store.GetNextReadyAtAsync(["c"]));
    }

    // ---------------------------------------------------------------- applying outcomes

    [SkippableFact]
    public async Task Apply_completes_with_events_payload_and_lease_cleared()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        Time.Advance(TimeSpan.FromSeconds(2));
        var result = await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now, o => o
            .Payload("""{"result":42}""")
            .Event(HistoryEventType.Started, Now - TimeSpan.FromSeconds(2))
            .Event(HistoryEventType.Completed, Now, duration: TimeSpan.FromSeconds(2)))]);
        Assert.Empty(result.Rejected);

        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Completed, stored.Status);
        Assert.Equal(Now, stored.CompletedAt);
        Assert.Equal(42, stored.Data.GetInt32("result"));
        Assert.Null(stored.LeaseOwner);
        Assert.Null(stored.LeaseId);
        Assert.Null(stored.LeaseExpiresAt);

        var history = await Store.GetHistoryAsync(command.Id);
        Assert.Equal([HistoryEventType.Created, HistoryEventType.Started, HistoryEventType.Completed], history.Select(e => e.Type));
        Assert.Equal(TimeSpan.FromSeconds(2), history[2].Duration);
        Assert.Equal(1, history[2].Attempt);
    }

    [SkippableFact]
    public async Task Apply_keeps_the_payload_when_the_outcome_has_none()
    {
        var command = New("a", b => b.Payload("""{"keep":1}"""));
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now)]);
        Assert.Equal(1, (await Store.GetAsync(command.Id))!.Data.GetInt32("keep"));
    }

    [SkippableFact]
    public async Task Apply_retry_makes_the_command_pending_at_its_new_ready_time_with_the_error()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Pending, Now, o => o.ReadyAt(Now + TimeSpan.FromSeconds(30)).Error("boom")
            .Event(HistoryEventType.Retrying, Now, error: "boom details"))]);
        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Pending, stored.Status);
        Assert.Equal("boom", stored.Error);
        Assert.Equal(1, stored.Attempt);
        Assert.Empty(await Store.ClaimAsync(Claim()));
        Time.Advance(TimeSpan.FromSeconds(30));
        var again = Assert.Single(await Store.ClaimAsync(Claim()));
        Assert.Equal(2, again.Attempt);
        Assert.Equal("boom details", (await Store.GetHistoryAsync(command.Id)).Last().Error);
    }

    [SkippableFact]
    public async Task Apply_repeating_reschedules_and_resets_the_attempt()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Repeating, Now, o => o.Attempt(0).ReadyAt(Now + TimeSpan.FromHours(1)))]);
        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Repeating, stored.Status);
        Assert.Equal(0, stored.Attempt);
        Assert.Equal(Now + TimeSpan.FromHours(1), await Store.GetNextReadyAtAsync(AllNames));
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, Assert.Single(await Store.ClaimAsync(Claim())).Attempt);
    }

    [SkippableFact]
    public async Task Apply_rejects_an_outcome_whose_lease_is_not_current()
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(lease: TimeSpan.FromSeconds(10))));
        Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Single(await Store.RescueExpiredLeasesAsync(Now));
        var reclaimed = Assert.Single(await Store.ClaimAsync(Claim(owner: "owner-b")));
        Assert.Equal(2, reclaimed.Attempt);

        var stale = await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now, o => o.Spawn(New("child")))]);
        Assert.Equal([command.Id], stale.Rejected);
        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Started, stored.Status);
        Assert.Equal("owner-b", stored.LeaseOwner);
        Assert.Empty((await Store.FindAsync(new CommandQuery { Name = "child" })).Items);

        var current = await Store.ApplyAsync([Outcome(reclaimed, CommandStatus.Completed, Now)]);
        Assert.Empty(current.Rejected);
    }

    [SkippableFact]
    public async Task Apply_of_an_unknown_command_is_rejected()
    {
        var ghost = New() ;
        var fake = new CommandOutcome { CommandId = ghost.Id, LeaseId = Guid.NewGuid(), Status = CommandStatus.Completed, Attempt = 1, CompletedAt = Now };
        Assert.Equal([ghost.Id], (await Store.ApplyAsync([fake])).Rejected);
    }

    [SkippableFact]
    public async Task Apply_inserts_spawned_commands_atomically_with_the_transition()
    {
        var parent = New();
        await Store.EnqueueAsync([parent]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        var now = Now;
        var child1 = New("child", b => b.Parent(claimed));
        var child2 = New("child", b => b.Parent(claimed).ReadyAt(now + TimeSpan.FromMinutes(1)));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, now, o => o.Spawn(child1, child2))]);
        var children = (await Store.FindAsync(new CommandQuery { ParentId = parent.Id, Order = CommandOrder.OldestFirst })).Items;
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(CommandStatus.Pending, c.Status));
        Assert.Single(await Store.GetHistoryAsync(child1.Id));
        Assert.Equal(child1.Id, Assert.Single(await Store.ClaimAsync(Claim())).Id);
    }

    [SkippableFact]
    public async Task Apply_handles_a_batch_of_many_outcomes()
    {
        await Store.EnqueueAsync(Enumerable.Range(0, 300).Select(_ => New()).ToArray());
        var claimed = await Store.ClaimAsync(Claim(limit: 300));
        Assert.Equal(300, claimed.Count);
        var result = await Store.ApplyAsync(claimed.Select(c => Outcome(c, CommandStatus.Completed, Now, o => o
            .Event(HistoryEventType.Started, Now).Event(HistoryEventType.Completed, Now))).ToArray());
        Assert.Empty(result.Rejected);
        var stats = await Store.GetStatisticsAsync(new StatisticsRequest { Now = Now });
        Assert.Equal(300, stats.Counts[CommandStatus.Completed]);
        Assert.Equal(3, (await Store.GetHistoryAsync(claimed[150].Id)).Count);
    }

    // ---------------------------------------------------------------- fan-in

    private async Task<(CommandInstance Continuation, CommandInstance[] Children)> SpawnFanInAsync(int children)
    {
        var parent = New();
        await Store.EnqueueAsync([parent]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["a"])));
        var continuation = New("then", b => b.Status(CommandStatus.Waiting).FanIn(children).Parent(claimed));
        var kids = Enumerable.Range(0, children).Select(i => New("child", b => b.Parent(claimed).AwaitedBy(continuation.Id).Payload($$"""{"i":{{i}}}"""))).ToArray();
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now, o => o.Spawn([continuation, .. kids]))]);
        return (continuation, kids);
    }

    private async Task FinishChildAsync(CommandStatus status, string? error = null, Action<OutcomeBuilder>? configure = null)
    {
        var child = Assert.Single(await Store.ClaimAsync(Claim(limit: 1, names: ["child"])));
        await Store.ApplyAsync([Outcome(child, status, Now, o =>
        {
            o.Error(error);
            configure?.Invoke(o);
        })]);
    }

    [SkippableFact]
    public async Task Fan_in_continuation_waits_until_every_child_completed()
    {
        var (continuation, children) = await SpawnFanInAsync(3);
        Assert.Equal(CommandStatus.Waiting, (await Store.GetAsync(continuation.Id))!.Status);
        await FinishChildAsync(CommandStatus.Completed);
        await FinishChildAsync(CommandStatus.Completed);
        var waiting = (await Store.GetAsync(continuation.Id))!;
        Assert.Equal(CommandStatus.Waiting, waiting.Status);
        Assert.Equal(1, waiting.FanInPending);
        Assert.Empty(await Store.ClaimAsync(Claim(names: ["then"])));

        Time.Advance(TimeSpan.FromSeconds(5));
        await FinishChildAsync(CommandStatus.Completed, configure: o => o.Payload("""{"i":2,"result":"done"}"""));
        var ready = (await Store.GetAsync(continuation.Id))!;
        Assert.Equal(CommandStatus.Pending, ready.Status);
        Assert.False(ready.FanInFailed);
        Assert.Equal(Now, ready.ReadyAt);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["then"])));
        Assert.Equal(continuation.Id, claimed.Id);

        var results = await Store.GetFanInChildrenAsync(continuation.Id);
        Assert.Equal(children.Select(c => c.Id), results.Select(c => c.Id));
        Assert.Equal("done", results[2].Data.GetString("result"));
    }

    [SkippableTheory]
    [InlineData(CommandStatus.Failed)]
    [InlineData(CommandStatus.DeadLetter)]
    [InlineData(CommandStatus.Expired)]
    public async Task Fan_in_continuation_fails_when_a_child_ends_unsuccessfully(CommandStatus childEnd)
    {
        var (continuation, _) = await SpawnFanInAsync(3);
        await FinishChildAsync(CommandStatus.Completed);
        await FinishChildAsync(childEnd, "card declined");
        var failed = (await Store.GetAsync(continuation.Id))!;
        Assert.Equal(CommandStatus.Pending, failed.Status);
        Assert.True(failed.FanInFailed);
        Assert.Contains(childEnd.ToWireName(), failed.Error);
        Assert.Contains("card declined", failed.Error);

        // The remaining child finishing later changes nothing.
        await FinishChildAsync(CommandStatus.Completed);
        Assert.True((await Store.GetAsync(continuation.Id))!.FanInFailed);
    }

    [SkippableFact]
    public async Task Fan_in_continuation_fails_when_a_child_is_cancelled()
    {
        var (continuation, children) = await SpawnFanInAsync(2);
        await Store.CancelAsync(children[1].Id, Now, "no longer needed");
        var failed = (await Store.GetAsync(continuation.Id))!;
        Assert.Equal(CommandStatus.Pending, failed.Status);
        Assert.True(failed.FanInFailed);
        Assert.Contains("CANCELLED", failed.Error);
    }

    [SkippableFact]
    public async Task Fan_in_children_are_kept_by_purge_while_their_continuation_waits()
    {
        var (continuation, children) = await SpawnFanInAsync(2);
        await FinishChildAsync(CommandStatus.Completed);
        Time.Advance(TimeSpan.FromDays(30));
        // Only the spawning parent goes; the completed child is still awaited.
        Assert.Equal(1, await Store.PurgeAsync(new PurgeRequest { Statuses = [CommandStatus.Completed], CompletedBefore = Now }));
        Assert.NotNull(await Store.GetAsync(children[0].Id));

        await FinishChildAsync(CommandStatus.Completed);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["then"])));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now)]);
        Time.Advance(TimeSpan.FromDays(1));
        // the continuation and both children
        Assert.Equal(3, await Store.PurgeAsync(new PurgeRequest { Statuses = [CommandStatus.Completed], CompletedBefore = Now }));
        Assert.Null(await Store.GetAsync(continuation.Id));
    }

    // ---------------------------------------------------------------- cancellation

    [SkippableFact]
    public async Task Cancel_of_a_pending_command_is_final()
    {
        var command = New("a", b => b.ReadyAt(Now + TimeSpan.FromMinutes(5)));
        await Store.EnqueueAsync([command]);
        var cancelled = await Store.CancelAsync(command.Id, Now, "changed my mind");
        Assert.Equal(CommandStatus.Cancelled, cancelled.Status);
        Assert.Equal(Now, cancelled.CompletedAt);
        Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty(await Store.ClaimAsync(Claim()));
        Assert.Null(await Store.GetNextReadyAtAsync(AllNames));
        var last = (await Store.GetHistoryAsync(command.Id)).Last();
        Assert.Equal(HistoryEventType.Cancelled, last.Type);
        Assert.Equal("changed my mind", last.Message);
    }

    [SkippableFact]
    public async Task Cancel_of_a_running_command_rejects_its_outcome_and_notifies_observers()
    {
        var observer = new RecordingObserver();
        using var subscription = Store.Subscribe(observer);
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.CancelAsync(command.Id, Now, null);
        Assert.Contains(command.Id, observer.Cancelled);
        var applied = await Store.ApplyAsync([Outcome(claimed, CommandStatus.Completed, Now, o => o.Spawn(New("child")))]);
        Assert.Equal([command.Id], applied.Rejected);
        Assert.Equal(CommandStatus.Cancelled, (await Store.GetAsync(command.Id))!.Status);
        Assert.Empty((await Store.FindAsync(new CommandQuery { Name = "child" })).Items);
        Assert.Equal([command.Id], await Store.RenewLeasesAsync([new LeaseRef(claimed.Id, claimed.LeaseId!.Value)], Now + TimeSpan.FromSeconds(30)));
    }

    [SkippableTheory]
    [InlineData(CommandStatus.Completed)]
    [InlineData(CommandStatus.Failed)]
    [InlineData(CommandStatus.DeadLetter)]
    public async Task Cancel_of_a_terminal_command_is_a_clear_error(CommandStatus terminal)
    {
        var command = New();
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, terminal, Now)]);
        var ex = await Assert.ThrowsAsync<InvalidCommandStateException>(async () => await Store.CancelAsync(command.Id, Now, null));
        Assert.Equal(terminal, ex.Status);
        Assert.Contains(terminal.ToWireName(), ex.Message);
    }

    [SkippableFact]
    public async Task Cancel_of_an_unknown_command_is_not_found()
    {
        await Assert.ThrowsAsync<CommandNotFoundException>(async () => await Store.CancelAsync(Guid.NewGuid(), Now, null));
    }

    [SkippableFact]
    public async Task Cancel_by_tag_cancels_every_active_command_with_the_tag()
    {
        var tagged1 = New("a", b => b.Tags("batch-7", "x"));
        var tagged2 = New("a", b => b.Tags("batch-7").ReadyAt(Now + TimeSpan.FromHours(1)));
        var other = New("a", b => b.Tags("batch-8"));
        var done = New("b", b => b.Tags("batch-7"));
        await Store.EnqueueAsync([tagged1, tagged2, other, done]);
        var claimedDone = Assert.Single(await Store.ClaimAsync(Claim(names: ["b"])));
        await Store.ApplyAsync([Outcome(claimedDone, CommandStatus.Completed, Now)]);

        var cancelled = await Store.CancelByTagAsync("batch-7", Now);
        Assert.Equal(new[] { tagged1.Id, tagged2.Id }.Order(), cancelled.Order());
        Assert.Equal(CommandStatus.Pending, (await Store.GetAsync(other.Id))!.Status);
        Assert.Equal(CommandStatus.Completed, (await Store.GetAsync(done.Id))!.Status);
        Assert.Contains("batch-7", (await Store.GetHistoryAsync(tagged1.Id)).Last().Message);
        Assert.Empty(await Store.CancelByTagAsync("batch-7", Now));
    }

    // ---------------------------------------------------------------- leases

    [SkippableFact]
    public async Task Renew_extends_current_leases_and_reports_lost_ones()
    {
        await Store.EnqueueAsync([New(), New()]);
        var claimed = await Store.ClaimAsync(Claim(limit: 2, lease: TimeSpan.FromSeconds(10)));
        var leases = claimed.Select(c => new LeaseRef(c.Id, c.LeaseId!.Value)).ToArray();
        var bogus = new LeaseRef(claimed[1].Id, Guid.NewGuid());
        Time.Advance(TimeSpan.FromSeconds(8));
        var lost = await Store.RenewLeasesAsync([leases[0], bogus], Now + TimeSpan.FromSeconds(10));
        Assert.Equal([claimed[1].Id], lost);
        Time.Advance(TimeSpan.FromSeconds(5));
        var rescued = await Store.RescueExpiredLeasesAsync(Now);
        Assert.Equal([claimed[1].Id], rescued);
        Assert.Equal(CommandStatus.Started, (await Store.GetAsync(claimed[0].Id))!.Status);
    }

    [SkippableFact]
    public async Task Rescue_returns_expired_commands_to_pending_keeping_their_attempt()
    {
        var observer = new RecordingObserver();
        using var subscription = Store.Subscribe(observer);
        var command = New();
        await Store.EnqueueAsync([command]);
        Assert.Single(await Store.ClaimAsync(Claim(lease: TimeSpan.FromSeconds(30))));
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await Store.RescueExpiredLeasesAsync(Now)); // not yet: the lease ends at, not before, now
        Time.Advance(TimeSpan.FromSeconds(1));
        var before = observer.WorkSignals;
        Assert.Equal([command.Id], await Store.RescueExpiredLeasesAsync(Now));
        Assert.True(observer.WorkSignals > before);
        var stored = (await Store.GetAsync(command.Id))!;
        Assert.Equal(CommandStatus.Pending, stored.Status);
        Assert.Equal(1, stored.Attempt);
        Assert.Null(stored.LeaseOwner);
        var recovered = (await Store.GetHistoryAsync(command.Id)).Last();
        Assert.Equal(HistoryEventType.Recovered, recovered.Type);
        Assert.Equal(1, recovered.Attempt);
        Assert.Equal(2, Assert.Single(await Store.ClaimAsync(Claim())).Attempt);
    }

    [SkippableFact]
    public async Task Rescue_leaves_the_callers_own_leases_alone()
    {
        await Store.EnqueueAsync([New()]);
        Assert.Single(await Store.ClaimAsync(Claim(owner: "me", lease: TimeSpan.FromSeconds(1))));
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await Store.RescueExpiredLeasesAsync(Now, exceptOwner: "me"));
        Assert.Single(await Store.RescueExpiredLeasesAsync(Now, exceptOwner: "someone-else"));
    }

    // ---------------------------------------------------------------- requeue (replay / retry)

    [SkippableTheory]
    [InlineData(CommandStatus.DeadLetter)]
    [InlineData(CommandStatus.Failed)]
    public async Task Requeue_sends_a_failed_command_back_with_a_fresh_budget(CommandStatus terminal)
    {
        var command = New("a", b => b.UniqueKey("k"));
        await Store.EnqueueAsync([command]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
        await Store.ApplyAsync([Outcome(claimed, terminal, Now, o => o.Error("boom"))]);
        Time.Advance(TimeSpan.FromHours(2));
        var requeued = await Store.RequeueAsync(command.Id, Now, "replayed by ops");
        Assert.Equal(CommandStatus.Pending, requeued.Status);
        Assert.Equal(0, requeued.Attempt);
        Assert.Null(requeued.Error);
        Assert.Null(requeued.CompletedAt);
        Assert.Equal(Now, requeued.ReadyAt);
        var replayed = (await Store.GetHistoryAsync(command.Id)).Last();
        Assert.Equal(HistoryEventType.Replayed, replayed.Type);
        Assert.Equal("replayed by ops", replayed.Message);
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.EnqueueAsync([New("a", b => b.UniqueKey("k"))]));
        Assert.Equal(1, Assert.Single(await Store.ClaimAsync(Claim())).Attempt);
    }

    [SkippableFact]
    public async Task Requeue_refuses_other_states_and_a_taken_unique_key()
    {
        var pending = New();
        await Store.EnqueueAsync([pending]);
        var ex = await Assert.ThrowsAsync<InvalidCommandStateException>(async () => await Store.RequeueAsync(pending.Id, Now, null));
        Assert.Equal(CommandStatus.Pending, ex.Status);
        await Assert.ThrowsAsync<CommandNotFoundException>(async () => await Store.RequeueAsync(Guid.NewGuid(), Now, null));

        var keyed = New("b", b => b.UniqueKey("k"));
        await Store.EnqueueAsync([keyed]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["b"])));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.DeadLetter, Now)]);
        await Store.EnqueueAsync([New("b", b => b.UniqueKey("k"))]);
        await Assert.ThrowsAsync<DuplicateCommandException>(async () => await Store.RequeueAsync(keyed.Id, Now, null));
        Assert.Equal(CommandStatus.DeadLetter, (await Store.GetAsync(keyed.Id))!.Status);
    }

    // ---------------------------------------------------------------- purge

    [SkippableFact]
    public async Task Purge_deletes_terminal_commands_of_the_given_statuses_before_the_cutoff()
    {
        var ids = new Dictionary<CommandStatus, Guid>();
        foreach (var status in new[] { CommandStatus.Completed, CommandStatus.Failed, CommandStatus.DeadLetter })
        {
            var command = New();
            await Store.EnqueueAsync([command]);
            var claimed = Assert.Single(await Store.ClaimAsync(Claim()));
            await Store.ApplyAsync([Outcome(claimed, status, Now)]);
            ids[status] = command.Id;
        }

        var recent = New();
        var pending = New("b");
        await Store.EnqueueAsync([recent, pending]);
        Time.Advance(TimeSpan.FromHours(2));
        var claimedRecent = Assert.Single(await Store.ClaimAsync(Claim(names: ["a"])));
        await Store.ApplyAsync([Outcome(claimedRecent, CommandStatus.Completed, Now)]);

        var purged = await Store.PurgeAsync(new PurgeRequest
        {
            Statuses = [CommandStatus.Completed, CommandStatus.Failed, CommandStatus.Pending],
            CompletedBefore = Now - TimeSpan.FromHours(1),
        });
        Assert.Equal(2, purged);
        Assert.Null(await Store.GetAsync(ids[CommandStatus.Completed]));
        Assert.Empty(await Store.GetHistoryAsync(ids[CommandStatus.Completed]));
        Assert.Null(await Store.GetAsync(ids[CommandStatus.Failed]));
        Assert.NotNull(await Store.GetAsync(ids[CommandStatus.DeadLetter]));
        Assert.NotNull(await Store.GetAsync(recent.Id));
        Assert.NotNull(await Store.GetAsync(pending.Id));
    }

    [SkippableFact]
    public async Task Purge_honours_its_limit()
    {
        await Store.EnqueueAsync(Enumerable.Range(0, 5).Select(_ => New()).ToArray());
        var claimed = await Store.ClaimAsync(Claim(limit: 5));
        await Store.ApplyAsync(claimed.Select(c => Outcome(c, CommandStatus.Completed, Now)).ToArray());
        Time.Advance(TimeSpan.FromMinutes(1));
        var request = new PurgeRequest { Statuses = [CommandStatus.Completed], CompletedBefore = Now, Limit = 3 };
        Assert.Equal(3, await Store.PurgeAsync(request));
        Assert.Equal(2, await Store.PurgeAsync(request));
        Assert.Equal(0, await Store.PurgeAsync(request));
    }

    // ---------------------------------------------------------------- queries

    [SkippableFact]
    public async Task Find_filters_by_status_name_tag_correlation_parent_and_created_range()
    {
        var parent = New("a", b => b.Correlation("order-1").Tags("vip"));
        await Store.EnqueueAsync([parent]);
        Time.Advance(TimeSpan.FromMinutes(1));
        var child = New("b", b => b.Correlation("order-1").Parent(parent));
        var stranger = New("c", b => b.Correlation("order-2").Tags("vip", "eu"));
        await Store.EnqueueAsync([child, stranger]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["c"])));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Failed, Now, o => o.Error("Card DECLINED by bank"))]);

        async Task<Guid[]> Ids(CommandQuery q) => (await Store.FindAsync(q)).Items.Select(c => c.Id).ToArray();

        Assert.Equal([parent.Id, child.Id], await Ids(new CommandQuery { CorrelationId = "order-1", Order = CommandOrder.OldestFirst }));
        Assert.Equal([stranger.Id], await Ids(new CommandQuery { Statuses = [CommandStatus.Failed] }));
        Assert.Equal(new[] { parent.Id, child.Id }.Order(), (await Ids(new CommandQuery { Statuses = [CommandStatus.Pending] })).Order());
        Assert.Equal([child.Id], await Ids(new CommandQuery { Name = "b" }));
        Assert.Equal(new[] { parent.Id, stranger.Id }.Order(), (await Ids(new CommandQuery { Tag = "vip" })).Order());
        Assert.Equal([stranger.Id], await Ids(new CommandQuery { Tag = "eu" }));
        Assert.Empty(await Ids(new CommandQuery { Tag = "vi" }));
        Assert.Equal([child.Id], await Ids(new CommandQuery { ParentId = parent.Id }));
        Assert.Equal([parent.Id], await Ids(new CommandQuery { CreatedBefore = Epoch + TimeSpan.FromSeconds(30) }));
        Assert.Equal(new[] { child.Id, stranger.Id }.Order(), (await Ids(new CommandQuery { CreatedFrom = Epoch + TimeSpan.FromMinutes(1) })).Order());
        Assert.Empty(await Ids(new CommandQuery { Name = "b", Statuses = [CommandStatus.Failed] }));
    }

    [SkippableFact]
    public async Task Find_searches_error_and_payload_text_case_insensitively()
    {
        var withPayload = New("a", b => b.Payload("""{"email":"Ada@Example.com"}"""));
        var failing = New("b");
        await Store.EnqueueAsync([withPayload, failing]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(names: ["b"])));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.Failed, Now, o => o.Error("SMTP timeout talking to mx1"))]);

        Assert.Equal([withPayload.Id], (await Store.FindAsync(new CommandQuery { Search = "ada@example" })).Items.Select(c => c.Id));
        Assert.Equal([failing.Id], (await Store.FindAsync(new CommandQuery { Search = "smtp TIMEOUT" })).Items.Select(c => c.Id));
        Assert.Empty((await Store.FindAsync(new CommandQuery { Search = "nothing-like-this" })).Items);
        // LIKE wildcards are literal text
        Assert.Empty((await Store.FindAsync(new CommandQuery { Search = "%" })).Items);
        Assert.Empty((await Store.FindAsync(new CommandQuery { Search = "_" })).Items);
    }

    [SkippableFact]
    public async Task Find_with_a_search_window_examines_a_bounded_number_of_commands_per_page()
    {
        // Twelve commands a0..a11, the needle in a1, a2, a3 and a9; a "b" command with the needle after a5: the name
        // filter excludes it, but the window counts every command in sort order.
        var a = new List<CommandInstance>();
        CommandInstance? b = null;
        for (var i = 0; i < 12; i++)
        {
            var needle = i is 1 or 2 or 3 or 9;
            var command = New("a", c => c.Payload(needle ? $$"""{"note":"a NEEDLE {{i}}"}""" : $$"""{"note":"hay {{i}}"}"""));
            a.Add(command);
            await Store.EnqueueAsync([command]);
            Time.Advance(TimeSpan.FromMilliseconds(1));
            if (i == 5)
            {
                b = New("b", c => c.Payload("""{"note":"needle"}"""));
                await Store.EnqueueAsync([b]);
                Time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        async Task<List<(int[] Items, bool WindowEnded, bool Last)>> Pages(CommandOrder order, string? name = "a")
        {
            var pages = new List<(int[], bool, bool)>();
            var query = new CommandQuery { Name = name, Search = "needle", SearchWindow = 4, Limit = 2, Order = order };
            while (true)
            {
                var page = await Store.FindAsync(query);
                pages.Add((page.Items.Select(c => c.Id == b!.Id ? 99 : a.FindIndex(x => x.Id == c.Id)).ToArray(), page.SearchWindowEnded, page.NextCursor is null));
                if (page.NextCursor is null || pages.Count > 10)
                {
                    return pages;
                }

                query = query with { Cursor = page.NextCursor };
            }
        }

        // Oldest first, windows of 4 over a0..a5, b, a6..a11: [a0-a3] → a1, a2 (a3 also matched: the page is full);
        // after a2: [a3, a4, a5, b] → a3, ended; [a6-a9] → a9, ended; [a10, a11] → nothing, the end.
        Assert.Equal([([1, 2], false, false), ([3], true, false), ([9], true, false), ([], false, true)], await Pages(CommandOrder.OldestFirst), PageComparer);
        // Newest first: [a11-a8] → a9, ended; [a7, a6, b, a5] → nothing, ended; [a4-a1] → a3, a2 (full); after a2: [a1, a0] → a1, the end.
        Assert.Equal([([9], true, false), ([], true, false), ([3, 2], false, false), ([1], false, true)], await Pages(CommandOrder.NewestFirst), PageComparer);
        // Without the name filter b is found in its window.
        Assert.Equal([([1, 2], false, false), ([3, 99], true, false), ([9], true, false), ([], false, true)], await Pages(CommandOrder.OldestFirst, name: null), PageComparer);

        // Without a window the same search fills its pages.
        var unbounded = await Store.FindAsync(new CommandQuery { Name = "a", Search = "needle", Limit = 3, Order = CommandOrder.OldestFirst });
        Assert.Equal([a[1].Id, a[2].Id, a[3].Id], unbounded.Items.Select(c => c.Id));
        Assert.False(unbounded.SearchWindowEnded);
        // A window without search text changes nothing.
        Assert.Equal(5, (await Store.FindAsync(new CommandQuery { Name = "a", SearchWindow = 1, Limit = 5 })).Items.Count);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FindAsync(new CommandQuery { Search = "x", SearchWindow = 0 }));
    }

    private static readonly IEqualityComparer<(int[] Items, bool WindowEnded, bool Last)> PageComparer =
        EqualityComparer<(int[] Items, bool WindowEnded, bool Last)>.Create(
            (x, y) => x.Items.SequenceEqual(y.Items) && x.WindowEnded == y.WindowEnded && x.Last == y.Last,
            p => p.Items.Length);

    [SkippableFact]
    public async Task Find_pages_with_a_keyset_cursor_in_both_orders()
    {
        var created = new List<CommandInstance>();
        for (var i = 0; i < 23; i++)
        {
            var command = New();
            created.Add(command);
            await Store.EnqueueAsync([command]);
            if (i % 3 == 0)
            {
                Time.Advance(TimeSpan.FromMilliseconds(1)); // some share a creation time: the id breaks ties
            }
        }

        foreach (var order in new[] { CommandOrder.NewestFirst, CommandOrder.OldestFirst })
        {
            var seen = new List<Guid>();
            var query = new CommandQuery { Limit = 5, Order = order };
            var pages = 0;
            while (true)
            {
                var page = await Store.FindAsync(query);
                pages++;
                seen.AddRange(page.Items.Select(c => c.Id));
                if (page.NextCursor is null)
                {
                    break;
                }

                Assert.Equal(5, page.Items.Count);
                query = query with { Cursor = page.NextCursor };
            }

            Assert.Equal(5, pages);
            var expected = created.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id).Select(c => c.Id).ToList();
            if (order == CommandOrder.NewestFirst)
            {
                expected.Reverse();
            }

            Assert.Equal(expected, seen);
        }
    }

    [SkippableFact]
    public async Task Find_rejects_bad_page_sizes_and_cursors()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FindAsync(new CommandQuery { Limit = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Store.FindAsync(new CommandQuery { Limit = CommandQuery.MaxLimit + 1 }));
        await Assert.ThrowsAsync<ArgumentException>(async () => await Store.FindAsync(new CommandQuery { Cursor = "not-a-cursor" }));
    }

    [SkippableFact]
    public async Task Statistics_count_statuses_ready_depth_and_age()
    {
        await Store.EnqueueAsync([
            New("a", b => b.ReadyAt(Now - TimeSpan.FromMinutes(5))),
            New("limited"),
            New("limited"),
            New("b", b => b.ReadyAt(Now + TimeSpan.FromHours(1))),
        ]);
        var claimed = Assert.Single(await Store.ClaimAsync(Claim(limit: 1, names: ["a"])));
        await Store.ApplyAsync([Outcome(claimed, CommandStatus.DeadLetter, Now)]);
        var started = await Store.ClaimAsync(Claim(limit: 1, names: ["limited"]));
        Assert.Single(started);

        var stats = await Store.GetStatisticsAsync(new StatisticsRequest { Now = Now, ReadyCountNames = ["limited", "c"] });
        Assert.Equal(Enum.GetValues<CommandStatus>().Length, stats.Counts.Count);
        Assert.Equal(2, stats.Counts[CommandStatus.Pending]);
        Assert.Equal(1, stats.Counts[CommandStatus.Started]);
        Assert.Equal(1, stats.Counts[CommandStatus.DeadLetter]);
        Assert.Equal(0, stats.Counts[CommandStatus.Completed]);
        Assert.Equal(4, stats.Total);
        Assert.Equal(1, stats.Ready);
        Assert.Equal(Now, stats.OldestReadyAt);
        Assert.Equal(1, stats.ReadyByName["limited"]);
        Assert.Equal(0, stats.ReadyByName["c"]);
    }

    [SkippableFact]
    public async Task Statistics_counts_follow_every_transition_and_equal_a_recount()
    {
        // A fan-in (parent completed, continuation waiting, children pending), then enqueues: tagged, later, keyed.
        var (continuation, _) = await SpawnFanInAsync(3);
        await AssertCountsMatchRecountAsync();
        await Store.EnqueueAsync(Enumerable.Range(0, 30).Select(i => New("a", b =>
        {
            if (i % 5 == 0)
            {
                b.Tags("t1");
            }
        })).ToArray());
        await Store.EnqueueAsync([New("b", b => b.ReadyAt(Now + TimeSpan.FromHours(1))), New("b", b => b.UniqueKey("k1"))]);
        await AssertCountsMatchRecountAsync();

        // Claim, then apply each kind of outcome.
        var claimed = await Store.ClaimAsync(Claim(limit: 18, names: ["a"]));
        Assert.Equal(18, claimed.Count);
        await AssertCountsMatchRecountAsync();
        var statuses = new[]
        {
            CommandStatus.Completed, CommandStatus.Failed, CommandStatus.Expired, CommandStatus.DeadLetter, CommandStatus.Completed,
            CommandStatus.Failed, CommandStatus.DeadLetter, CommandStatus.Expired,
        };
        var outcomes = claimed.Take(16).Select((c, i) => i switch
        {
            14 => Outcome(c, CommandStatus.Repeating, Now, o => o.ReadyAt(Now + TimeSpan.FromMinutes(1))),
            15 => Outcome(c, CommandStatus.Pending, Now, o => o.ReadyAt(Now + TimeSpan.FromSeconds(10)).Error("retry")),
            _ => Outcome(c, statuses[i % statuses.Length], Now, o => o.Error("boom")),
        }).ToArray();
        await Store.ApplyAsync(outcomes);
        await AssertCountsMatchRecountAsync();

        // A stale outcome (already applied) changes nothing.
        await Store.ApplyAsync([outcomes[0]]);
        await AssertCountsMatchRecountAsync();

        // Cancel by id (one pending, one started), by tag.
        var pending = (await Store.FindAsync(new CommandQuery { Statuses = [CommandStatus.Pending], Name = "a", Limit = 1 })).Items.Single();
        await Store.CancelAsync(pending.Id, Now, "no longer needed");
        await Store.CancelAsync(claimed[16].Id, Now, null);
        await AssertCountsMatchRecountAsync();
        await Store.CancelByTagAsync("t1", Now);
        await AssertCountsMatchRecountAsync();

        // Requeue (replay) a failed and a dead-lettered command.
        var failed = (await Store.FindAsync(new CommandQuery { Statuses = [CommandStatus.Failed], Limit = 1 })).Items.Single();
        var dead = (await Store.FindAsync(new CommandQuery { Statuses = [CommandStatus.DeadLetter], Limit = 1 })).Items.Single();
        await Store.RequeueAsync(failed.Id, Now, "replay");
        await Store.RequeueAsync(dead.Id, Now, "replay");
        await AssertCountsMatchRecountAsync();

        // Rescue of expired leases (claimed[17] still holds one, plus a fresh claim).
        Assert.NotEmpty(await Store.ClaimAsync(Claim(limit: 2, names: ["a"])));
        Time.Advance(TimeSpan.FromMinutes(2));
        Assert.NotEmpty(await Store.RescueExpiredLeasesAsync(Now));
        await AssertCountsMatchRecountAsync();

        // Fan-in: children end, the continuation is released and runs.
        for (var i = 0; i < 3; i++)
        {
            await FinishChildAsync(i == 1 ? CommandStatus.Failed : CommandStatus.Completed, i == 1 ? "child failed" : null);
            await AssertCountsMatchRecountAsync();
        }

        var then = Assert.Single(await Store.ClaimAsync(Claim(names: ["then"])));
        Assert.Equal(continuation.Id, then.Id);
        await Store.ApplyAsync([Outcome(then, CommandStatus.Completed, Now)]);
        await AssertCountsMatchRecountAsync();

        // Retention and purge: limited, then by status.
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, await Store.PurgeAsync(new PurgeRequest { Statuses = [CommandStatus.Completed], CompletedBefore = Now, Limit = 2 }));
        await AssertCountsMatchRecountAsync();
        Assert.True(await Store.PurgeAsync(new PurgeRequest
        {
            Statuses = [CommandStatus.Completed, CommandStatus.Failed, CommandStatus.Expired, CommandStatus.Cancelled], CompletedBefore = Now,
        }) > 0);
        await AssertCountsMatchRecountAsync();
        Assert.True(await Store.PurgeAsync(new PurgeRequest { Statuses = [CommandStatus.DeadLetter], CompletedBefore = Now }) > 0);
        var stats = await AssertCountsMatchRecountAsync();
        Assert.Equal(0, stats.Counts[CommandStatus.DeadLetter]);
        Assert.Equal(0, stats.Counts[CommandStatus.Completed]);
        Assert.True(stats.Counts[CommandStatus.Pending] > 0);
        Assert.True(stats.Counts[CommandStatus.Repeating] > 0);
    }

    /// <summary>Asserts that the statistics' counts equal a count of every row read back with <see cref="ICommandStore.FindAsync"/>.</summary>
    protected async Task<StoreStatistics> AssertCountsMatchRecountAsync()
    {
        var recount = Enum.GetValues<CommandStatus>().ToDictionary(s => s, _ => 0L);
        string? cursor = null;
        do
        {
            var page = await Store.FindAsync(new CommandQuery { Limit = CommandQuery.MaxLimit, Cursor = cursor });
            foreach (var command in page.Items)
            {
                recount[command.Status]++;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);

        var stats = await Store.GetStatisticsAsync(new StatisticsRequest { Now = Now });
        Assert.Equal(recount.OrderBy(p => p.Key), stats.Counts.OrderBy(p => p.Key));

        // The status filters (the rare terminal ones go through their own index on SQL stores) find the same rows.
        foreach (var status in Enum.GetValues<CommandStatus>())
        {
            Assert.Equal(recount[status], (await Store.FindAsync(new CommandQuery { Statuses = [status], Limit = CommandQuery.MaxLimit })).Items.Count);
        }

        var failedOrDead = await Store.FindAsync(new CommandQuery { Statuses = [CommandStatus.Failed, CommandStatus.DeadLetter], Limit = CommandQuery.MaxLimit });
        Assert.Equal(recount[CommandStatus.Failed] + recount[CommandStatus.DeadLetter], failedOrDead.Items.Count);
        return stats;
    }

    // ---------------------------------------------------------------- observers

    [SkippableFact]
    public async Task Observers_hear_about_new_work_until_they_unsubscribe()
    {
        var observer = new RecordingObserver();
        var subscription = Store.Subscribe(observer);
        await Store.EnqueueAsync([New()]);
        Assert.True(observer.WorkSignals >= 1);
        subscription.Dispose();
        var before = observer.WorkSignals;
        await Store.EnqueueAsync([New()]);
        Assert.Equal(before, observer.WorkSignals);
    }

    protected sealed class RecordingObserver : IStoreObserver
    {
        private int _work;
        private readonly List<Guid> _cancelled = [];

        public int WorkSignals => Volatile.Read(ref _work);

        public IReadOnlyList<Guid> Cancelled
        {
            get
            {
                lock (_cancelled)
                {
                    return _cancelled.ToArray();
                }
            }
        }

        public void OnWorkAvailable() => Interlocked.Increment(ref _work);

        public void OnCancelled(IReadOnlyList<Guid> ids)
        {
            lock (_cancelled)
            {
                _cancelled.AddRange(ids);
            }
        }
    }
}
