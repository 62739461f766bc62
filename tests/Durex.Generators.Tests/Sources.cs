namespace Durex.Generators.Tests;

/// <summary>User sources the generator tests compile, one per feature.</summary>
internal static class Sources
{
    public const string StaticCommand = """
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;

        namespace Shop;

        public sealed record EmailData(string To, string Subject);

        public static class EmailCommands
        {
            [DurexCommand("sendEmail", Retries = 3, TimeoutSeconds = 30, DeadlineSeconds = 3600, Priority = 2, Tags = new[] { "email", "outbound" })]
            public static Task SendAsync(EmailData email, CommandContext context, CancellationToken cancellationToken) => Task.CompletedTask;
        }
        """;

    public const string InstanceCommand = """
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;

        namespace Shop;

        public interface IMailer { Task SendAsync(string to, CancellationToken cancellationToken); }

        public sealed record Notification(int UserId, string Text);

        public sealed class NotificationCommands(IMailer mailer)
        {
            [DurexCommand("notify", UniqueKey = "notify-{UserId}", OnRecover = nameof(GiveUpAsync), OnExpired = nameof(Expired), Cron = "0 9 * * *", CronTimeZone = "Europe/Paris")]
            public async ValueTask<CommandResult> NotifyAsync(CancellationToken cancellationToken, Notification notification)
            {
                await mailer.SendAsync(notification.UserId.ToString(), cancellationToken);
                return CommandResult.Repeat();
            }

            public Task GiveUpAsync(Exception error, Notification notification) => Task.CompletedTask;

            public static CommandResult Expired(CommandContext context) => CommandResult.Empty;
        }
        """;

    public const string CommandsWithoutPayload = """
        using Durex;

        public static class Maintenance
        {
            [DurexCommand("ping")]
            public static void Ping() { }

            [DurexCommand("cleanup", PeriodSeconds = 3600)]
            public static CommandResult Cleanup(CommandContext context) => CommandResult.Repeat();
        }
        """;

    public const string Workflow = """
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;

        namespace Shop;

        public sealed record Order(string Id, decimal Total);

        public interface IPayments { Task ChargeAsync(Order order); Task RefundAsync(Order order); }

        [Workflow("processOrder")]
        public sealed partial class OrderWorkflow(IPayments payments)
        {
            [Step(1, Compensate = nameof(RefundAsync), Retries = 2)]
            public Task ChargeAsync(Order order, CommandContext context, CancellationToken cancellationToken) => payments.ChargeAsync(order);

            [Step(2, NoCompensation = true, TimeoutSeconds = 60)]
            public static ValueTask ShipAsync(Order order) => ValueTask.CompletedTask;

            public Task RefundAsync(Order order, CommandContext context) => payments.RefundAsync(order);
        }
        """;

    public const string ParallelWorkflow = """
        using Durex;

        [Workflow("fulfil")]
        public static class FulfilWorkflow
        {
            [Step(1)] public static void Pack(CommandContext context) { }
            [Step(2, Parallel = true, Compensate = nameof(VoidLabel))] public static void PrintLabel() { }
            [Step(2, Parallel = true)] public static void BookCourier() { }
            [Step(3)] public static void Dispatch() { }
            public static void VoidLabel() { }
        }
        """;

    public const string Settings = """
        using Durex;

        [assembly: DurexGeneratedCode(Namespace = "Billing.Generated", JobsClassName = "BillingJobs", WorkflowsClassName = "BillingFlows", Public = true)]

        namespace Billing;

        public static class Invoices
        {
            [DurexCommand("invoices.send-reminder")]
            public static void SendReminder(int invoiceId) { }
        }
        """;

    public const string UserJsonContext = """
        using System.Collections.Generic;
        using System.Text.Json.Serialization;
        using Durex;

        [assembly: DurexJsonContext(typeof(Audit.AuditJsonContext))]

        namespace Audit;

        public sealed class AuditEntry { public Dictionary<string, object>? Extra { get; set; } }

        [JsonSerializable(typeof(AuditEntry))]
        public sealed partial class AuditJsonContext : JsonSerializerContext;

        public static class AuditCommands
        {
            [DurexCommand("audit")]
            public static void Write(AuditEntry entry) { }
        }
        """;
}
