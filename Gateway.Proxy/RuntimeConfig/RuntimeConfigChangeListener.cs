using System.Globalization;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>
/// Hears from YARP whether it could apply a version: should YARP refuse one that passed the same
/// validators here (it should not), the replica goes back to the previous version and reports the
/// refusal.
/// </summary>
internal sealed partial class RuntimeConfigChangeListener(RuntimeConfigState state, ILogger<RuntimeConfigChangeListener> logger) : IConfigChangeListener
{
    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
        var version = Version(proxyConfigs);
        Log.ApplyFailed(logger, version ?? -1, exception);
        if (version is { } failed && state.Current?.Version == failed && state.Previous is { } previous)
        {
            state.Reject(failed, "YARP refused it: " + (exception.InnerException?.Message ?? exception.Message));
            state.Apply(previous);
        }
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception) => Log.LoadFailed(logger, exception);

    private static long? Version(IReadOnlyList<IProxyConfig> configs) =>
        configs.Count == 1 && long.TryParse(configs[0].RevisionId, NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "YARP could not apply configuration version {Version}; going back to the previous one.")]
        public static partial void ApplyFailed(ILogger logger, long version, Exception exception);

        [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "YARP could not load the configuration.")]
        public static partial void LoadFailed(ILogger logger, Exception exception);
    }
}
