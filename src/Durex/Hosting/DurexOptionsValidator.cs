using Microsoft.Extensions.Options;

namespace Durex.Hosting;

/// <summary>
/// Validates <see cref="DurexOptions"/> when they are first read and, through <c>ValidateOnStart</c>, when the host
/// starts: configuration errors, a missing store selection and every <see cref="ExecutorOptions.Validate"/> problem.
/// </summary>
internal sealed class DurexOptionsValidator : IValidateOptions<DurexOptions>
{
    internal const string NoStoreMessage =
        "No Durex store is selected. Choose one in AddDurex(o => ...): o.UseSqlite(\"durex.db\") (package Durex.Sqlite), " +
        "o.UsePostgreSql(connectionString) (package Durex.PostgreSql), o.UseInMemory() (nothing survives the process) " +
        "or o.UseStore(sp => ...) for a store of your own.";

    public ValidateOptionsResult Validate(string? name, DurexOptions options)
    {
        var failures = new List<string>(options.ConfigurationErrors);
        if (options.StoreFactory is null)
        {
            failures.Add(NoStoreMessage);
        }

        // Configuration errors first: a value that failed to parse kept its default, and validating that would only confuse.
        if (options.ConfigurationErrors.Count == 0)
        {
            try
            {
                options.Executor.Validate();
            }
            catch (ArgumentException ex)
            {
                failures.Add(Describe(ex, options));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The message without the " (Parameter 'x')" suffix, plus the configuration key that set the value, if any.</summary>
    private static string Describe(ArgumentException ex, DurexOptions options)
    {
        var message = ex.Message;
        if (ex.ParamName is { } param)
        {
            var suffix = $" (Parameter '{param}')";
            if (message.EndsWith(suffix, StringComparison.Ordinal))
            {
                message = message[..^suffix.Length];
            }

            if (options.ConfiguredFrom.TryGetValue(param, out var path))
            {
                message += $" (set by configuration key {path})";
            }
        }

        return message;
    }
}
