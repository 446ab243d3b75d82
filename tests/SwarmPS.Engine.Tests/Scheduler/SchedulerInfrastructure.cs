using System.Diagnostics;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Starts a real single-node scheduler from tests/infra/ if it is not running (installing it from Debian
/// packages the first time). If it cannot start, the fixture throws with the script's output, so every
/// test that needs it fails loudly instead of passing without a scheduler. A scheduler these tests started
/// is stopped (tests/infra/stop-*.sh) when the last fixture of this process that uses it is disposed; one
/// that was already running (.ci/run's) is left to whoever started it. The RabbitMQ fixtures
/// (Exchange/RabbitMqBrokerFixture, RabbitMqClusterFixture) follow the same rules and derive from it too.
/// </summary>
public abstract class SchedulerInfrastructure : IDisposable
{
    // The slurm collection and the slurm-over-ssh collection each hold a SlurmFixture, and xunit runs them
    // in parallel: per start script, how many fixtures use the daemons and whether this process started them.
    private static readonly Dictionary<string, (int Users, bool StartedHere)> Services = new();
    private static readonly object ServicesLock = new();

    private string? _script;
    private string? _stateDirectory;
    private string[] _stopArguments = [];

    /// <summary>
    /// Runs tests/infra/&lt;script&gt; as one more user of its daemons and returns its stdout; stopArguments
    /// are passed to its stop-*.sh twin after the state directory (e.g. --purge).
    /// </summary>
    protected string StartService(string script, string stateDirectory, params string[] stopArguments)
    {
        lock (ServicesLock)
        {
            var (output, error) = RunInfraScript(script, stateDirectory);
            Services.TryGetValue(script, out var service);
            var startedHere = service.Users == 0 ? !error.Contains("already running", StringComparison.Ordinal) : service.StartedHere;
            Services[script] = (service.Users + 1, startedHere);
            _script = script;
            _stateDirectory = stateDirectory;
            _stopArguments = stopArguments;
            return output;
        }
    }

    public void Dispose()
    {
        lock (ServicesLock)
        {
            if (_script is null)
            {
                return;
            }

            var (users, startedHere) = Services[_script];
            Services[_script] = (users - 1, startedHere && users > 1);
            if (users == 1 && startedHere)
            {
                RunInfraScript(_script.Replace("start-", "stop-", StringComparison.Ordinal), [_stateDirectory!, .. _stopArguments]);
            }

            _script = null;
        }

        GC.SuppressFinalize(this);
    }
    protected static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SwarmPS.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (SwarmPS.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs tests/infra/&lt;script&gt; with arguments and returns its stdout and stderr; throws with both when it fails.</summary>
    protected static (string Output, string Error) RunInfraScript(string script, params string[] arguments)
    {
        var path = Path.Combine(RepositoryRoot(), "tests", "infra", script);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

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
                $"{script} could not start its service (exit {process.ExitCode}); these tests need it and do not pass without it.\n{stdout.Result}\n{stderr.Result}");
        }

        return (stdout.Result, stderr.Result);
    }
}

public sealed class SlurmFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/slurm";

    public SlurmFixture()
    {
        StartService("start-slurm.sh", State);
        Environment.SetEnvironmentVariable("SLURM_CONF", Path.Combine(State, "slurm.conf"));
    }
}

public sealed class SgeFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/sge";

    public SgeFixture()
    {
        var output = StartService("start-sge.sh", State);
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
