using System.Text;
using System.Text.RegularExpressions;

namespace Gateway.Bench.Report.Profile;

/// <summary>Names a perf frame and files it under a component: managed frames by the namespace of their type, native ones by library.</summary>
internal static partial class FrameParser
{
    /// <summary>Component of a managed frame, by the prefix of its type's full name; first match wins.</summary>
    private static readonly (string Prefix, string Group)[] Groups =
    [
        ("Gateway.Proxy.Authentication", "Gateway: authentication"),
        ("Gateway.Proxy.RateLimiting", "Gateway: rate limiting"),
        ("Gateway.Proxy.Telemetry", "Gateway: telemetry (metrics middleware, route stats)"),
        ("Gateway.Proxy.Forwarding", "Gateway: forwarding (retry, identity transforms)"),
        ("Gateway.", "Gateway: other"),
        ("OpenTelemetry.", "OpenTelemetry SDK + instrumentation"),
        ("System.Diagnostics.Metrics", "System.Diagnostics.Metrics (instruments, listeners)"),
        ("System.Diagnostics.Activity", "Activity / ActivitySource (tracing)"),
        ("System.Diagnostics.DiagnosticListener", "DiagnosticListener / DiagnosticSource"),
        ("System.Diagnostics.DiagnosticSource", "DiagnosticListener / DiagnosticSource"),
        ("Microsoft.AspNetCore.Hosting", "ASP.NET Core hosting (HostingApplication, request diagnostics)"),
        ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel"),
        ("Microsoft.AspNetCore.Routing", "ASP.NET Core routing"),
        ("Microsoft.AspNetCore.Authentication", "ASP.NET Core authentication"),
        ("Microsoft.AspNetCore.Authorization", "ASP.NET Core authorization"),
        ("Microsoft.AspNetCore.RateLimiting", "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)"),
        ("System.Threading.RateLimiting", "ASP.NET Core rate limiting (+ System.Threading.RateLimiting)"),
        ("Microsoft.AspNetCore.Diagnostics", "ASP.NET Core diagnostics (exception handler, status code pages)"),
        ("Microsoft.AspNetCore.Http", "ASP.NET Core HTTP abstractions (context, headers, features)"),
        ("Microsoft.AspNetCore.", "ASP.NET Core other"),
        ("Microsoft.Extensions.Logging", "Microsoft.Extensions.Logging"),
        ("Microsoft.Extensions.ServiceDiscovery", "Service discovery"),
        ("Microsoft.Extensions.", "Microsoft.Extensions other (DI, options, primitives)"),
        ("Yarp.", "YARP"),
        ("System.Net.Http", "System.Net.Http (HttpClient to the backend)"),
        ("System.Net.Sockets", "System.Net.Sockets"),
        ("System.Net.", "System.Net other"),
        ("StackExchange.Redis", "StackExchange.Redis"),
        ("Pipelines.Sockets.Unofficial", "StackExchange.Redis"),
        ("Polly", "Polly / resilience"),
        ("Grpc.", "gRPC client"),
        ("System.IO.Pipelines", "System.IO.Pipelines"),
        ("System.Security.Cryptography", "System.Security.Cryptography"),
        ("System.Runtime.CompilerServices", "async machinery (state machines, tasks)"),
        ("System.Threading.Tasks", "async machinery (state machines, tasks)"),
        ("System.Threading.ExecutionContext", "async machinery (state machines, tasks)"),
        ("System.Threading.", "thread pool, timers, locks"),
        ("System.", "BCL other (strings, collections, ...)"),
        ("Microsoft.", "other managed"),
    ];

    private static readonly Dictionary<(string, string), Frame> Cache = [];

    /// <summary>A frame line of <c>perf script -F comm,tid,period,ip,sym,dso</c>: "ip sym (dso)"; null for anything else.</summary>
    public static Frame? ParseLine(string line)
    {
        var match = SymbolLine().Match(line);
        return match.Success ? Parse(match.Groups[1].Value, match.Groups[2].Value) : null;
    }

