namespace Gateway.TestSupport;

public static class TestPaths
{
    public static string NewTempDirectory(string prefix) =>
        Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");

    public static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A server that is still shutting down may hold a file for a moment; /tmp is cleaned anyway.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The repository root (the folder holding Gateway.sln).</summary>
    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Gateway.sln not found above the test binaries.");
    }
}
