using Durex.CodeFixes;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests.CodeFixes;

public sealed class RenameCommandCodeFixTests
{
    [Fact]
    public async Task A_duplicate_command_gets_the_first_free_numbered_name()
    {
        const string used = "Command name 'send' is used 3 times ([DurexCommand] SendEmail, [DurexCommand] SendSms, [DurexCommand] SendPush); each command needs its own name";
        // DURX0008 is reported by each declaration's own symbol action, so it is local to its document and the editor's
        // light bulb offers the fix (the testing library checks that too).
        await FixTest<DeclarationAnalyzer, RenameCommandCodeFixProvider>.RunAsync(null, CodeFixTestBehaviors.None, """
            using Durex;

            public static class Notifications
            {
                [DurexCommand("send")] public static void {|#0:SendEmail|}() { }
                [DurexCommand("send")] public static void {|#1:SendSms|}() { }
                [DurexCommand("send")] public static void {|#2:SendPush|}() { }
                [DurexCommand("send-2")] public static void SendLetter() { }
            }
            """, """
            using Durex;

            public static class Notifications
            {
                [DurexCommand("send-3")] public static void SendEmail() { }
                [DurexCommand("send-4")] public static void SendSms() { }
                [DurexCommand("send")] public static void SendPush() { }
                [DurexCommand("send-2")] public static void SendLetter() { }
            }
            """,
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0008").WithLocation(0).WithArguments(used),
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0008").WithLocation(1).WithArguments(used),
            Verify<DeclarationAnalyzer>.Diagnostic("DURX0008").WithLocation(2).WithArguments(used));
    }
}
