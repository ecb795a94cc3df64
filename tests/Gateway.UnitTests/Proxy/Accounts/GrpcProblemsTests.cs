using System.Text.Json;
using Gateway.Proxy.Accounts;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.UnitTests.Proxy.Accounts;

public sealed class GrpcProblemsTests
{
    public static TheoryData<StatusCode, int> Mapping() => new()
    {
        { StatusCode.InvalidArgument, 400 },
        { StatusCode.OutOfRange, 400 },
        { StatusCode.Unauthenticated, 401 },
        { StatusCode.PermissionDenied, 403 },
        { StatusCode.NotFound, 404 },
        { StatusCode.AlreadyExists, 409 },
        { StatusCode.FailedPrecondition, 409 },
        { StatusCode.ResourceExhausted, 429 },
        { StatusCode.Unavailable, 503 },
        { StatusCode.DeadlineExceeded, 503 },
        { StatusCode.Cancelled, 503 },
        { StatusCode.Internal, 502 },
        { StatusCode.Unknown, 502 },
        { StatusCode.Unimplemented, 502 },
        { StatusCode.DataLoss, 502 },
    };

    [Theory]
    [MemberData(nameof(Mapping))]
    public async Task ToProblem_EachStatus_DocumentedHttpStatusAndProblemBody(StatusCode code, int expectedStatus)
    {
        var trailers = new Metadata { { GrpcProblems.RetryAfterTrailer, "42" } };
        var exception = new RpcException(new Status(code, "field: secret-free detail"), trailers);
        var context = NewContext();

        await GrpcProblems.ToProblem(exception, context).ExecuteAsync(context);

        Assert.Equal(expectedStatus, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        using var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal(expectedStatus, problem.RootElement.GetProperty("status").GetInt32());
        var detail = problem.RootElement.GetProperty("detail").GetString();
        if (expectedStatus == 502)
        {
            Assert.Equal("The identity service failed to answer.", detail);
        }
        else if (expectedStatus == 503)
        {
            Assert.Equal(GrpcProblems.UnavailableDetail, detail);
        }
        else
        {
            Assert.Equal("field: secret-free detail", detail);
        }

        switch (expectedStatus)
        {
            case 401:
                Assert.Equal("Bearer", context.Response.Headers.WWWAuthenticate.ToString());
                break;
            case 429:
                Assert.Equal("42", context.Response.Headers.RetryAfter.ToString());
                break;
            case 503:
                Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
                break;
        }
    }

    private static DefaultHttpContext NewContext()
    {
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        return new DefaultHttpContext { RequestServices = services, Response = { Body = new MemoryStream() } };
    }
}
