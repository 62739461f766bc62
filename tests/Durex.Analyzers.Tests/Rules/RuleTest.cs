using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Durex.Analyzers.Tests.Rules;

/// <summary>Shared pieces of the per-rule tests: the expected diagnostics (message format "{0}") and a common prelude.</summary>
internal static class RuleTest
{
    /// <summary>Usings and a payload record most test sources start with.</summary>
    public const string Prelude = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using System.Text.Json.Serialization;
        using System.Text.Json.Serialization.Metadata;
        using System.Threading;
        using System.Threading.Tasks;
        using Durex;
        using Durex.Hosting;
        using Microsoft.Extensions.DependencyInjection;

        public sealed record Payload(int Id, string Name);

        """;

    public static DiagnosticResult Error(string id, int location, string message) =>
        new DiagnosticResult(id, DiagnosticSeverity.Error).WithMessageFormat("{0}").WithLocation(location).WithArguments(message);

    public static DiagnosticResult Warning(string id, int location, string message) =>
        new DiagnosticResult(id, DiagnosticSeverity.Warning).WithMessageFormat("{0}").WithLocation(location).WithArguments(message);
}
