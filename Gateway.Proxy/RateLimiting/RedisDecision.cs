using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using StackExchange.Redis;

namespace Gateway.Proxy.RateLimiting;

/// <summary>Redis's answer to one decision or reservation.</summary>
internal readonly record struct RedisDecision(int Granted, int Remaining, TimeSpan RetryAfter, TimeSpan Reset);
