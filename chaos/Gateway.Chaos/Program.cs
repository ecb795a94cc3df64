using System.Runtime.InteropServices;
using Gateway.Chaos;

// Fault injection and soak against the real AppHost (executables path, durable PostgreSQL):
// started by chaos/run.sh, which also records machine facts; see docs/reliability.md.
ChaosOptions options;
try
{
    options = ChaosOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{ex.Message}\n\n{ChaosOptions.Usage}");
    return 2;
}

// Ctrl+C or SIGTERM: stop the measurement and fall through to disposing the app, which stops every
// process it started (DCP, Redis, PostgreSQL, the projects). A second signal is not swallowed.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (!stop.IsCancellationRequested)
    {
        context.Cancel = true;
        Console.Error.WriteLine("[chaos] interrupted: stopping everything it started...");
        stop.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

// The whole run is bounded, whatever hangs.
stop.CancelAfter(options.Soak ? TimeSpan.FromMinutes(options.SoakMinutes + 4) : TimeSpan.FromMinutes(6));

await using var app = new ChaosApp();
try
{
    await app.StartAsync(stop.Token);
    var report = options.Soak
        ? await new SoakRunner(app, options).RunAsync(stop.Token)
        : await new FaultRunner(app, options).RunAsync(stop.Token);
    Console.Write(report);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("[chaos] cancelled (interrupted or over the time bound); no report.");
    return 130;
}
