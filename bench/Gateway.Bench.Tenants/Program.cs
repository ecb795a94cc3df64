using Gateway.Bench.Tenants;
using Gateway.Bench.Tenants.Report;

// The tenant workload (bench/tenants.sh): `seed` writes users and credentials for PostgreSQL's
// COPY plus a credentials file; `load` sends Zipf-distributed tenant traffic with an anonymous
// share to one or more proxy replicas and prints a JSON summary; `report` computes the script's
// figures and tables from what it measured (Report/ReportCommand.cs). See bench/README.md.
const string Usage = $"""
    Usage: Gateway.Bench.Tenants seed [options]
           Gateway.Bench.Tenants load [options]
           Gateway.Bench.Tenants report measurement|table|keys|other-load|client-load|errors ...

    {SeedOptions.Usage}

    {LoadOptions.Usage}
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    switch (args[0])
    {
        case "seed":
            Seeder.Run(SeedOptions.Parse(args[1..]));
            return 0;
        case "load":
            return await LoadCommand.RunAsync(LoadOptions.Parse(args[1..]));
        case "report":
            return ReportCommand.Run(args[1..]);
        default:
            throw new ArgumentException($"unknown verb '{args[0]}'");
    }
}
catch (Exception ex) when (ex is ArgumentException or UriFormatException or FormatException)
{
    Console.Error.WriteLine($"{ex.Message}\n\n{Usage}");
    return 2;
}
catch (Exception ex) when (ex is IOException or InvalidDataException)
{
    Console.Error.WriteLine($"[tenants] {ex.Message}");
    return 1;
}
