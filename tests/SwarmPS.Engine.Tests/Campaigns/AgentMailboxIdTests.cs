using System.Diagnostics;
using SwarmPS.Engine;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

public sealed class AgentMailboxIdTests
{
    // Pinned once, from Python's uuid.uuid5; a change here orphans every running campaign.
    [Theory]
    [InlineData("demo-001", "agent-a", "bf4054fa-595d-51a7-b606-b747510f14cb")]
    [InlineData("demo-001", "agent-b", "f4dc36b5-8e41-579b-9a95-a4325c2babe0")]
    [InlineData("chat.2026-11", "Ünïcode agent", "78d53057-7e0d-550f-99e3-00d58d945d91")]
    public void Matches_pinned_values(string runId, string name, string expected)
    {
        Assert.Equal(Guid.Parse(expected), AgentMailboxId.For(runId, name));
    }

    [Fact]
    public void Matches_python_uuid5_computed_now()
    {
        var python = FindPython();
        if (python is null)
        {
            Assert.Fail("python3 is required for this cross-check (apt-get install python3).");
        }

        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import uuid,sys; print(uuid.uuid5(uuid.UUID('6809ee13-7b98-4004-8bfa-97c58e99a2be'), sys.argv[1] + '/' + sys.argv[2]))");
        start.ArgumentList.Add("run-xyz");
        start.ArgumentList.Add("planner");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);

        Assert.Equal(Guid.Parse(output), AgentMailboxId.For("run-xyz", "planner"));
    }

    [Fact]
    public void Is_a_version_5_rfc_variant_uuid()
    {
        var text = AgentMailboxId.For("demo-001", "agent-a").ToString();
        Assert.Equal('5', text[14]);
        Assert.Contains(text[19], "89ab");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Demo")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("../escape")]
    public void Rejects_a_malformed_run_id_with_the_rule(string runId)
    {
        var error = Assert.Throws<SwarmException>(() => AgentMailboxId.For(runId, "agent-a"));
        Assert.Equal("RunIdInvalid", error.ErrorId);
        Assert.Contains("lowercase", error.Message);
    }

    [Fact]
    public void Rejects_a_missing_agent_name()
    {
        var error = Assert.Throws<SwarmException>(() => AgentMailboxId.For("demo-001", " "));
        Assert.Equal("AgentNameInvalid", error.ErrorId);
    }

    private static string? FindPython() =>
        new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists)
        ?? Environment.GetEnvironmentVariable("PATH")?.Split(':')
            .Select(dir => Path.Combine(dir, "python3")).FirstOrDefault(File.Exists);
}
