using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Gateway.Auth.Security;

/// <summary>
/// A <c>users.password_hash</c> value, <c>algorithm$iterations$salt$hash</c> (salt and hash in
/// base64): the parameters travel with each hash, so a cost or algorithm change leaves old hashes
/// readable and tells which ones to upgrade.
/// </summary>
internal sealed class StoredPasswordHash(string algorithm, int iterations, byte[] salt, byte[] hash)
{
    public string Algorithm { get; } = algorithm;

    public int Iterations { get; } = iterations;

    public byte[] Salt { get; } = salt;

    public byte[] Hash { get; } = hash;

    public static bool TryParse(string value, [NotNullWhen(true)] out StoredPasswordHash? parsed)
    {
        parsed = null;
        var parts = value.Split('$');
        if (parts.Length != 4 || parts[0].Length == 0
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations <= 0
            || !TryBase64(parts[2], out var salt) || !TryBase64(parts[3], out var hash))
        {
            return false;
        }

        parsed = new StoredPasswordHash(parts[0], iterations, salt, hash);
        return true;
    }

    public override string ToString() => string.Join(
        '$', Algorithm, Iterations.ToString(CultureInfo.InvariantCulture), Convert.ToBase64String(Salt), Convert.ToBase64String(Hash));

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[text.Length * 3 / 4];
        if (text.Length == 0 || !Convert.TryFromBase64String(text, bytes, out var written))
        {
            return false;
        }

        bytes = bytes[..written];
        return true;
    }
}
