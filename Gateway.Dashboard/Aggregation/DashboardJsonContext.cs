using System.Text.Json;

namespace Gateway.Dashboard.Aggregation;

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DashboardFrame))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChartPoint[]))]
public sealed partial class DashboardJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
