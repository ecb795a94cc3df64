using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Gateway.IntegrationTests.Infrastructure;

public sealed class OutputLogger<T>(ITestOutputHelper output) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {typeof(T).Name} {logLevel}: {formatter(state, exception)}");
        }
        catch (InvalidOperationException)
        {
        }
    }
}
