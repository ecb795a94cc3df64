namespace Gateway.SampleApi.Apis;

/// <summary>The sample API's fail-on-demand switch (see <c>PUT /chaos</c>), one per process.</summary>
internal sealed class Chaos
{
    private volatile bool _healthy = true;

    public bool Healthy
    {
        get => _healthy;
        set => _healthy = value;
    }
}
