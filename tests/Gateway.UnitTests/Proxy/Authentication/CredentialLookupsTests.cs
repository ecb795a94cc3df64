using System.Net;
using Gateway.Proxy.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Authentication;

/// <summary>
/// Misses share one call per credential, and each call holds its admission slot for as long as the
/// auth service takes, whoever gave up waiting. (The failed-credential budget they also take is
/// tested against a real Redis in <c>FailedCredentialBudgetTests</c> and end to end.)
/// </summary>
public sealed class CredentialLookupsTests : IAsyncDisposable
{
    private readonly BlockingValidator _validator = new();
    private readonly ServiceProvider _services;
    private readonly CredentialLookups _lookups;
    private readonly LookupAdmission _admission;

    public CredentialLookupsTests()
    {
        _services = AuthServices.Build(_validator, TimeProvider.System, admission: o =>
        {
            o.MaxConcurrentPerClient = 2;
            o.QueueTimeout = TimeSpan.FromMilliseconds(50);
        });
        _lookups = _services.GetRequiredService<CredentialLookups>();
        _admission = _services.GetRequiredService<LookupAdmission>();
    }

    [Fact]
    public async Task CallersHangUp_LookupsKeepTheirSlots_UntilAnswered()
    {
        using var hangUp = new CancellationTokenSource();
        var first = _lookups.ValidateAsync(CredentialKey.From("gw_at_one"), "gw_at_one", Request("198.51.100.7"), hangUp.Token);
        var second = _lookups.ValidateAsync(CredentialKey.From("gw_at_two"), "gw_at_two", Request("198.51.100.7"), hangUp.Token);
        await hangUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);

        // The client's two lookups are still at the auth service: a third is refused, not sent.
        var third = await _lookups.ValidateAsync(CredentialKey.From("gw_at_three"), "gw_at_three", Request("198.51.100.7"), CancellationToken.None);
        Assert.Equal(AuthLookupStatus.Refused, third.Status);
        Assert.Equal(LookupRefusal.ClientBusy, third.Refusal);
        Assert.Equal(2, _validator.Calls);

        _validator.Answer();
        await Gateway.TestSupport.Poll.UntilAsync<object>(
            _ => Task.FromResult<object?>(_admission.InFlight == 0 ? new object() : null), TimeSpan.FromSeconds(10), "the answered lookups to free their slots");
        var fourth = _lookups.ValidateAsync(CredentialKey.From("gw_at_four"), "gw_at_four", Request("198.51.100.7"), CancellationToken.None);
        _validator.Answer();
        Assert.Equal(AuthLookupStatus.Invalid, (await fourth.WaitAsync(TimeSpan.FromSeconds(10))).Status);
    }

    [Fact]
    public async Task SameCredential_ConcurrentMisses_OneCallOneSlot()
    {
        var lookups = Enumerable.Range(0, 20)
            .Select(_ => _lookups.ValidateAsync(CredentialKey.From("gw_at_same"), "gw_at_same", Request("198.51.100.8"), CancellationToken.None))
            .ToList();
        _validator.Answer();

        var answers = await Task.WhenAll(lookups).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(answers, answer => Assert.Equal(AuthLookupStatus.Invalid, answer.Status));
        Assert.Equal(1, _validator.Calls);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    private static DefaultHttpContext Request(string client)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(client);
        return context;
    }

    /// <summary>Answers "invalid" only when told to, so calls stay in flight meanwhile.</summary>
    private sealed class BlockingValidator : IAuthValidator
    {
        private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Answer() => _gate.TrySetResult();

        public async Task<AuthLookup> ValidateAsync(string credential)
        {
            Interlocked.Increment(ref _calls);
            await _gate.Task;
            return AuthLookup.Invalid;
        }
    }
}
