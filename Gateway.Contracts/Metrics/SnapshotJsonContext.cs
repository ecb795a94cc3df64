using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Contracts.Metrics;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ReplicaSnapshot))]
public sealed partial class SnapshotJsonContext : JsonSerializerContext;
