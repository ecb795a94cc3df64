using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Routing;

/// <summary>Options that never change, for components that read <see cref="IOptionsMonitor{TOptions}"/>.</summary>
internal sealed class StaticOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
