using System.Text.Json;
using System.Text.RegularExpressions;
using CsCheck;
using Gateway.Contracts.Configuration;

namespace Gateway.UnitTests.Contracts;

/// <summary>
/// The <c>plans</c> section of a configuration document, as the auth service stores it and the
/// proxy reads it: limits within the contract's ranges, or an error naming the field.
/// </summary>
public sealed class ConfigPlansTests
{
    [Fact]
    public void Read_NoPlansSection_NoPlans()
    {
        Assert.Empty(Read("""{"routes":{},"clusters":{}}"""));
    }

    [Fact]
    public void Read_Plans_ByName_MemberNamesIgnoringCase_WindowDefaultsToSixtySeconds()
    {
        var plans = Read("""
            {"routes":{},"Plans":{
                "free":{"requestsPerWindow":60},
                "pro-2":{"RequestsPerWindow":1000,"WINDOWSECONDS":30},
                "max_":{"requestsPerWindow":2147483647,"windowSeconds":86400}}}
            """);

        Assert.Equal(3, plans.Count);
        Assert.Equal(new PlanLimits(60, 60), plans["free"]);
        Assert.Equal(new PlanLimits(1000, 30), plans["pro-2"]);
        Assert.Equal(new PlanLimits(int.MaxValue, 86_400), plans["max_"]);
    }

    [Theory]
    [InlineData("""[]""", "document: must be a JSON object")]
    [InlineData("""{"plans":[]}""", "plans: must be an object of plans by name")]
    [InlineData("""{"plans":{},"PLANS":{}}""", "plans: is given more than once (member names are compared ignoring case)")]
    [InlineData("""{"plans":{"free":5}}""", "plans.free: must be an object with requestsPerWindow and optionally windowSeconds")]
    [InlineData("""{"plans":{"free":{}}}""", "plans.free.requestsPerWindow: is required")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":0}}}""", "plans.free.requestsPerWindow: must be between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":-5}}}""", "plans.free.requestsPerWindow: must be between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":2147483648}}}""", "plans.free.requestsPerWindow: must be between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":123456789012345678901234567890}}}""", "plans.free.requestsPerWindow: must be between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":"60"}}}""", "plans.free.requestsPerWindow: must be a whole number between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":null}}}""", "plans.free.requestsPerWindow: must be a whole number between 1 and 2147483647")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":1.5}}}""", "plans.free.requestsPerWindow: must be a whole number between 1 and 2147483647 (no fraction or exponent)")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":6e1}}}""", "plans.free.requestsPerWindow: must be a whole number between 1 and 2147483647 (no fraction or exponent)")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":60,"RequestsPerWindow":61}}}""", "plans.free.requestsPerWindow: is given more than once (member names are compared ignoring case)")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":60,"windowSeconds":0}}}""", "plans.free.windowSeconds: must be between 1 and 86400")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":60,"windowSeconds":86401}}}""", "plans.free.windowSeconds: must be between 1 and 86400")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":60,"windowSecond":30}}}""", "plans.free[\"windowSecond\"]: unknown field (a plan has requestsPerWindow and windowSeconds)")]
    [InlineData("""{"plans":{"Free":{"requestsPerWindow":60}}}""", "plans[\"Free\"]: a plan name must be 1-32 of lower-case letters, digits, '_' and '-'")]
    [InlineData("""{"plans":{"":{"requestsPerWindow":60}}}""", "plans[\"\"]: a plan name must be 1-32 of lower-case letters, digits, '_' and '-'")]
    [InlineData("""{"plans":{"a.b":{"requestsPerWindow":60}}}""", "plans[\"a.b\"]: a plan name must be 1-32 of lower-case letters, digits, '_' and '-'")]
    [InlineData("""{"plans":{"free":{"requestsPerWindow":60},"free":{"requestsPerWindow":61}}}""", "plans.free: is given more than once")]
    public void Read_Malformed_FormatExceptionNamingTheField(string document, string expected)
    {
        var error = Assert.Throws<ConfigFormatException>(() => Read(document));

        Assert.IsAssignableFrom<FormatException>(error);
        Assert.Equal(expected, error.Message);
        Assert.Equal(error.Message, $"{error.Field}: {error.Problem}");
    }

    [Fact]
    public void Read_LongBadName_QuotedShortened()
    {
        var name = new string('X', 500);

        var error = Assert.Throws<ConfigFormatException>(() => Read("{\"plans\":{\"" + name + "\":{\"requestsPerWindow\":60}}}"));

        Assert.StartsWith($"plans[\"{new string('X', 40)}...\"]: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithPlans_ReplacesTheSectionInAnyCase_KeepsEveryOtherMember_ReadsBack()
    {
        var document = ConfigPlans.WithPlans(
            """{"routes":{"r":{"ClusterId":"c"}},"Plans":{"old":{"requestsPerWindow":1}},"clusters":{"c":{}}}""",
            [KeyValuePair.Create("pro", new PlanLimits(1000, 60)), KeyValuePair.Create("free", new PlanLimits(60, 30))]);

        using var parsed = JsonDocument.Parse(document);
        Assert.Equal(["routes", "clusters", "plans"], parsed.RootElement.EnumerateObject().Select(member => member.Name));
        Assert.Equal("c", parsed.RootElement.GetProperty("routes").GetProperty("r").GetProperty("ClusterId").GetString());
        // Ordered by name, in the member names the contract spells.
        Assert.Equal(
            """{"free":{"requestsPerWindow":60,"windowSeconds":30},"pro":{"requestsPerWindow":1000,"windowSeconds":60}}""",
            parsed.RootElement.GetProperty("plans").GetRawText());
        Assert.Equal(new PlanLimits(60, 30), ConfigPlans.Read(parsed.RootElement)["free"]);
    }

    [Theory]
    [InlineData("Free", 1, 60)]
    [InlineData("free", 0, 60)]
    [InlineData("free", 1, 86_401)]
    public void WithPlans_APlanTheReaderWouldRefuse_ArgumentException(string name, int requests, int window)
    {
        Assert.Throws<ArgumentException>(() => ConfigPlans.WithPlans("{}", [KeyValuePair.Create(name, new PlanLimits(requests, window))]));
    }

    [Fact]
    public void HasSection_InAnyCase()
    {
        using var with = JsonDocument.Parse("""{"PLANS":{}}""");
        using var without = JsonDocument.Parse("""{"plansx":{}}""");

        Assert.True(ConfigPlans.HasSection(with.RootElement));
        Assert.False(ConfigPlans.HasSection(without.RootElement));
    }

    [Fact]
    public void PlanNames_IsValid_IsExactlyThePattern_ThePlansTableChecks()
    {
        var pattern = new Regex(PlanNames.Pattern, RegexOptions.CultureInvariant);
        Gen.Frequency<string>(
            (3, Gen.Char["az09_-A.Z \n"].Array[0, 40].Select(a => new string(a))),
            (1, Gen.Char['\0', '\uffff'].Array[0, 40].Select(a => new string(a))),
            (1, Gen.Int[30, 34].Select(n => new string('a', n))))
            // A whole-string match, as [RegularExpression] and PostgreSQL's ~ with ^...$ take it
            // (.NET's $ alone would also match before a final newline).
            .Sample(name => Assert.Equal(pattern.Match(name) is { Success: true } m && m.Length == name.Length, PlanNames.IsValid(name)), iter: 10_000);
    }

    private static IReadOnlyDictionary<string, PlanLimits> Read(string document)
    {
        using var parsed = JsonDocument.Parse(document);
        return ConfigPlans.Read(parsed.RootElement);
    }
}
