using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>examples/agents/swarm_exchange.py, standard library only, against a real gateway process.</summary>
public sealed class PythonAgentClientTests(ExchangeHostFixture exchange) : IClassFixture<ExchangeHostFixture>
{
    internal static string ClientScript
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SwarmPS.sln")))
            {
                directory = directory.Parent;
            }

            return Path.Combine(directory!.FullName, "examples", "agents", "swarm_exchange.py");
        }
    }

    [Fact]
    public async Task The_python_client_derives_ids_registers_heartbeats_sends_receives_and_acknowledges()
    {
        const string runId = "py-run-001";
        var command = new ShellCommand("python3", ClientScript, "demo", runId)
        {
            Timeout = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string>
            {
                ["SWARM_EXCHANGE_URL"] = exchange.Host.Url.ToString(),
                ["SWARM_EXCHANGE_TOKEN"] = ExchangeHostFixture.Token,
            },
        };
        var running = ProcessRunner.RunAsync(command);

        // While the Python agents run, a .NET peer sends to py-b by its derived id once it is registered.
        var pyB = AgentMailboxId.For(runId, "py-b");
        using var client = new HttpExchangeClient(new ExchangeConnection(exchange.Host.Url, ExchangeHostFixture.Token));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetStatusAsync([pyB])).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await client.SendAsync(OutgoingMessage.Create(pyB, "from dotnet"));
        var result = await running;

        Assert.True(result.ExitCode == 0, $"python3 exited {result.ExitCode}: {result.StandardError}");
        using var output = JsonDocument.Parse(result.StandardOutput);
        var root = output.RootElement;
        Assert.Equal(AgentMailboxId.For(runId, "py-a").ToString(), root.GetProperty("ids").GetProperty("py-a").GetString());
        Assert.Equal(pyB.ToString(), root.GetProperty("ids").GetProperty("py-b").GetString());
        Assert.False(root.GetProperty("first_duplicate").GetBoolean());
        Assert.True(root.GetProperty("duplicate").GetBoolean());
        var bodies = root.GetProperty("received").EnumerateArray().Select(m => m.GetProperty("body").GetString()).ToList();
        Assert.Contains("{\"hello\": \"from py-a\"}", bodies);
        Assert.Contains("from dotnet", bodies);
        Assert.Equal(2, bodies.Count);
        Assert.Equal(0, root.GetProperty("pending_after").GetInt32());
        Assert.Equal("ACTIVE", root.GetProperty("state_a").GetString());
        Assert.Equal(0, Assert.Single(await client.GetStatusAsync([pyB])).Pending);
    }
}
