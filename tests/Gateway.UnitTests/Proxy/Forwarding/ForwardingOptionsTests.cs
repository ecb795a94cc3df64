using System.ComponentModel.DataAnnotations;
using Gateway.Proxy.Forwarding;

namespace Gateway.UnitTests.Proxy.Forwarding;

/// <summary>The strip list: safe by default, extended or narrowed only by name.</summary>
public sealed class ForwardingOptionsTests
{
    private static readonly string[] MustStrip =
    [
        "True-Client-IP", "CF-Connecting-IP", "X-Original-URL", "X-Rewrite-URL",
        "X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override",
    ];

    [Fact]
    public void EffectiveStripHeaders_Defaults_IncludeEveryRequiredHeader_InAnySpelling()
    {
        var names = new ForwardingOptions().EffectiveStripHeaders();

        foreach (var name in MustStrip)
        {
            Assert.Contains(name, names);
            Assert.Contains(name.ToLowerInvariant(), names);
            Assert.Contains(name.Replace('-', '_').ToUpperInvariant(), names);
        }

        Assert.DoesNotContain("X-Original", names);
        Assert.DoesNotContain("Accept", names);
    }

    [Fact]
    public void EffectiveStripHeaders_ForwardAndStrip_OptOutByNameAndExtend()
    {
        var options = new ForwardingOptions { ForwardHeaders = ["x_http_method_override"], StripHeaders = ["X-Internal-Debug"] };

        var names = options.EffectiveStripHeaders();

        Assert.DoesNotContain("X-HTTP-Method-Override", names);
        Assert.Contains("X-HTTP-Method", names);
        Assert.Contains("x-internal-debug", names);
    }

    [Theory]
    [InlineData("X-Fine", true)]
    [InlineData("", false)]
    [InlineData("Bad Header", false)]
    [InlineData("Bad:Header", false)]
    public void Validate_HeaderNamesOnly(string name, bool valid)
    {
        var options = new ForwardingOptions { StripHeaders = [name] };

        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }

    [Theory]
    [InlineData("X-Original-URL", "x_original_url", true)]
    [InlineData("X-Original-URL", "X-Original-UR", false)]
    [InlineData("X-A", "X_a", true)]
    public void HeaderNameComparer_CaseAndUnderscoreInsensitive_SameHash(string first, string second, bool equal)
    {
        Assert.Equal(equal, HeaderNameComparer.Instance.Equals(first, second));
        if (equal)
        {
            Assert.Equal(HeaderNameComparer.Instance.GetHashCode(first), HeaderNameComparer.Instance.GetHashCode(second));
        }
    }
}
