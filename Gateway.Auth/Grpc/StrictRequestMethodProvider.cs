using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Gateway.Auth.Grpc;

/// <summary>
/// Discovers gRPC service methods like grpc-dotnet's default provider (the generated
/// <c>BindService</c> named by <see cref="BindServiceMethodAttribute"/>), but with request
/// deserializers that turn a malformed message (for example a string field that is not UTF-8)
/// into INVALID_ARGUMENT. By default such a request fails before any interceptor runs and is
/// reported as UNKNOWN, which reads like a server fault.
/// </summary>
internal sealed class StrictRequestMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        var bindAttribute = FindBindAttribute(typeof(TService));
        if (bindAttribute is null)
        {
            return;
        }

        // The generated BindService(ServiceBinderBase, TServiceBase) overload.
        var bindMethod = bindAttribute.BindType.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Single(m => m.Name == bindAttribute.BindMethodName
                && m.GetParameters() is [{ ParameterType: var binder }, _] && binder == typeof(ServiceBinderBase));

        bindMethod.Invoke(null, [new Binder(context), null]);
    }

    private static BindServiceMethodAttribute? FindBindAttribute(Type? type)
    {
        for (; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
            {
                return attribute;
            }
        }

        return null;
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var target = typeof(TService).GetMethod(method.Name, [typeof(TRequest), typeof(ServerCallContext)])
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name}.");
            var invoker = target.CreateDelegate<UnaryServerMethod<TService, TRequest, TResponse>>();
            context.AddUnaryMethod(Strict(method), [], invoker);
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var target = typeof(TService).GetMethod(method.Name, [typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)])
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name}.");
            context.AddServerStreamingMethod(Strict(method), [], target.CreateDelegate<ServerStreamingServerMethod<TService, TRequest, TResponse>>());
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var target = typeof(TService).GetMethod(method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext)])
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name}.");
            context.AddClientStreamingMethod(Strict(method), [], target.CreateDelegate<ClientStreamingServerMethod<TService, TRequest, TResponse>>());
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var target = typeof(TService).GetMethod(method.Name, [typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext)])
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {method.Name}.");
            context.AddDuplexStreamingMethod(Strict(method), [], target.CreateDelegate<DuplexStreamingServerMethod<TService, TRequest, TResponse>>());
        }

        private static Method<TRequest, TResponse> Strict<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            var inner = method.RequestMarshaller;
            var strict = new Marshaller<TRequest>(
                inner.ContextualSerializer,
                context =>
                {
                    try
                    {
                        return inner.ContextualDeserializer(context);
                    }
                    catch (InvalidProtocolBufferException ex)
                    {
                        throw new RpcException(new Status(StatusCode.InvalidArgument, $"Malformed request message: {ex.Message}"));
                    }
                });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, strict, method.ResponseMarshaller);
        }
    }
}
