extern alias authservice;

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using Gateway.Proxy.Authentication;
using AuthCredentials = authservice::Gateway.Auth.Security.Credentials;
using AuthCredentialType = authservice::Gateway.Auth.Security.CredentialType;

namespace Gateway.Tests.Unit.Proxy.Authentication;

/// <summary>Generated properties of the proxy's credential pre-check and cache key.</summary>
public sealed partial class CredentialPropertyTests
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
    public void IsPlausible_ExactlyTheIssuedShape_AndAgreesWithTheAuthService()
    {
        Candidates.Sample(candidate =>
        {
            var plausible = CredentialShape.IsPlausible(candidate);
            Assert.Equal(IssuedShape().IsMatch(candidate), plausible);
            // The proxy rejects locally exactly what the auth service could never have issued.
            Assert.Equal(plausible, AuthCredentials.Classify(candidate) != AuthCredentialType.Unknown);
        }, iter: 5_000);
    }

    [Fact]
    public void From_AnyStringUpToTheLimit_IsTheSha256OfItsUtf8_AndNeverThrows()
    {
        Gen.Char['\0', '\uffff'].Array[0, CredentialKey.MaxCredentialLength].Select(a => new string(a)).Sample(credential =>
        {
            var key = CredentialKey.From(credential);
            Assert.Equal(CredentialKey.FromHash(SHA256.HashData(Encoding.UTF8.GetBytes(credential))), key);
            Assert.True(CredentialKey.TryParseHex(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(credential))), out var parsed));
            Assert.Equal(key, parsed);
            // Log tag: 16 hex digits of the hash, never the credential.
            Assert.Matches("^[0-9a-f]{16}$", key.ToString());
        }, iter: 2_000);
    }

    [Fact]
    public void TryParseHex_AnyText_FalseUnlessSixtyFourHexDigits()
    {
        Gen.Char["0123456789abcdefABCDEFxyz \0"].Array[60, 68].Select(a => new string(a)).Sample(text =>
        {
            var expected = text.Length == 64 && text.All(Uri.IsHexDigit);
            Assert.Equal(expected, CredentialKey.TryParseHex(text, out _));
        }, iter: 2_000);
    }
}
