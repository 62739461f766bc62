using Durex;

namespace Primes;

/// <summary>The job: count the primes below <paramref name="Below"/>, in <paramref name="Chunks"/> parts.</summary>
public sealed record PrimeJob(int Below, int Chunks);

/// <summary>One part: the numbers from <paramref name="From"/> (inclusive) to <paramref name="To"/> (exclusive).</summary>
public sealed record Chunk(int Index, int From, int To);

public static class PrimeCommands
{
    // Fan-out: one child command per chunk, and a continuation that runs once all of them completed. The children and
    // the (waiting) continuation are stored in the same transaction that completes this command: all of them or none.
    [DurexCommand("primes.split")]
    public static CommandResult Split(PrimeJob job)
    {
        var size = (job.Below + job.Chunks - 1) / job.Chunks;
        var chunks = Enumerable.Range(0, job.Chunks)
            .Select(i => new Chunk(i + 1, Math.Min(i * size, job.Below), Math.Min((i + 1) * size, job.Below)))
            .ToArray();
        Console.WriteLine($"split: {chunks.Length} chunks of up to {size} numbers");
        return CommandResult.SpawnThen(chunks.Select(c => Jobs.PrimesCount.Spec(c)), Jobs.PrimesTotal.Spec(job));
    }

    // One chunk. The chunks run in parallel (ExecutorOptions.Parallelism), in no particular order.
    [DurexCommand("primes.count", Retries = 2)]
    public static void Count(Chunk chunk, CommandContext context)
    {
        if (chunk.Index == 3 && context.Attempt == 1)
        {
            // A simulated crash. The continuation needs every result, so it waits for the retry.
            Console.WriteLine($"chunk {chunk.Index}: attempt 1 failed (simulated), {context.RetriesLeft} retries left");
            throw new InvalidOperationException("simulated failure");
        }

        var primes = CountPrimes(chunk.From, chunk.To);
        context.Set("primes", primes); // the chunk's result: stored with the completed command, read by the continuation
        Console.WriteLine($"chunk {chunk.Index} [{chunk.From}, {chunk.To}): {primes} primes (attempt {context.Attempt})");
    }

    // Fan-in: runs once, after every chunk completed. FanInResults holds each child's final data (its payload plus what
    // it set) in spawn order, whatever order they finished in. Had a chunk failed for good, this would not run: it would
    // fail instead, and its recover hook (OnRecover) would run.
    [DurexCommand("primes.total")]
    public static void Total(PrimeJob job, CommandContext context)
    {
        var indexes = new List<int>();
        var total = 0;
        foreach (var result in context.FanInResults)
        {
            var chunk = result.Data.Get(DurexJsonMetadata.Default.Get<Chunk>())!; // the child's payload, typed
            indexes.Add(chunk.Index);
            total += result.Data.GetInt32("primes");
        }

        context.Set("total", total); // kept with the command: Program.cs reads it back from the store
        Console.WriteLine($"fan-in: {context.FanInResults.Count} of {job.Chunks} chunk results, chunks {string.Join(", ", indexes)}");
        Console.WriteLine($"fan-in: {total} primes below {job.Below}");
    }

    private static int CountPrimes(int from, int to)
    {
        var count = 0;
        for (var n = Math.Max(from, 2); n < to; n++)
        {
            var prime = true;
            for (var d = 2; d * d <= n; d++)
            {
                if (n % d == 0)
                {
                    prime = false;
                    break;
                }
            }

            count += prime ? 1 : 0;
        }

        return count;
    }
}
