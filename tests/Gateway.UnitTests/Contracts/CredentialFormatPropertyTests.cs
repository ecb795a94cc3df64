using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Gateway.Contracts.Credentials;
using Gateway.Contracts.Invalidation;
using Gateway.Proxy.Authentication;

namespace Gateway.UnitTests.Contracts;

/// <summary>
/// Generated properties of the credential contract both services use: the shape the proxy checks
/// before any lookup, the hash both sides key credentials by, the invalidation messages naming that
/// hash, and the Bearer header.
/// </summary>
public sealed partial class CredentialFormatPropertyTests
{
    private const string Base64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    [GeneratedRegex("^(gw_at_|gw_key_)[A-Za-z0-9_-]{43}$")]
    private static partial Regex IssuedShape();

    /// <summary>Near misses of the issued shape: real ones, one character changed, inserted or removed, and noise.</summary>
    private static readonly Gen<string> Candidates = Gen.Frequency<string>(
        (2, Gen.OneOf<string>("gw_at_", "gw_key_").SelectMany(p => Gen.Char[Base64Url].Array[43, 43].Select(r => p + new string(r)))),
        (3, Gen.Select(
                Gen.OneOf<string>("gw_at_", "gw_key_", "gw_at", "GW_AT_", "gw_key", "gw_at__", ""),
                Gen.Char[Base64Url].Array[40, 46],
                Gen.Int[0, 45],
                Gen.Char['\0', '\uffff'])
            .Select((prefix, rest, at, c) =>
            {
                var text = new string(rest);
                return prefix + (at < text.Length ? text[..at] + c + text[(at + 1)..] : text);
            })),
        (1, Gen.Char['\0', '\uffff'].Array[0, 300].Select(a => new string(a))));

    [Fact]
    public void Classify_ExactlyTheIssuedShape()
    {
        Candidates.Sample(candidate =>
        {
            var type = CredentialFormat.Classify(candidate);
            Assert.Equal(IssuedShape().IsMatch(candidate), type != CredentialType.Unknown);
            if (type != CredentialType.Unknown)
            {
                Assert.Equal(candidate.StartsWith("gw_at_", StringComparison.Ordinal) ? CredentialType.AccessToken : CredentialType.ApiKey, type);
            }
        }, iter: 5_000);
    }

    [Fact]
    public void Hash_AnyStringUpToTheLimit_IsTheSha256OfItsUtf8_AsTheCacheKeyAndTheInvalidationName()
    {
        Gen.Char['\0', '\uffff'].Array[0, CredentialFormat.MaxLength].Select(a => new string(a)).Sample(credential =>
        {
            var expected = SHA256.HashData(Encoding.UTF8.GetBytes(credential));
            var hash = new byte[CredentialFormat.HashLength];
            CredentialFormat.Hash(credential, hash);
            Assert.Equal(expected, hash);

            // What the auth service publishes for it is what the proxy's cache is keyed by.
            var message = AuthInvalidations.Parse(AuthInvalidations.Message(7, AuthInvalidations.ForCredential(hash)));
            Assert.Equal(7, message.Sequence);
            Assert.Equal(InvalidationTarget.Credential, message.Target);
            Assert.Equal(CredentialKey.From(credential), CredentialKey.FromHash(message.CredentialHash));
            // Log tag: 16 hex digits of the hash, never the credential.
            Assert.Matches("^[0-9a-f]{16}$", CredentialKey.From(credential).ToString());
        }, iter: 2_000);
    }

    [Fact]
    public void Hash_LongerThanTheLimit_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CredentialFormat.Hash(new string('a', CredentialFormat.MaxLength + 1), new byte[CredentialFormat.HashLength]));

    [Fact]
    public void Parse_AnyText_CredentialOnlyForSixtyFourHexDigits_UserOnlyForAGuid()
    {
        Gen.Select(Gen.OneOf<string>("cred:", "user:", "CRED:", "", "cred", "user"), Gen.Char["0123456789abcdefABCDEF-xyz \0"].Array[30, 68])
            .Sample((prefix, rest) =>
            {
                var text = new string(rest);
                var parsed = AuthInvalidations.Parse("1 " + prefix + text);
                var expected = prefix switch
                {
                    "cred:" when text.Length == 64 && text.All(Uri.IsHexDigit) => InvalidationTarget.Credential,
                    "user:" when Guid.TryParseExact(text, "D", out _) => InvalidationTarget.User,
                    _ => InvalidationTarget.Unknown,
                };
                Assert.Equal(expected, parsed.Target);
            }, iter: 3_000);
    }

    [Fact]
    public void ForUser_RoundTrips()
    {
        var id = Guid.CreateVersion7();
        var parsed = AuthInvalidations.Parse(AuthInvalidations.Message(42, AuthInvalidations.ForUser(id)));
        Assert.Equal(new AuthInvalidation(42, InvalidationTarget.User, null, id.ToString("D")), parsed);
    }

    [Fact]
    public void ForAll_RoundTrips() =>
        Assert.Equal(new AuthInvalidation(3, InvalidationTarget.All, null, null), AuthInvalidations.Parse(AuthInvalidations.Message(3, AuthInvalidations.ForAll())));

    [Theory]
    [InlineData("cred:00")]
    [InlineData("0 all")]
    [InlineData("-1 all")]
    [InlineData("+1 all")]
    [InlineData(" 1 all")]
    [InlineData("1all")]
    [InlineData("99999999999999999999 all")]
    public void Parse_WithoutAPositiveSequence_IsUnknownWithSequenceZero(string message)
    {
        var parsed = AuthInvalidations.Parse(message);
        Assert.Equal(InvalidationTarget.Unknown, parsed.Target);
        Assert.Equal(0, parsed.Sequence);
    }

    [Fact]
    public void Parse_UnknownBodyWithASequence_KeepsTheSequence_SoTheReceiverStaysInStep()
    {
        var parsed = AuthInvalidations.Parse("12 something-new");
        Assert.Equal(InvalidationTarget.Unknown, parsed.Target);
        Assert.Equal(12, parsed.Sequence);
    }

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer  abc ", "abc")]
    [InlineData("BEARER\u0020x", "x")]
    [InlineData("Bearer ", null)]
    [InlineData("Bearer    ", null)]
    [InlineData("Basic abc", null)]
    [InlineData("Bearerabc", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void BearerHeader_ReadsTheTokenOfTheBearerScheme(string? header, string? token)
    {
        var parsed = BearerHeader.TryParse(header, out var value);
        Assert.Equal(token is not null, parsed);
        Assert.Equal(token ?? string.Empty, value.ToString());
    }
}
