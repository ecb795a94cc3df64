using System.Globalization;

namespace Gateway.Bench.Tenants;

/// <summary>Options of the <c>load</c> verb; every run has a fixed duration and connection count.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        load: tenant traffic against one or more proxy replicas, a JSON summary on stdout
          --url URL              a proxy replica's base URL, loopback only (repeatable: requests take the
                                 replicas in turn)
          --credentials FILE     credentials.csv from `seed`; line order is popularity rank
          --keys N               use only the first N credentials (default all)
          --duration S           seconds of load (default 10)
          --connections N        requests in flight at most, one HTTP/1.1 keep-alive connection each (default 64)
          --rate R               open loop: R requests per second in all, on a fixed schedule, latency counted
                                 from each request's scheduled time (default: closed loop, each connection
                                 sends its next request when the last is answered)
          --client-addresses N   tenants come from N loopback addresses, 127.1.0.1 on (credential i from
                                 address i mod N; anonymous requests from any); 0: all from 127.0.0.1
                                 (default 256, at most 62500)
          --zipf S               popularity exponent: the key of rank r is chosen with weight 1 / r^S (default 1.0)
          --anonymous-share P    share of requests sent without a credential to --anonymous-path (default 0.1)
          --path PATH            the tenants' route (default /api/hello)
          --anonymous-path PATH  the anonymous route (default /public/hello)
          --grace S              after the load, how long answers in flight are waited for; those still
                                 missing are errors (default 2)
          --prime                instead of timed load: every credential once through every replica,
                                 in random order (fills the proxies' auth caches)
          --warmup-requests N    anonymous requests sent before the clock starts, to compile the request
                                 path and open the connections (default 8 per connection)
          --report-keys N        keys listed in the summary besides those over their limit (default 20)
          --random-seed N        seed of the key and replica choices (default: random)
          --keys-tsv FILE        also write the listed keys as tab-separated lines: rank, kind, plan, limit,
                                 window seconds, offered, admitted, refused (429), 503, other
          --label TEXT           name of the measurement in the progress line
        """;

    public required IReadOnlyList<Uri> Urls { get; init; }

    public required string CredentialsFile { get; init; }

    public int? Keys { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public int Connections { get; init; } = 64;

    public double? Rate { get; init; }

    public double Zipf { get; init; } = 1.0;

    public int ClientAddresses { get; init; } = 256;

    public double AnonymousShare { get; init; } = 0.1;

    public string Path { get; init; } = "/api/hello";

    public string AnonymousPath { get; init; } = "/public/hello";

    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(2);

    public bool Prime { get; init; }

    public int ReportKeys { get; init; } = 20;

    public int WarmupRequests { get; init; }

    public int? RandomSeed { get; init; }

    public string Label { get; init; } = "load";

    public string? KeysTsv { get; init; }

    public static LoadOptions Parse(string[] args)
    {
        var urls = new List<Uri>();
        string? credentials = null, path = null, anonymousPath = null, label = null, keysTsv = null;
        int? keys = null, randomSeed = null, warmupRequests = null;
        int duration = 10, connections = 64, grace = 2, reportKeys = 20, clientAddresses = 256;
        double? rate = null;
        double zipf = 1.0, anonymousShare = 0.1;
        var prime = false;
        foreach (var (name, value) in Arguments.Pairs(args, "--prime"))
        {
            switch (name)
            {
                case "--url":
                    var url = new Uri(value, UriKind.Absolute);
                    // The benchmark may only ever load this machine.
                    if (!url.IsLoopback || url.Scheme != Uri.UriSchemeHttp)
                    {
                        throw new ArgumentException($"--url must be an http:// loopback address, got '{value}'");
                    }

                    urls.Add(url);
                    break;
                case "--credentials":
                    credentials = value;
                    break;
                case "--keys":
                    keys = Arguments.Positive(name, value);
                    break;
                case "--duration":
                    duration = Arguments.Positive(name, value);
                    break;
                case "--connections":
                    connections = Arguments.Positive(name, value);
                    break;
                case "--rate":
                    rate = Arguments.Number(name, value, 1, 10_000_000);
                    break;
                case "--client-addresses":
                    clientAddresses = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var a) && a <= 62_500
                        ? a
                        : throw new ArgumentException($"{name} takes an integer from 0 to 62500");
                    break;
                case "--zipf":
                    zipf = Arguments.Number(name, value, 0, 10);
                    break;
                case "--anonymous-share":
                    anonymousShare = Arguments.Number(name, value, 0, 1);
                    break;
                case "--path":
                    path = Route(name, value);
                    break;
                case "--anonymous-path":
                    anonymousPath = Route(name, value);
                    break;
                case "--grace":
                    grace = Arguments.Positive(name, value);
                    break;
                case "--prime":
                    prime = true;
                    break;
                case "--report-keys":
                    reportKeys = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ArgumentException($"{name} takes an integer");
                    break;
                case "--warmup-requests":
                    warmupRequests = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var w) ? w : throw new ArgumentException($"{name} takes an integer");
                    break;
                case "--random-seed":
                    randomSeed = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "--keys-tsv":
                    keysTsv = value;
                    break;
                case "--label":
                    label = value;
                    break;
                default:
                    throw new ArgumentException($"load: unknown option {name}");
            }
        }

        if (urls.Count == 0 || credentials is null)
        {
            throw new ArgumentException("load: --url and --credentials are required");
        }

        return new LoadOptions
        {
            Urls = urls,
            CredentialsFile = credentials,
            Keys = keys,
            Duration = TimeSpan.FromSeconds(duration),
            Connections = connections,
            Rate = rate,
            Zipf = zipf,
            ClientAddresses = clientAddresses,
            AnonymousShare = anonymousShare,
            Path = path ?? "/api/hello",
            AnonymousPath = anonymousPath ?? "/public/hello",
            Grace = TimeSpan.FromSeconds(grace),
            Prime = prime,
            ReportKeys = reportKeys,
            WarmupRequests = warmupRequests ?? (8 * connections),
            RandomSeed = randomSeed,
            Label = label ?? (prime ? "prime" : "load"),
            KeysTsv = keysTsv,
        };
    }

    private static string Route(string name, string value) =>
        value.StartsWith('/') ? value : throw new ArgumentException($"{name} takes a path starting with '/', got '{value}'");
}
