using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process (no generated project, no second build of the proxy) with a short job: a few
// minutes for everything. bench/micro.sh passes --filter '*' and --artifacts.
var config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
    .WithOptions(ConfigOptions.DisableLogFile);

BenchmarkSwitcher.FromAssembly(typeof(Gateway.Bench.Micro.AuthCacheBenchmarks).Assembly).Run(args, config);
