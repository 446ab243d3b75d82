using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// Runs the trainer as the contract says a trainer runs: <c>dotnet bin/trainer/SwarmPS.Trainer.dll job.json</c>,
/// from the module layout the build writes, as its own process. Returns the exit code, the stdout JSON lines
/// and stderr.
/// </summary>
internal static class TrainerProcess
{
    public static string Assembly
    {
        get
        {
            var path = Path.Combine(RepositoryRoot.Path, "bin", "trainer", "SwarmPS.Trainer.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build the solution (the trainer project lays itself out in bin/trainer/).");
            return path;
        }
    }

    public static string Corpus(string file) => Path.Combine(RepositoryRoot.Path, "examples", "training", "corpus", file);

    public static TrainerResult Run(JsonObject job, string directory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var jobPath = Path.Combine(directory, $"job-{Guid.NewGuid():N}.json");
        File.WriteAllText(jobPath, job.ToJsonString());
        return RunFile(jobPath, environment);
    }

    public static TrainerResult RunFile(string jobPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Assembly);
        start.ArgumentList.Add(jobPath);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("the trainer did not finish within 120 s");
        }

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        return new TrainerResult(process.ExitCode, lines, error.Result);
    }
}
