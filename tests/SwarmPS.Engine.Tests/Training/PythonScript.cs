using System.Diagnostics;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Runs a Python script with /usr/bin/python3 (struct, json and numpy only: the safetensors package is
/// deliberately not used, so the files are made and checked by code independent of both the reference
/// and SwarmPS). A missing python3 or numpy fails the test, it is not skipped.
/// </summary>
internal static class PythonScript
{
    public static string Run(string script, params string[] arguments)
    {
        var python = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists);
        Assert.True(python is not null, "python3 with numpy is required for this cross-check (apt-get install python3 python3-numpy).");
        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "python3 did not finish within 60 s");
        Assert.True(process.ExitCode == 0, $"python3 failed ({process.ExitCode}): {error.Result}");
        return output;
    }
}
