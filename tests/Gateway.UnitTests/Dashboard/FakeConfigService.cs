using Gateway.Auth.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.UnitTests.Dashboard;

/// <summary>
/// The auth service's <c>ConfigService</c> as the dashboard's generated client sees it, through
/// gRPC's own <see cref="CallInvoker"/> seam: answers <c>ListConfigVersions</c> from the versions
/// stored with <see cref="Store"/> (or fails with <see cref="Failure"/>) and records each request.
/// </summary>
internal sealed class FakeConfigService : CallInvoker
{
    private readonly Lock _gate = new();
    private readonly List<ListConfigVersionsRequest> _requests = [];

    /// <summary>Stored versions, any order: answered newest first, like the auth service.</summary>
    private readonly List<ConfigVersion> _stored = [];

    /// <summary>When set, every call fails with this status.</summary>
    public StatusCode? Failure { get; set; }

    public ConfigService.ConfigServiceClient Client => new(this);

    public IReadOnlyList<ListConfigVersionsRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public void Store(long version, string author = "admin", string summary = "a change", long restoredFrom = 0)
    {
        lock (_gate)
        {
            _stored.Add(new ConfigVersion
            {
                Version = version,
                Author = author,
                Summary = summary,
                RestoredFrom = restoredFrom,
                CreatedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero).AddMinutes(version)),
            });
        }
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Assert.Equal("/gateway.auth.v1.ConfigService/ListConfigVersions", method.FullName);
        Assert.NotNull(options.Deadline);
        var list = Assert.IsType<ListConfigVersionsRequest>(request);
        var response = new ListConfigVersionsResponse();
        lock (_gate)
        {
            _requests.Add(list);
            response.Versions.AddRange(_stored.OrderByDescending(v => v.Version).Take(list.Limit == 0 ? 50 : list.Limit));
        }

        return Failure is { } status
            ? Call(Task.FromException<TResponse>(new RpcException(new Status(status, "fake failure"))))
            : Call(Task.FromResult((TResponse)(object)response));
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException();

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException();

    private static AsyncUnaryCall<TResponse> Call<TResponse>(Task<TResponse> response) =>
        new(response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
}
