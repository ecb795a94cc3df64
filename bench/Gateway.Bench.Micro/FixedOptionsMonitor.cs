using Microsoft.Extensions.Options;

namespace Gateway.Bench.Micro;

/// <summary>Fixed settings: <see cref="IOptionsMonitor{T}"/> without configuration binding.</summary>
internal sealed class FixedOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