    public static Frame Parse(string symbol, string dso)
    {
        if (Cache.TryGetValue((symbol, dso), out var hit))
        {
            return hit;
        }

        Frame result;
        if (dso.StartsWith("/tmp/perf-", StringComparison.Ordinal) && symbol.Contains("::", StringComparison.Ordinal))
        {
            var sym = symbol;
            var tier = string.Empty;
            var tierMatch = TierSuffix().Match(sym);
            if (tierMatch.Success)
            {
                tier = tierMatch.Groups[1].Value;
                sym = sym[..tierMatch.Index];
            }

            var head = sym.Contains('(', StringComparison.Ordinal) ? sym[..sym.IndexOf('(', StringComparison.Ordinal)] : sym;
            // "[rettype ...] [Assembly] Namespace.Type::Method": the type has no spaces.
            var typeAndMethod = head[(head.LastIndexOf(' ') + 1)..];
            var separator = typeAndMethod.IndexOf("::", StringComparison.Ordinal);
            var typeName = StripGenerics(separator < 0 ? typeAndMethod : typeAndMethod[..separator]);
            var method = separator < 0 ? string.Empty : typeAndMethod[(separator + 2)..];
            var asyncMatch = AsyncStateMachine().Match(typeName);
            if (asyncMatch.Success)
            {
                // An async method's state machine: name the method.
                method = asyncMatch.Groups[1].Value + " (async)";
                typeName = typeName[..asyncMatch.Index];
            }

            var group = "other managed";
            foreach (var (prefix, g) in Groups)
            {
                if (typeName.StartsWith(prefix, StringComparison.Ordinal))
                {
                    group = g;
                    break;
                }
            }

            if (typeName.Contains("AsyncStateMachineBox", StringComparison.Ordinal) || typeName.Contains("AsyncMethodBuilder", StringComparison.Ordinal))
            {
                group = "async machinery (state machines, tasks)";
            }

            result = new Frame($"{typeName}.{method}", group, tier);
        }
        else if (dso == "[kernel.kallsyms]")
        {
            result = new Frame($"[kernel] {symbol}", "kernel", string.Empty);
        }
        else if (dso.Contains("libcoreclr", StringComparison.Ordinal))
        {
            result = new Frame("[libcoreclr] (no symbols: GC, allocation and cast helpers, stubs, thread pool waits)", "CLR runtime (native)", string.Empty);
        }
        else if (dso.Contains("libclrjit", StringComparison.Ordinal))
        {
            result = new Frame("[libclrjit] JIT compiler", "JIT", string.Empty);
        }
        else if (dso.Contains("libc.so", StringComparison.Ordinal))
        {
            result = new Frame($"[libc] {symbol}", "libc", string.Empty);
        }
        else if (dso.Contains("libSystem.Native", StringComparison.Ordinal))
        {
            result = new Frame($"[libSystem.Native] {symbol}", "libc", string.Empty);
        }
        else if (dso.Contains("libcrypto", StringComparison.Ordinal) || dso.Contains("libssl", StringComparison.Ordinal))
        {
            result = new Frame($"[openssl] {symbol}", "OpenSSL", string.Empty);
        }
        else if (dso.StartsWith("/tmp/perf-", StringComparison.Ordinal))
        {
            result = new Frame($"[stub] {symbol}", "CLR runtime (native)", string.Empty);
        }
        else
        {
            result = new Frame($"[{dso[(dso.LastIndexOf('/') + 1)..]}] {symbol}", "other native", string.Empty);
        }

        Cache[(symbol, dso)] = result;
        return result;
    }

    /// <summary>Which syscall a kernel sample is in (the stack's leading kernel frames).</summary>
    public static string KernelBucket(IReadOnlyList<Frame> stack)
    {
        foreach (var frame in stack)
        {
            if (frame.Group != "kernel")
            {
                break;
            }

            var match = KernelSyscall().Match(frame.Name);
            if (match.Success)
            {
                return match.Groups[1].Value switch
                {
                    "sendto" or "sendmsg" or "write" or "writev" or "send" => "kernel: socket send (loopback TCP)",
                    "recvfrom" or "recvmsg" or "read" or "readv" or "recv" => "kernel: socket receive",
                    "epoll_wait" or "epoll_pwait" or "epoll_ctl" => "kernel: epoll",
                    "futex" or "sched_yield" or "nanosleep" or "clock_nanosleep" => "kernel: futex / sched_yield (thread wake-ups, spinning)",
                    _ => "kernel: other syscalls",
                };
            }
        }

        return "kernel: interrupts, page faults, scheduler";
    }

    private static string StripGenerics(string name)
    {
        var text = new StringBuilder(name.Length);
        var depth = 0;
        foreach (var c in name)
        {
            if (c == '[')
            {
                depth++;
            }
            else if (c == ']')
            {
                depth--;
            }
            else if (depth == 0)
            {
                text.Append(c);
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"^\s*[0-9a-f]+ (.*) \(([^()]*(?:\([^()]*\))?[^()]*)\)$")]
    private static partial Regex SymbolLine();

    [GeneratedRegex(@"\+<([^>]+)>d__\d+$")]
    private static partial Regex AsyncStateMachine();

    [GeneratedRegex(@"\[(QuickJitted|OptimizedTier1|Optimized|Tier0|Tier1|OptimizedTier1OSR|QuickJittedOSR|Instrumented[A-Za-z0-9]*|PreJIT|ReadyToRun)\]$")]
    private static partial Regex TierSuffix();

    [GeneratedRegex(@"^\[kernel\] __(?:x64|se)_sys_(\w+)")]
    private static partial Regex KernelSyscall();
}
