namespace Gateway.IntegrationTests.Infrastructure;

internal static class TaskExtensions
{
    public static void Ignore(this Task task) => _ = task;
}
