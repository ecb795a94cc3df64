using System.Diagnostics.Metrics;

namespace Gateway.Auth.Security;

/// <summary>
/// The auth service's own counters (meter <c>Gateway.Auth</c>, exported by OpenTelemetry), with
/// plain totals for <c>AdminService.GetStats</c>.
/// </summary>
internal sealed class AuthStatistics
{
    public const string MeterName = "Gateway.Auth";

    private readonly Counter<long> _logins;
    private readonly Counter<long> _verifications;
    private readonly Counter<long> _rehashes;
    private readonly Counter<long> _purged;
    private long _loginCount;
    private long _succeeded;
    private long _throttled;
    private long _verificationCount;

    public AuthStatistics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _logins = meter.CreateCounter<long>("gateway.auth.logins", "{login}", "Logins answered, by outcome (succeeded, failed, throttled).");
        _verifications = meter.CreateCounter<long>("gateway.auth.password_verifications", "{hash}", "Password hashes computed to check a login.");
        _rehashes = meter.CreateCounter<long>("gateway.auth.password_rehashes", "{hash}", "Stored password hashes upgraded to the current parameters at a login.");
        _purged = meter.CreateCounter<long>("gateway.auth.purged_rows", "{row}", "Expired access tokens and revoked API keys deleted by the purge job, by table.");
    }

    public void LoginAnswered(bool succeeded)
    {
        Interlocked.Increment(ref _loginCount);
        if (succeeded)
        {
            Interlocked.Increment(ref _succeeded);
        }

        _logins.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed"));
    }

    public void LoginThrottled()
    {
        Interlocked.Increment(ref _loginCount);
        Interlocked.Increment(ref _throttled);
        _logins.Add(1, new KeyValuePair<string, object?>("outcome", "throttled"));
    }

    public void PasswordVerified()
    {
        Interlocked.Increment(ref _verificationCount);
        _verifications.Add(1);
    }

    public void PasswordRehashed() => _rehashes.Add(1);

    public void RowsPurged(string table, long rows)
    {
        if (rows > 0)
        {
            _purged.Add(rows, new KeyValuePair<string, object?>("table", table));
        }
    }

    public V1.AuthStats Read() => new()
    {
        Logins = Interlocked.Read(ref _loginCount),
        LoginsSucceeded = Interlocked.Read(ref _succeeded),
        LoginsThrottled = Interlocked.Read(ref _throttled),
        PasswordVerifications = Interlocked.Read(ref _verificationCount),
    };
}
