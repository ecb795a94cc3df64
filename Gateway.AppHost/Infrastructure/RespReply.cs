namespace Gateway.AppHost.Infrastructure;

/// <summary>A Redis reply as <see cref="RedisRespClient"/> reads it: an error (<c>-WRONGPASS ...</c>) or a string.</summary>
internal readonly record struct RespReply(bool IsError, string Text);
