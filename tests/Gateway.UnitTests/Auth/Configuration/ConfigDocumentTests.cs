using Gateway.Auth.Configuration;
using Gateway.Contracts.Configuration;
using Grpc.Core;

namespace Gateway.UnitTests.Auth.Configuration;

/// <summary>
/// What the auth service refuses before it stores a configuration document: INVALID_ARGUMENT
/// naming the field, for anything it could not store or that would read differently elsewhere.
/// </summary>
public sealed class ConfigDocumentTests
{
    [Theory]
    [InlineData("", "document: is required")]
    [InlineData("{", "document: not valid JSON")]
    [InlineData("""{"routes":{}} {}""", "document: not valid JSON")]
    [InlineData("""[{"routes":{}}]""", "document: must be a JSON object")]
    [InlineData("\"text\"", "document: must be a JSON object")]
    [InlineData("""{"routes":{},"routes":{}}""", "document: not valid JSON: Duplicate property 'routes'")]
    [InlineData("""{"routes":{"a":"x\u0000y"}}""", "document: strings must not contain \\u0000")]
    [InlineData("""{"routes":{"x\u0000":1}}""", "document: strings must not contain \\u0000")]
    [InlineData("""{"routes":["\uD800"]}""", "document: strings must not contain half a surrogate pair")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":0}}}""", "plans.free.requestsPerWindow: must be between 1 and 2147483647")]
    public void Validate_Refused_InvalidArgumentNamingTheField(string document, string expectedStart)
    {
        var error = Assert.Throws<RpcException>(() => ConfigDocument.Validate(document, plansAllowed: true));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(expectedStart, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EscapesThatAreFine_Accepted()
    {
        Assert.Empty(ConfigDocument.Validate("""{"a":"\\u0000 is text here","b":"\u00e9\uD83D\uDE00","c":"\u0001"}""", plansAllowed: true));
    }

    [Fact]
    public void Validate_OverTheLimitInUtf8Bytes_Refused_AtTheLimit_Accepted()
    {
        // "é" is two UTF-8 bytes: a document of fewer characters than the limit can be over it.
        var overhead = """{"a":""}""".Length;
        var atLimit = $$"""{"a":"{{new string('x', ConfigChanges.MaxDocumentBytes - overhead)}}"}""";
        var overInBytes = $$"""{"a":"{{new string('é', ((ConfigChanges.MaxDocumentBytes - overhead) / 2) + 1)}}"}""";

        ConfigDocument.Validate(atLimit, plansAllowed: true);
        var error = Assert.Throws<RpcException>(() => ConfigDocument.Validate(overInBytes, plansAllowed: true));
        Assert.True(overInBytes.Length < ConfigChanges.MaxDocumentBytes);
        Assert.Equal($"document: must be at most {ConfigChanges.MaxDocumentBytes} bytes (UTF-8)", error.Status.Detail);
    }

    [Fact]
    public void Validate_Bootstrap_PlansSectionInAnyCase_Refused()
    {
        var error = Assert.Throws<RpcException>(() => ConfigDocument.Validate("""{"routes":{},"Plans":{}}""", plansAllowed: false));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("plans: must be left out", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReturnsThePlans()
    {
        var plans = ConfigDocument.Validate("""{"routes":{},"plans":{"gold":{"requestsPerWindow":5,"windowSeconds":10}}}""", plansAllowed: true);

        Assert.Equal(new PlanLimits(5, 10), Assert.Single(plans).Value);
    }
}
