namespace Durex.Cli;

/// <summary>The kinds of store the tool opens.</summary>
internal enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Which store to open and where that came from: <c>--sqlite PATH</c>, <c>--postgres CONNSTR</c>, or the
/// <c>DUREX_STORE</c> variable (<c>sqlite:PATH</c> or <c>postgres:CONNSTR</c>). The command line wins over the variable.
/// </summary>
internal sealed record StoreTarget(StoreKind Kind, string Value, string Origin)
{
    public const string Variable = "DUREX_STORE";

    private const string Help =
        "give --sqlite PATH or --postgres CONNSTR, or set " + Variable + "=sqlite:PATH or " + Variable + "=postgres:CONNSTR";

    public static StoreTarget Resolve(string? sqlite, string? postgres, Func<string, string?> getVariable)
    {
        if (sqlite is not null && postgres is not null)
        {
            throw CliException.Usage("Both --sqlite and --postgres were given: choose one store.");
        }

        if (sqlite is not null)
        {
            return string.IsNullOrWhiteSpace(sqlite)
                ? throw CliException.Usage("--sqlite needs the path of the database file, e.g. --sqlite ./durex.db.")
                : new StoreTarget(StoreKind.Sqlite, sqlite, "--sqlite");
        }

        if (postgres is not null)
        {
            return string.IsNullOrWhiteSpace(postgres)
                ? throw CliException.Usage("--postgres needs a connection string, e.g. --postgres \"Host=localhost;Username=app;Password=…;Database=app\".")
                : new StoreTarget(StoreKind.Postgres, postgres, "--postgres");
        }

        var variable = getVariable(Variable);
        if (string.IsNullOrWhiteSpace(variable))
        {
            throw CliException.Usage($"No store given: {Help}.");
        }

        var colon = variable.IndexOf(':', StringComparison.Ordinal);
        var scheme = colon < 0 ? "" : variable[..colon].Trim().ToLowerInvariant();
        var value = colon < 0 ? "" : variable[(colon + 1)..].Trim();
        var kind = scheme switch
        {
            "sqlite" => StoreKind.Sqlite,
            "postgres" or "postgresql" => StoreKind.Postgres,
            _ => throw CliException.Usage($"{Variable} must start with 'sqlite:' or 'postgres:' (e.g. {Variable}=sqlite:./durex.db), not '{InputParser.Clip(scheme.Length > 0 ? scheme + ":" : variable)}'."),
        };
        if (value.Length == 0)
        {
            throw CliException.Usage($"{Variable} names no {(kind == StoreKind.Sqlite ? "file" : "connection string")} after '{scheme}:': {Help}.");
        }

        return new StoreTarget(kind, value, Variable);
    }
}
