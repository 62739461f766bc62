using System.Diagnostics;
using Durex.Diagnostics;
using Durex.Storage;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Durex.Tests;

/// <summary>The standard OpenTelemetry SDK exports Durex's spans and instruments with nothing Durex-specific: AddSource and AddMeter.</summary>
public sealed class OpenTelemetryTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_OpenTelemetry_SDK_exports_Durex_spans_and_metrics()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(DurexDiagnostics.ActivitySourceName, "Durex.OpenTelemetryTests")
            .AddInMemoryExporter(spans)
            .Build();
        using var metering = Sdk.CreateMeterProviderBuilder()
            .AddMeter(DurexDiagnostics.MeterName)
            .AddInMemoryExporter(metrics)
            .Build();
        using var source = new ActivitySource("Durex.OpenTelemetryTests");

        await using var executor = new Executor(new MemoryStore(), o => o.TimeProvider = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z")));
        executor.Handle("sendEmail", (_, _) => ValueTask.FromResult(CommandResult.Empty));
        await executor.StartAsync();
        ActivityTraceId trace;
        using (var request = source.StartActivity("POST /signup")!)
        {
            trace = request.TraceId;
            await executor.AddAsync(new CommandSpec("sendEmail"));
        }

        await executor.WaitForIdleAsync().WaitAsync(HangGuard);
        await executor.GetStatisticsAsync();
        tracing.ForceFlush();
        metering.ForceFlush();

        var process = Assert.Single(spans, a => a.TraceId == trace && a.DisplayName == "process sendEmail");
        var enqueue = Assert.Single(spans, a => a.TraceId == trace && a.DisplayName == "enqueue sendEmail");
        Assert.Equal(enqueue.SpanId, process.ParentSpanId);

        var started = Assert.Single(metrics, m => m.Name == DurexDiagnostics.CommandsStarted && m.MeterTags!.Any(t => Equals(t.Value, executor.InstanceName)));
        long total = 0;
        foreach (ref readonly var point in started.GetMetricPoints())
        {
            total += point.GetSumLong();
        }

        Assert.Equal(1, total);
        Assert.Contains(metrics, m => m.Name == DurexDiagnostics.QueueSize);
        Assert.Contains(metrics, m => m.Name == DurexDiagnostics.CommandDuration && m.MetricType == MetricType.Histogram);
    }
}
