using System.Diagnostics;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Starts a real single-node scheduler from tests/infra/ if it is not running (installing it from Debian
/// packages the first time). If it cannot start, the fixture throws with the script's output, so every
/// test that needs it fails loudly instead of passing without a scheduler.
/// </summary>
public abstract class SchedulerInfrastructure
{
    protected static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SwarmPS.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (SwarmPS.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs tests/infra/&lt;script&gt; and returns its stdout; throws with its output when it fails.</summary>
    protected static string RunInfraScript(string script, string stateDirectory)
    {
        var path = Path.Combine(RepositoryRoot(), "tests", "infra", script);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        start.ArgumentList.Add(stateDirectory);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{script} did not finish within 10 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{script} could not start the scheduler (exit {process.ExitCode}); these tests need it and do not pass without it.\n{stdout.Result}\n{stderr.Result}");
        }

        return stdout.Result;
    }
}

public sealed class SlurmFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/slurm";

    public SlurmFixture()
    {
        RunInfraScript("start-slurm.sh", State);
        Environment.SetEnvironmentVariable("SLURM_CONF", Path.Combine(State, "slurm.conf"));
    }
}

public sealed class SgeFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/sge";

    public SgeFixture()
    {
        var output = RunInfraScript("start-sge.sh", State);
        // The script prints ". <cell>/common/settings.sh"; take its variables into this process.
        var settings = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith(". ", StringComparison.Ordinal))?[2..]
            ?? throw new InvalidOperationException("start-sge.sh did not print its settings.sh line:\n" + output);
        foreach (var line in File.ReadAllLines(settings))
        {
            var assignment = line.Split(';')[0].Trim();
            var eq = assignment.IndexOf('=');
            if (eq > 0)
            {
                Environment.SetEnvironmentVariable(assignment[..eq], assignment[(eq + 1)..]);
            }
        }
    }
}

[CollectionDefinition("slurm")]
public sealed class SlurmCollection : ICollectionFixture<SlurmFixture>
{
}

[CollectionDefinition("sge")]
public sealed class SgeCollection : ICollectionFixture<SgeFixture>
{
}
