using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using Gateway.EndToEndTests.Infrastructure;

namespace Gateway.EndToEndTests.Protocols;

/// <summary>
/// A streamed response reaches the client as it is written: the sample API writes one event, then
/// holds the response open until the test releases it, so the first event can only arrive before
/// the release if nothing on the way (the gateway's middleware, YARP, compression) buffered it.
/// </summary>
[Collection(GatewayAppCollection.Name)]
public sealed class ServerSentEventsTests(GatewayAppFixture fixture) : ProxyTestBase(fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task HeldStream_FirstEventArrivesWhileTheBackendHoldsTheResponse_ThenTheRestAfterRelease()
    {
        var (_, _, login) = await AuthClients.NewLoggedInUserAsync();
        foreach (var replica in Replicas.Clients)
        {
            var id = Guid.NewGuid();
            using var request = ProxyReplicas.Get($"/api/sse?id={id}", login.AccessToken);
            // Asked for, and must not be given: compressing would buffer the events.
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await replica.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(Timeout);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            // TypedResults.ServerSentEvents says "identity" itself, so that compression stays off.
            Assert.All(response.Content.Headers.ContentEncoding, encoding => Assert.Equal("identity", encoding));

            await using var body = await response.Content.ReadAsStreamAsync();
            await using var events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout), "no first event while the backend held the stream");
            Assert.Equal("held", events.Current.Data);

            using (var release = await replica.SendAsync(Post($"/api/sse/{id}/release", login.AccessToken)).WaitAsync(Timeout))
            {
                Assert.Equal(HttpStatusCode.NoContent, release.StatusCode);
            }

            Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
            Assert.Equal("released", events.Current.Data);
            Assert.False(await events.MoveNextAsync().AsTask().WaitAsync(Timeout));
        }
    }

    private static HttpRequestMessage Post(string path, string bearer)
    {
        var request = ProxyReplicas.Get(path, bearer);
        request.Method = HttpMethod.Post;
        return request;
    }
}
