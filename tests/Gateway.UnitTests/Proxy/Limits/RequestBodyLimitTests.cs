using CsCheck;
using Gateway.Proxy.Accounts;
using Gateway.Proxy.Limits;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace Gateway.UnitTests.Proxy.Limits;

public sealed class RequestBodyLimitTests
{
    [Fact]
    public void LimitFor_EndpointMetadataThenYarpRouteThenServerDefault()
    {
        const long serverDefault = 10 * 1024 * 1024;
        Assert.Equal(serverDefault, RequestBodyLimitMiddleware.LimitFor(null, serverDefault));
        Assert.Equal(16_384, RequestBodyLimitMiddleware.LimitFor(Endpoint(new RequestBodySizeLimit(16_384)), serverDefault));
        Assert.Equal(1_000, RequestBodyLimitMiddleware.LimitFor(Endpoint(Route(1_000)), serverDefault));
        Assert.Null(RequestBodyLimitMiddleware.LimitFor(Endpoint(Route(-1)), serverDefault));
        Assert.Equal(serverDefault, RequestBodyLimitMiddleware.LimitFor(Endpoint(Route(null)), serverDefault));
    }

    [Fact]
    public void BearerToken_AnyAuthorizationHeader_NullOrATrimmedTokenOfAtMost256Characters()
    {
        Gen.Select(Gen.OneOf<string>("Bearer ", "bearer ", "BEARER\t", "Basic ", "", "Bearer"), Gen.Char['\0', '\uffff'].Array[0, 300])
            .Sample((scheme, rest) =>
            {
                var context = new DefaultHttpContext();
                var header = scheme + new string(rest);
                context.Request.Headers.Authorization = header;
                var token = AccountsApi.BearerToken(context);
                if (token is not null)
                {
                    Assert.InRange(token.Length, 1, 256);
                    Assert.Equal(token.Trim(), token);
                    // The header's start, not the generated scheme: "Bearer" + " ..." is a bearer header too.
                    Assert.StartsWith("Bearer ", header, StringComparison.OrdinalIgnoreCase);
                }
            }, iter: 5_000);
    }

    private static Endpoint Endpoint(object metadata) => new(_ => Task.CompletedTask, new EndpointMetadataCollection(metadata), "test");

    private static RouteModel Route(long? maxRequestBodySize) =>
        new(new RouteConfig { RouteId = "r", MaxRequestBodySize = maxRequestBodySize }, cluster: null, HttpTransformer.Default);
}
