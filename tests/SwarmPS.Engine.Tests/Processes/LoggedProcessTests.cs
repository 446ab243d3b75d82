using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

public sealed class LoggedProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-agent-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private LoggedProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] command) =>
        LoggedProcess.Start(command, environment, _root, Path.Combine(_root, "a", "stdout.log"), Path.Combine(_root, "a", "stderr.log"));

    [Fact]
    public async Task Output_goes_to_the_log_files_and_the_exit_code_comes_back()
    {
        using var agent = Start(new Dictionary<string, string?>(), "sh", "-c", "echo out; echo err >&2; exit 3");
        Assert.Equal(3, await agent.WaitForExitAsync(CancellationToken.None));
        Assert.Equal("out\n", File.ReadAllText(Path.Combine(_root, "a", "stdout.log")));
        Assert.Equal("err\n", File.ReadAllText(Path.Combine(_root, "a", "stderr.log")));
    }

    [Fact]
    public async Task Arguments_arrive_verbatim_and_the_environment_is_set_and_unset()
    {
        Environment.SetEnvironmentVariable("SWARMPS_TEST_REMOVE_ME", "present");
        var environment = new Dictionary<string, string?> { ["SWARM_AGENT"] = "ping", ["SWARMPS_TEST_REMOVE_ME"] = null };
        using var agent = Start(environment, "sh", "-c", "printf '%s|' \"$1\" \"$SWARM_AGENT\" \"${SWARMPS_TEST_REMOVE_ME:-gone}\"", "sh", "a b;$(id)'\"");
        Assert.Equal(0, await agent.WaitForExitAsync(CancellationToken.None));
        Assert.Equal("a b;$(id)'\"|ping|gone|", File.ReadAllText(Path.Combine(_root, "a", "stdout.log")));
    }

    [Fact]
    public async Task The_pid_is_the_agent_program_itself()
    {
        using var agent = Start(new Dictionary<string, string?>(), "sh", "-c", "echo $$");
        await agent.WaitForExitAsync(CancellationToken.None);
        Assert.Equal(agent.Identity.Pid.ToString(), File.ReadAllText(Path.Combine(_root, "a", "stdout.log")).Trim());
    }

    [Fact]
    public async Task Stopping_ends_the_agent_and_its_children_and_kills_one_that_ignores_sigterm()
    {
        var childPidFile = Path.Combine(_root, "child.pid");
        using var agent = Start(
            new Dictionary<string, string?>(),
            "sh", "-c", $"trap '' TERM; sleep 300 & echo $! > {childPidFile}; while true; do sleep 1; done");
        while (!File.Exists(childPidFile) || File.ReadAllText(childPidFile).Trim().Length == 0)
        {
            await Task.Delay(20);
        }

        var child = ProcessIdentity.Of(int.Parse(File.ReadAllText(childPidFile).Trim()));
        Assert.True(agent.LeadsProcessGroup);

        var stopped = await ProcessStopper.StopAsync(new[] { (agent.Identity, agent.LeadsProcessGroup) }, TimeSpan.FromMilliseconds(500));

        Assert.Contains(agent.Identity, stopped);
        await agent.WaitForExitAsync(CancellationToken.None);
        for (var i = 0; i < 100 && child.IsAlive; i++)
        {
            await Task.Delay(20);
        }

        Assert.False(child.IsAlive, "the agent's child must end with its process group");
    }
}
