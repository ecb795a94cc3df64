using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Gateway.TestSupport;
using StackExchange.Redis;

namespace Gateway.IntegrationTests.Infrastructure;

internal static class TaskExtensions
{
    public static void Ignore(this Task task) => _ = task;
}
