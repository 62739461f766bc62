using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Durex.Hosting.Tests;

/// <summary>Mistakes in the registration fail the host's start with a message that says what to do.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public async Task Forgetting_to_select_a_store_fails_the_start_and_says_how_to_choose_one()
    {
        var host = TestHost.Build(b => b.Services.AddDurex(o => o.Executor.Parallelism = 2));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("No Durex store is selected", error.Message);
        Assert.Contains("o.UseSqlite(\"durex.db\")", error.Message);
        Assert.Contains("o.UsePostgreSql(connectionString)", error.Message);
        Assert.Contains("o.UseInMemory()", error.Message);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task A_class_command_with_a_missing_dependency_fails_the_start_naming_both()
    {
        var host = TestHost.Build(b => b.Services.AddDurex(o => o.UseInMemory()).AddCommand<NeedsMailer>());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains($"The Durex command class {typeof(NeedsMailer).FullName} cannot be created", error.Message);
        Assert.Contains(typeof(IMailer).FullName!, error.Message);
        await host.DisposeAsyncNow();
    }

    [Fact]
    public async Task Two_handlers_with_one_name_fail_the_start()
    {
        var host = TestHost.Build(b => b.Services.AddDurex(o => o.UseInMemory())
            .Handle("twice", (_, _) => ValueTask.FromResult(CommandResult.Empty))
            .Handle("twice", (_, _) => ValueTask.FromResult(CommandResult.Empty)));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("A handler named 'twice' is already registered", error.Message);
        await host.DisposeAsyncNow();
    }
}

public interface IMailer;

internal sealed class NeedsMailer(IMailer mailer) : ICommandHandler
{
    public string Name => "mail";

    public ValueTask<CommandResult> ExecuteAsync(CommandContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(mailer is null ? CommandResult.Empty : CommandResult.Empty);
}
