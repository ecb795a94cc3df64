using Gateway.Auth.Security;
using Microsoft.Extensions.Options;

namespace Gateway.Auth.Data;

/// <summary>
/// Deletes access tokens expired longer ago than <see cref="TokenPurgeOptions.ExpiredTokenRetention"/>
/// and API keys revoked longer ago than <see cref="TokenPurgeOptions.RevokedApiKeyRetention"/>, every
/// <see cref="TokenPurgeOptions.Interval"/>, in batches of <see cref="TokenPurgeOptions.BatchSize"/>
/// rows (one short statement each, so no lock is held for long and the hot path's lookups never wait).
/// </summary>
/// <remarks>
/// Every auth replica runs it, uncoordinated: the deletes are idempotent, and each batch skips rows
/// another transaction has locked (a concurrent replica's batch included), so replicas neither block
/// nor double-count each other. A token still valid is never deleted: the cutoff is at least a
/// minute (the retention's floor) before now, and a valid token expires after now. A failure (the
/// database down) is logged and retried at the next interval; it never stops the service.
/// </remarks>
internal sealed partial class TokenPurgeService(
    AuthStore store,
    DatabaseInitializer initializer,
    StaleConnections staleConnections,
    AuthStatistics statistics,
    TimeProvider timeProvider,
    IOptions<TokenPurgeOptions> options,
    ILogger<TokenPurgeService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await initializer.Initialized.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.Interval, timeProvider);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                staleConnections.Observe(ex);
                Log.Failed(logger, ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>One purge: batches until a batch comes back short, for each table.</summary>
    internal async Task PurgeAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow().UtcDateTime;

        var tokenCutoff = now - settings.ExpiredTokenRetention;
        var tokens = await DeleteInBatchesAsync(batch => store.DeleteExpiredAccessTokensAsync(tokenCutoff, batch, cancellationToken), settings.BatchSize);
        statistics.RowsPurged("access_tokens", tokens);

        var keyCutoff = now - settings.RevokedApiKeyRetention;
        var keys = await DeleteInBatchesAsync(batch => store.DeleteRevokedApiKeysAsync(keyCutoff, batch, cancellationToken), settings.BatchSize);
        statistics.RowsPurged("api_keys", keys);

        if (tokens + keys > 0)
        {
            Log.Purged(logger, tokens, tokenCutoff, keys, keyCutoff);
        }
    }

    private static async Task<long> DeleteInBatchesAsync(Func<int, Task<int>> deleteBatch, int batchSize)
    {
        long total = 0;
        int deleted;
        do
        {
            deleted = await deleteBatch(batchSize);
            total += deleted;
        }
        while (deleted == batchSize);

        return total;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Tokens} access tokens expired before {TokenCutoff:O} and {Keys} API keys revoked before {KeyCutoff:O}")]
        public static partial void Purged(ILogger logger, long tokens, DateTime tokenCutoff, long keys, DateTime keyCutoff);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Token purge failed, retrying at the next interval ({ExceptionType}: {Reason})")]
        public static partial void Failed(ILogger logger, string exceptionType, string reason);
    }
}
