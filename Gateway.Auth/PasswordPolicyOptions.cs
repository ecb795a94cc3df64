using System.ComponentModel.DataAnnotations;

namespace Gateway.Auth;

/// <summary>
/// Settings of the <c>Auth:Passwords</c> section: what a new password must be. Checked wherever a
/// password is set (registration, the demo users); a login checks only the maximum, so passwords
/// stored under an older, shorter minimum keep working.
/// </summary>
/// <remarks>Lengths count Unicode code points, so an emoji is one character, not two UTF-16 units.</remarks>
internal sealed class PasswordPolicyOptions : IValidatableObject
{
    public const string SectionName = "Auth:Passwords";

    /// <summary>The floor of <see cref="MinLength"/>: configuration may raise the minimum, never lower it below this.</summary>
    public const int LowestMinLength = 12;

    /// <summary>The ceiling of <see cref="MaxLength"/>: a bound on what one request makes the service hash.</summary>
    public const int HighestMaxLength = 1024;

    /// <summary>
    /// Shortest new password. 12 is OWASP ASVS 4.0's minimum (2.1.1); NIST SP 800-63B-4 asks 15
    /// for a password that is the only factor, as here: deployments that follow it raise this.
    /// </summary>
    [Range(LowestMinLength, HighestMaxLength)]
    public int MinLength { get; set; } = LowestMinLength;

    /// <summary>
    /// Longest password, new or presented at login. Passphrases must fit (NIST: allow at least 64);
    /// the bound keeps request handling small (PBKDF2 itself pre-hashes a long key once).
    /// </summary>
    [Range(64, HighestMaxLength)]
    public int MaxLength { get; set; } = 128;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MinLength > MaxLength)
        {
            yield return new ValidationResult(
                $"{SectionName}:MinLength ({MinLength}) must not exceed {SectionName}:MaxLength ({MaxLength}).",
                [nameof(MinLength), nameof(MaxLength)]);
        }
    }
}
