using Yarp.ReverseProxy.Configuration;

namespace Gateway.Proxy.RuntimeConfig;

/// <summary>YARP's only configuration provider: the version this replica serves (<see cref="RuntimeConfigState"/>).</summary>
internal sealed class RuntimeProxyConfigProvider(RuntimeConfigSync sync, RuntimeConfigState state) : IProxyConfigProvider
{
    public IProxyConfig GetConfig()
    {
        sync.EnsureLoaded();
        return state.ProxyConfig();
    }
}
