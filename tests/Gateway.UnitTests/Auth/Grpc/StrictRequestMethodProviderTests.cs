using Gateway.Auth.Grpc;
using Gateway.Auth.V1;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.UnitTests.Auth.Grpc;

/// <summary>
/// <see cref="StrictRequestMethodProvider{TService}"/> re-binds the generated services by
/// reflection (the <c>BindServiceMethod</c> attribute, the generated <c>BindService</c> overload)
/// in place of grpc-dotnet's own discovery. If a Grpc.Tools or Grpc.AspNetCore upgrade changes
/// either, a method would go missing or lose its strict deserializer: this test maps the services
/// as the auth service does, without starting it, and checks every method of the contract.
/// </summary>
public sealed class StrictRequestMethodProviderTests
{
    [Fact]
    public async Task EveryContractMethod_IsBound_WithADeserializerThatAnswersInvalidArgument()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddGrpc();
        builder.Services.RemoveAll(typeof(IServiceMethodProvider<>));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(StrictRequestMethodProvider<>)));
        await using var app = builder.Build();
        app.MapGrpcService<AuthGrpcService>();
        app.MapGrpcService<AdminGrpcService>();
        app.MapGrpcService<DashboardGrpcService>();

        var bound = ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .Select(endpoint => endpoint.Metadata.GetMetadata<GrpcMethodMetadata>())
            .OfType<GrpcMethodMetadata>()
            .ToDictionary(metadata => metadata.Method.FullName);

        var expected = AuthService.Descriptor.Methods.Concat(AdminService.Descriptor.Methods).Concat(DashboardService.Descriptor.Methods).ToList();
        Assert.NotEmpty(expected);
        foreach (var method in expected)
        {
            var name = $"/{method.Service.FullName}/{method.Name}";
            Assert.True(bound.TryGetValue(name, out var metadata), $"{name} is not bound");
            // Field 1, a string, with bytes that are not UTF-8: INVALID_ARGUMENT, not UNKNOWN.
            var deserialize = Deserializer(metadata!.Method);
            var error = Assert.Throws<RpcException>(() => deserialize([0x0A, 0x02, 0xC3, 0x28]));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        }
    }

    /// <summary>The request marshaller's contextual deserializer, as grpc-dotnet calls it for an incoming message.</summary>
    private static Func<byte[], object> Deserializer(IMethod method)
    {
        var marshaller = method.GetType().GetProperty("RequestMarshaller")!.GetValue(method)!;
        var deserializer = (Delegate)marshaller.GetType().GetProperty("ContextualDeserializer")!.GetValue(marshaller)!;
        return bytes =>
        {
            try
            {
                return deserializer.DynamicInvoke([new Payload(bytes)])!;
            }
            catch (System.Reflection.TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        };
    }

    private sealed class Payload(byte[] bytes) : DeserializationContext
    {
        public override int PayloadLength => bytes.Length;

        public override byte[] PayloadAsNewBuffer() => (byte[])bytes.Clone();

        public override System.Buffers.ReadOnlySequence<byte> PayloadAsReadOnlySequence() => new(bytes);
    }
}
