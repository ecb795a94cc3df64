using System.Text;
using CsCheck;
using Gateway.Auth;
using Gateway.Contracts.Configuration;
using Grpc.Core;
using RequestValidation = Gateway.Auth.Grpc.RequestValidation;

namespace Gateway.UnitTests.Auth.Grpc;

/// <summary>
/// Generated properties of the auth service's field validation: it accepts only what the contract
/// allows, refuses everything else with INVALID_ARGUMENT naming the field, and never echoes a value.
/// </summary>
public sealed class RequestValidationPropertyTests
{
    private static readonly Gen<string> Values = Gen.Frequency<string>(
        (3, Gen.Char['\0', '\uffff'].Array[0, 40].Select(a => new string(a))),
        (3, Gen.Char["abcXYZ019._-"].Array[0, 70].Select(a => new string(a))),
        (1, Gen.Char[' ', '~'].Array[0, 140].Select(a => new string(a))),
        (1, Gen.Int[0, 400].Select(n => new string('v', n))));

    private static readonly PasswordPolicyOptions Policy = new();

    private static readonly (string Field, Func<string, object> Validate)[] Validators =
    [
        ("user_name", v => RequestValidation.NewUserName(v)),
        ("password", v => RequestValidation.NewPassword(v, Policy)),
        ("user_name", v => RequestValidation.ExistingUserName(v)),
        ("password", v => RequestValidation.ExistingPassword(v, Policy.MaxLength)),
        ("credential", v => RequestValidation.Credential(v, "credential")),
        ("name", v => RequestValidation.KeyName(v)),
        ("client_address", v => RequestValidation.ClientAddress(v)),
        ("plan", v => RequestValidation.Plan(v)),
        ("key_id", v => RequestValidation.Id(v, "key_id")),
        ("summary", v => RequestValidation.BoundedText(v, ConfigChanges.MaxSummaryLength, "summary", required: false)),
        ("source", v => RequestValidation.BoundedText(v, 128, "source", required: true)),
    ];

    [Fact]
    public void EveryValidator_AcceptsOrInvalidArgumentNamingTheField_NeverEchoesTheValue()
    {
        Gen.Select(Gen.Int[0, Validators.Length - 1], Values).Sample((index, value) =>
        {
            var (field, validate) = Validators[index];
            try
            {
                validate(value);
            }
            catch (RpcException ex)
            {
                Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
                Assert.StartsWith(field + ": ", ex.Status.Detail, StringComparison.Ordinal);
                if (value.Length >= 4)
                {
                    Assert.DoesNotContain(value, ex.Status.Detail, StringComparison.Ordinal);
                }
            }
        }, iter: 10_000);
    }

    [Fact]
    public void AcceptedText_HasNoControlCharactersNoReplacementCharacterAndIsWithinLimits()
    {
        Values.Sample(value =>
        {
            if (Accepts(() => RequestValidation.NewUserName(value)))
            {
                Assert.InRange(value.Length, RequestValidation.MinUserNameLength, RequestValidation.MaxUserNameLength);
                Assert.All(value, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
            }

            if (Accepts(() => RequestValidation.NewPassword(value, Policy)))
            {
                Assert.InRange(value.EnumerateRunes().Count(), Policy.MinLength, Policy.MaxLength);
                AssertCleanText(value);
            }

            if (Accepts(() => RequestValidation.Credential(value, "credential")))
            {
                Assert.InRange(value.Length, 1, 256);
                AssertCleanText(value);
            }

            if (Accepts(() => RequestValidation.BoundedText(value, ConfigChanges.MaxSummaryLength, "summary", required: false)))
            {
                Assert.InRange(value.Length, 0, ConfigChanges.MaxSummaryLength);
                AssertCleanText(value);
            }
        }, iter: 10_000);
    }

    private static void AssertCleanText(string value)
    {
        foreach (var rune in value.EnumerateRunes())
        {
            Assert.False(Rune.IsControl(rune), "control character accepted");
            Assert.NotEqual(Rune.ReplacementChar, rune);
        }

        // Round-trips through UTF-8 unchanged (no lone surrogate slipped through).
        Assert.Equal(value, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(value)));
    }

    private static bool Accepts(Action validate)
    {
        try
        {
            validate();
            return true;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
