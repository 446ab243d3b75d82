using System.Diagnostics;

namespace SwarmPS.Engine.Tests;

/// <summary>
/// Runs Python code with /usr/bin/python3, the independent side of a cross-check: files made or read by
/// Python's own json, hashlib, struct and numpy, never by SwarmPS (the safetensors and signac packages are
/// deliberately not used). A missing python3 fails the test, it is not skipped. Standard error is read
/// beside standard output, so a chatty script cannot block on a full pipe.
/// </summary>
internal static class PythonScript
{
    /// <summary>Runs <c>python3 -c <paramref name="script"/></c> and returns its standard output.</summary>
    public static string Run(string script, params string[] arguments) => Start(["-c", script, .. arguments]);

    /// <summary>Runs a script file of the repository (tests/python/…) and returns its standard output.</summary>
    public static string RunFile(string path, params string[] arguments) => Start([path, .. arguments]);

    private static string Start(IEnumerable<string> arguments)
    {
        var python = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists);
        Assert.True(python is not null, "python3 (with numpy for the training checks) is required for this cross-check (apt-get install python3 python3-numpy).");
        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(120_000), "python3 did not finish within 120 s");
        Assert.True(process.ExitCode == 0, $"python3 failed ({process.ExitCode}): {error.Result}");
        return output;
    }
}
