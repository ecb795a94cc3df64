using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;

namespace Gateway.UnitTests;

/// <summary>
/// This project is the fast suite: nothing in it may start a process (redis-server, PostgreSQL, the
/// AppHost, the built services). Checked on the compiled tests themselves, so a test added with a
/// process in it fails here before anyone waits for it.
/// </summary>
public sealed class NoProcessesTests
{
    private static readonly Assembly Tests = typeof(NoProcessesTests).Assembly;

    [Fact]
    public void NoTestCallsProcessStart()
    {
        var offenders = new List<string>();
        foreach (var type in Tests.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Cast<MethodBase>()
                .Concat(type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static)))
            {
                if (type == typeof(NoProcessesTests) && method.Name == nameof(NeverCalled))
                {
                    continue;
                }

                foreach (var callee in Callees(method))
                {
                    if (StartsAProcess(callee))
                    {
                        offenders.Add($"{type.FullName}.{method.Name} calls {callee.DeclaringType?.FullName}.{callee.Name}");
                    }
                }
            }
        }

        Assert.Empty(offenders);
    }

    [Fact]
    public void NoProcessHostingLibraryIsReferenced()
    {
        var references = Tests.GetReferencedAssemblies().Select(a => a.Name ?? string.Empty).ToList();

        Assert.DoesNotContain(references, name => name.StartsWith("Aspire.Hosting", StringComparison.Ordinal));
        Assert.DoesNotContain(references, name => name.StartsWith("Microsoft.Playwright", StringComparison.Ordinal));
        Assert.DoesNotContain("Gateway.AppHost", references);
    }

    /// <summary>The scan itself finds a call when there is one (so the test above can fail).</summary>
    [Fact]
    public void TheScanSeesACallToProcessStart()
    {
        var method = typeof(NoProcessesTests).GetMethod(nameof(NeverCalled), BindingFlags.NonPublic | BindingFlags.Static)!;

        Assert.Contains(Callees(method), StartsAProcess);
    }

    // Only inspected, never run: the IL of a process start for the scan's own test.
    private static void NeverCalled() => Process.Start("true")?.Dispose();

    private static bool StartsAProcess(MethodBase callee) =>
        (callee.DeclaringType == typeof(Process) && callee.Name == nameof(Process.Start))
        || callee.DeclaringType == typeof(ProcessStartInfo)
        || callee.DeclaringType?.FullName == "Gateway.TestSupport.ProcessRunner";

    /// <summary>Methods a method's IL calls, constructs or takes the address of.</summary>
    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var i = 0; i + 4 < il.Length; i++)
        {
            // call, callvirt, newobj, and ldftn (0xFE 0x06): each is followed by a method token.
            var opcode = il[i];
            var isCall = opcode == OpCodes.Call.Value || opcode == OpCodes.Callvirt.Value || opcode == OpCodes.Newobj.Value
                || (opcode == 0x06 && i > 0 && il[i - 1] == 0xFE);
            if (!isCall)
            {
                continue;
            }

            var token = BitConverter.ToInt32(il, i + 1);
            var table = token >>> 24;
            if (table is not (0x06 or 0x0A or 0x2B))
            {
                continue;
            }

            MethodBase? callee;
            try
            {
                callee = method.Module.ResolveMethod(token, typeArguments, methodArguments);
            }
            catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
            {
                // A byte that only looked like an opcode: its operand is no method token.
                continue;
            }

            if (callee is not null)
            {
                yield return callee;
            }
        }
    }
}
