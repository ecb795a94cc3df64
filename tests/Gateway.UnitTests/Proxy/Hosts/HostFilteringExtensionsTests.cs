using Gateway.Proxy.Hosts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.UnitTests.Proxy.Hosts;

/// <summary>
/// Host filtering moved inside the gateway's error handling. Relies on the name of an ASP.NET
/// internal type (<see cref="HostFilteringExtensions.FrameworkStartupFilter"/>): this fails when an
/// upgrade renames it.
/// </summary>
public sealed class HostFilteringExtensionsTests
{
    [Fact]
    public void AddGatewayHostFiltering_WebApplicationBuilder_FrameworkStartupFilterRemoved_AllowedHostsStillFromConfiguration()
    {
        var builder = WebApplication.CreateBuilder();
        Assert.Contains(builder.Services, d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType?.FullName == HostFilteringExtensions.FrameworkStartupFilter);
        builder.Configuration["AllowedHosts"] = "gateway.example;localhost";

        builder.AddGatewayHostFiltering();

        Assert.DoesNotContain(builder.Services, d => d.ServiceType == typeof(IStartupFilter) && d.ImplementationType?.FullName == HostFilteringExtensions.FrameworkStartupFilter);
        using var services = builder.Services.BuildServiceProvider();
        var options = services.GetRequiredService<IOptions<HostFilteringOptions>>().Value;
        Assert.Equal(["gateway.example", "localhost"], options.AllowedHosts);
        Assert.False(options.IncludeFailureMessage);
    }
}
