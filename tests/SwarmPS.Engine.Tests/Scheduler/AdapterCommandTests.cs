using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Each batch adapter's RequiredCommands is exactly what its commands run: preflight checks that list, so a
/// program the adapter runs but does not declare (scontrol, before) is a site that passes Test-SwarmSite
/// and then fails at the first status query or submit.
/// </summary>
public sealed class AdapterCommandTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-adapter-commands-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Theory]
    [InlineData(SchedulerKind.Slurm)]
    [InlineData(SchedulerKind.Pbs)]
    [InlineData(SchedulerKind.Sge)]
    public async Task Every_program_an_adapter_runs_is_in_its_required_commands_and_every_one_listed_runs(SchedulerKind kind)
    {
        var adapter = SchedulerAdapters.For(kind);
        var shell = new ShimPathShell(_scratch.FullName, adapter.RequiredCommands);
        var site = new SiteProfile { Name = "cluster", Scheduler = kind, RunRoot = "/runs" };
        var plan = WavePlanner.Plan(site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(4) }), new JobPlanOptions { Throttle = 2 });
        var layout = new JobLayout("/runs/jobs/" + plan.Key, 1);
        var tracked = new[] { new TrackedArray("41", layout, 0, 4) };

        // Every command the adapter builds: submit, the array-limit query, the status steps (each shim
        // fails, so every fallback runs too) and cancel.
        var results = new List<(string What, int ExitCode, string Text)>();
        foreach (var command in new[] { adapter.BuildSubmit(new ArraySubmission(plan, plan.Arrays.First(), layout, new[] { "40" })), adapter.BuildArrayLimitQuery(), adapter.BuildCancel(tracked) })
        {
            if (command is not null)
            {
                var result = await shell.RunAsync(command);
                results.Add((command.Program, result.ExitCode, result.StandardOutput + result.StandardError));
            }
        }

        var probe = await new StatusProbe(Array.Empty<TimeSpan>()).RunAsync(shell, site.Name, adapter.BuildStatusSteps(tracked), Array.Empty<string>(), default);
        results.AddRange(probe.Steps.Select(step => (step.Key, step.Value.ExitCode, step.Value.Text)));

        // 127 and "not found" are what sh, bash and env answer for a program that is not on PATH.
        Assert.All(results, result => Assert.True(
            result.ExitCode != 127 && !result.Text.Contains("not found", StringComparison.Ordinal) && !result.Text.Contains("No such file", StringComparison.Ordinal),
            $"{kind}: '{result.What}' ran a program that is not in RequiredCommands: {result.Text.Trim()}"));
        Assert.Equal(adapter.RequiredCommands.Order(StringComparer.Ordinal), shell.Invoked.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_local_pool_needs_no_scheduler_program()
    {
        Assert.Empty(SchedulerAdapters.RequiredCommands(SchedulerKind.Local));
    }

    /// <summary>
    /// Runs each command on this machine with PATH holding only a stub per declared program (it records its
    /// name and fails); the shell itself is named by its absolute path. Anything else is "not found".
    /// </summary>
    private sealed class ShimPathShell : ISiteShell
    {
        private readonly string _shims;
        private readonly string _log;

        public ShimPathShell(string scratch, IReadOnlyList<string> programs)
        {
            _shims = Directory.CreateDirectory(Path.Combine(scratch, "bin")).FullName;
            _log = Path.Combine(scratch, "invoked.log");
            foreach (var program in programs)
            {
                var path = Path.Combine(_shims, program);
                File.WriteAllText(path, "#!/bin/sh\nprintf '%s\\n' \"${0##*/}\" >> \"$SWARM_SHIM_LOG\"\necho \"$0: not a real scheduler\" >&2\nexit 1\n");
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public string Target => "this machine, scheduler programs stubbed";

        public IReadOnlyList<string> Invoked => File.Exists(_log) ? File.ReadAllLines(_log) : Array.Empty<string>();

        public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
        {
            var program = command.Program is "sh" or "bash" ? "/bin/" + command.Program : command.Program;
            var arguments = new[] { "PATH=" + _shims, "SWARM_SHIM_LOG=" + _log, program }.Concat(command.Arguments).ToArray();
            return LocalShell.Instance.RunAsync(command with { Program = "/usr/bin/env", Arguments = arguments }, cancellationToken);
        }
    }
}
