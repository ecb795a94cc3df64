using Gateway.Proxy.Authentication;
using Gateway.Proxy.Telemetry;
using Gateway.TestSupport;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>Cache misses reach the auth service a bounded number at a time, per client and per replica.</summary>
public sealed class LookupAdmissionTests : IDisposable
{
    private readonly TestMeterFactory _meters = new();

    private LookupAdmission Admission(int total, int perClient, TimeSpan wait) => new(
        Options.Create(new LookupAdmissionOptions { MaxConcurrent = total, MaxConcurrentPerClient = perClient, QueueTimeout = wait }),
        new ProxyMetrics(_meters));

    [Fact]
    public async Task ClientAtItsShare_RefusedClientBusy_OtherClientsStillAdmitted()
    {
        using var admission = Admission(total: 10, perClient: 2, wait: TimeSpan.FromMilliseconds(50));
        using var first = await admission.EnterAsync("198.51.100.1", CancellationToken.None);
        using var second = await admission.EnterAsync("198.51.100.1", CancellationToken.None);

        using var third = await admission.EnterAsync("198.51.100.1", CancellationToken.None);
        using var other = await admission.EnterAsync("198.51.100.2", CancellationToken.None);

        Assert.True(first.Admitted && second.Admitted);
        Assert.Equal(LookupRefusal.ClientBusy, third.Refusal);
        Assert.True(other.Admitted);
        Assert.Equal(3, admission.InFlight);
    }

    [Fact]
    public async Task ReplicaAtItsShare_RefusedBusy()
    {
        using var admission = Admission(total: 2, perClient: 2, wait: TimeSpan.FromMilliseconds(50));
        using var first = await admission.EnterAsync("198.51.100.1", CancellationToken.None);
        using var second = await admission.EnterAsync("198.51.100.2", CancellationToken.None);

        using var third = await admission.EnterAsync("198.51.100.3", CancellationToken.None);

        Assert.Equal(LookupRefusal.Busy, third.Refusal);
        // A refused client holds nothing: once a slot frees, it gets in.
        first.Dispose();
        using var again = await admission.EnterAsync("198.51.100.3", CancellationToken.None);
        Assert.True(again.Admitted);
    }

    [Fact]
    public async Task WaitingMiss_AdmittedWhenASlotFrees()
    {
        using var admission = Admission(total: 1, perClient: 1, wait: TimeSpan.FromSeconds(30));
        var first = await admission.EnterAsync("198.51.100.1", CancellationToken.None);

        var waiting = admission.EnterAsync("198.51.100.1", CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        first.Dispose();
        first.Dispose(); // twice: frees one slot, once

        using var admitted = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(admitted.Admitted);
        Assert.Equal(1, admission.InFlight);
    }

    [Fact]
    public async Task CallerCancels_Throws_NotARefusal()
    {
        using var admission = Admission(total: 1, perClient: 1, wait: TimeSpan.FromSeconds(30));
        using var first = await admission.EnterAsync("198.51.100.1", CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = admission.EnterAsync("198.51.100.1", cancel.Token).AsTask();
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    public void Dispose() => _meters.Dispose();
}
