using Durex.PostgreSql;
using Durex.Reliability.Tests.BadInput;
using Durex.Sqlite;
using Npgsql;

namespace Durex.Reliability.Tests.Security;

/// <summary>
/// The only names the SQL stores put into SQL text are the schema and the table prefix (identifiers cannot be
/// parameters). Values that could break out of an identifier are refused at construction with a message naming the
/// option, before any connection is opened; the plain ones work. (tests/Durex.Sqlite.Tests has a few bad SQLite prefixes
/// as well; this adds the injection-shaped ones and PostgreSQL.)
/// </summary>
public sealed class IdentifierValidationTests
{
    public static TheoryData<string> InjectionShaped => new()
    {
        "durex_; DROP TABLE durex_commands; --",
        "x\"; DROP SCHEMA public CASCADE; --",
        "x'--",
        "a b",
        "a-b",
        "a.b",
        "\"quoted\"",
        "[bracketed]",
        "`tick`",
        "ü_",
        "a\0b",
        "a\nb",
        "durex\n",
        "a/*",
        "1starts_with_digit",
        "%",
        "_%",
    };

    [Theory]
    [MemberData(nameof(InjectionShaped))]
    public void Sqlite_table_prefixes_that_are_not_plain_identifiers_are_refused(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), "durex-never-created-" + Guid.NewGuid().ToString("N") + ".db");
        var error = Assert.Throws<ArgumentException>(() => new SqliteStore(path, new SqliteStoreOptions { TablePrefix = prefix }));
        Assert.Contains("TablePrefix", error.Message);
        Assert.Equal("TablePrefix", error.ParamName);
        Assert.False(File.Exists(path)); // refused before the file was touched
    }

    [Theory]
    [MemberData(nameof(InjectionShaped))]
    public void Postgres_schema_names_and_table_prefixes_that_are_not_plain_identifiers_are_refused(string name)
    {
        // No server is needed: the options are checked before a data source exists.
        const string connectionString = "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing";
        var schema = Assert.Throws<ArgumentException>(() => new PostgresStore(connectionString, new PostgresStoreOptions { Schema = name }));
        Assert.Equal("Schema", schema.ParamName);
        Assert.Contains("Schema name", schema.Message);

        if (name.StartsWith('1'))
        {
            return; // a prefix may start with a digit
        }

        var prefix = Assert.Throws<ArgumentException>(() => new PostgresStore(connectionString, new PostgresStoreOptions { TablePrefix = name }));
        Assert.Equal("TablePrefix", prefix.ParamName);
        Assert.Contains("Table prefix", prefix.Message);
        using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Throws<ArgumentException>(() => new PostgresStore(dataSource, new PostgresStoreOptions { TablePrefix = name }));
    }

    [Fact]
    public void Overlong_identifiers_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new PostgresStore("Host=x", new PostgresStoreOptions { Schema = new string('s', 41) }));
        Assert.Throws<ArgumentException>(() => new PostgresStore("Host=x", new PostgresStoreOptions { TablePrefix = new string('p', 21) }));
    }

    [SkippableFact]
    public async Task Plain_identifiers_at_their_limits_work_on_postgres()
    {
        // 40-character schema, 20-character prefix: the longest accepted, and the names built from them fit PostgreSQL's 63.
        var schema = "s" + Guid.NewGuid().ToString("N")[..31] + "_abcdefg";
        Assert.Equal(40, schema.Length);
        var prefix = "Prefix_With_Digits_9";
        await using var store = new PostgresStore(PostgresRawStore.ServerConnectionString, new PostgresStoreOptions { Schema = schema, TablePrefix = prefix });
        try
        {
            await using var executor = new Executor(store);
            var command = await executor.AddAsync(new CommandSpec("job") { Tags = { "t" } });
            Assert.Equal(command.Id, (await executor.GetAsync(command.Id))!.Id);
            Assert.Equal(1, await executor.CancelByTagAsync("t"));
        }
        finally
        {
            await using var connection = new NpgsqlConnection(PostgresRawStore.ServerConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task Plain_table_prefixes_work_on_sqlite()
    {
        await using var raw = new SqliteRawStore(new SqliteStoreOptions { TablePrefix = "App_2_" });
        await using var executor = new Executor(raw.Store);
        await executor.AddAsync(new CommandSpec("job"));
        Assert.Contains("App_2_commands", await raw.TablesAsync());
        Assert.Equal(1, await raw.CountAsync());
    }
}
