using Microsoft.Extensions.DependencyInjection;

namespace Durex.Hosting;

/// <summary>
/// Returned by <c>services.AddDurex(...)</c>: registers handlers (<c>Handle</c>, <c>HandleTyped</c>, <c>AddCommand</c>)
/// and lets extension packages add their services.
/// </summary>
public interface IDurexBuilder
{
    /// <summary>The application's service collection.</summary>
    IServiceCollection Services { get; }
}

internal sealed class DurexBuilder(IServiceCollection services) : IDurexBuilder
{
    public IServiceCollection Services { get; } = services;
}

/// <summary>One handler registration, applied to the executor when the container creates it.</summary>
internal sealed class DurexHandlerRegistration(Action<Executor, IServiceProvider> apply)
{
    public void Apply(Executor executor, IServiceProvider services) => apply(executor, services);
}
