using System.Collections.Concurrent;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Gateway.Dashboard.Aggregation;

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DashboardFrame))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChartPoint[]))]
public sealed partial class DashboardJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
