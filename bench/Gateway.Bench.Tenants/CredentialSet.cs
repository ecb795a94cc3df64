using System.Globalization;

namespace Gateway.Bench.Tenants;

/// <summary>
/// The credentials of <c>credentials.csv</c>, index = popularity rank − 1, with what each request
/// needs precomputed: the header it goes in (<c>Authorization: Bearer</c> for access tokens,
/// <c>X-Api-Key</c> for API keys, as the proxy reads them) and its plan's limit.
/// </summary>
internal sealed class CredentialSet
{
    private CredentialSet(string[] kinds, string[] headerNames, string[] headerValues, string[] plans, int[] limits, int[] windowSeconds)
    {
        Kinds = kinds;
        HeaderNames = headerNames;
        HeaderValues = headerValues;
        Plans = plans;
        Limits = limits;
        WindowSeconds = windowSeconds;
    }

    public int Count => HeaderValues.Length;

    public string[] Kinds { get; }

    public string[] HeaderNames { get; }

    public string[] HeaderValues { get; }

    public string[] Plans { get; }

    /// <summary>Requests per window of each key's plan.</summary>
    public int[] Limits { get; }

    public int[] WindowSeconds { get; }

    public static CredentialSet Load(string path, int? take)
    {
        var kinds = new List<string>();
        var names = new List<string>();
        var values = new List<string>();
        var plans = new List<string>();
        var limits = new List<int>();
        var windows = new List<int>();
        using var reader = new StreamReader(path);
        if (reader.ReadLine() != Seeder.CredentialsHeader)
        {
            throw new InvalidDataException($"{path} is not a credentials file of `seed` (header '{Seeder.CredentialsHeader}')");
        }

        while (reader.ReadLine() is { } line && (take is null || values.Count < take))
        {
            var f = line.Split(',');
            if (f.Length != 6)
            {
                throw new InvalidDataException($"{path}: malformed line {values.Count + 2}");
            }

            kinds.Add(f[0]);
            (string name, string value) header = f[0] switch
            {
                "access_token" => ("Authorization", "Bearer " + f[1]),
                "api_key" => ("X-Api-Key", f[1]),
                _ => throw new InvalidDataException($"{path}: unknown credential kind '{f[0]}'"),
            };
            names.Add(header.name);
            values.Add(header.value);
            plans.Add(f[3]);
            limits.Add(int.Parse(f[4], NumberStyles.None, CultureInfo.InvariantCulture));
            windows.Add(int.Parse(f[5], NumberStyles.None, CultureInfo.InvariantCulture));
        }

        if (values.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no credential");
        }

        return new CredentialSet([.. kinds], [.. names], [.. values], [.. plans], [.. limits], [.. windows]);
    }
}
