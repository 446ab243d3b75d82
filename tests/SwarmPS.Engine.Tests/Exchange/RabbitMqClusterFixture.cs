using System.Diagnostics;
using System.Text.Json;
using SwarmPS.Engine.Tests.Scheduler;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The three-node RabbitMQ cluster of tests/infra/start-rabbitmq-cluster.sh (127.0.0.1:5681-5683, user/vhost
/// test), for failover tests: kill a node, see who leads a quorum queue, restart the node. Nodes are numbered
/// 1 to 3 as in the script. Started here unless it already runs, and then stopped with --purge after the
/// last test of this process that uses it (.ci/run does not start it). If it cannot start, the fixture
/// throws with the script's output, so the tests that need it fail instead of passing without a cluster.
/// </summary>
public sealed class RabbitMqClusterFixture : SchedulerInfrastructure
{
    public const string State = "/tmp/swarmps-infra/rabbitmq-cluster";
    public const string Script = "start-rabbitmq-cluster.sh";
    private static readonly TimeSpan CtlTimeout = TimeSpan.FromSeconds(60);

    private readonly string[] _names;
    private readonly string[] _ctls;

    public RabbitMqClusterFixture()
    {
        var output = StartService(Script, State, "--purge");
        // per node "node=<name> port=<p> pid=<pid> ctl=<wrapper>", then "user=<u> password=<pw> vhost=<v>"
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Fields).ToList();
        var nodes = lines.Where(l => l.ContainsKey("node")).ToList();
        var account = lines.LastOrDefault(l => l.ContainsKey("user"));
        if (nodes.Count != 3 || account is null || !lines.Any(l => l.ContainsKey("started_in")))
        {
            throw new InvalidOperationException($"{Script} did not print three node= lines, a user= line and started_in=:\n{output}");
        }

        Vhost = account["vhost"];
        _names = nodes.Select(n => n["node"]).ToArray();
        _ctls = nodes.Select(n => n["ctl"]).ToArray();
        StartSeconds = double.Parse(lines.Last(l => l.ContainsKey("started_in"))["started_in"], System.Globalization.CultureInfo.InvariantCulture);
        NodeUris = nodes.Select(n => new Uri($"amqp://{account["user"]}:{account["password"]}@127.0.0.1:{n["port"]}/{Uri.EscapeDataString(Vhost)}")).ToArray();
    }

    /// <summary>The AMQP URI of each node, node 1 first: amqp://test:test@127.0.0.1:5681/test, ...:5682/..., ...:5683/...</summary>
    public IReadOnlyList<Uri> NodeUris { get; }

    /// <summary>How long start-rabbitmq-cluster.sh took in this process (a fraction of a second when it was already running).</summary>
    public double StartSeconds { get; }

    /// <summary>The vhost the test user may use (test).</summary>
    public string Vhost { get; }

    /// <summary>The AMQP URI of node 1, 2 or 3.</summary>
    public Uri NodeUri(int node) => NodeUris[Index(node)];

    /// <summary>The Erlang node name of node 1, 2 or 3 (rabbit_5681@localhost, ...).</summary>
    public string NodeName(int node) => _names[Index(node)];

    /// <summary>The rabbitmqctl wrapper of node 1, 2 or 3 (STATE/node&lt;i&gt;/rabbitmqctl).</summary>
    public string Ctl(int node) => _ctls[Index(node)];

    /// <summary>
    /// kill -9 of node's beam.smp, by the pid RabbitMQ recorded in its state dir (checked against the process's
    /// command line first); returns once the process is gone, with the pid it killed.
    /// </summary>
    public int KillNode(int node)
    {
        var directory = Path.Combine(State, $"node{node}");
        var pidText = File.Exists(Path.Combine(directory, "rabbitmq.pid")) ? File.ReadAllText(Path.Combine(directory, "rabbitmq.pid")).Trim() : "";
        if (!int.TryParse(pidText, out var pid) || !IsBeamOf(pid, directory))
        {
            throw new InvalidOperationException($"Node {node} ({NodeName(node)}) is not running: no live beam.smp of {directory} in its rabbitmq.pid ('{pidText}').");
        }

        using var process = Process.GetProcessById(pid);
        process.Kill();   // SIGKILL
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            throw new InvalidOperationException($"The beam.smp of node {node} (pid {pid}) did not exit within 10 s of SIGKILL.");
        }

        return pid;
    }

    /// <summary>Starts node 1, 2 or 3 again (start-rabbitmq-cluster.sh --node i) and returns once it is a running member again.</summary>
    public void RestartNode(int node)
    {
        Index(node);
        RunInfraScript(Script, State, "--node", node.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The nodes (1 to 3) the cluster reports as running, asked of the first node that answers.</summary>
    public IReadOnlyList<int> RunningNodes()
    {
        using var status = JsonDocument.Parse(AskAnyNode("-q", "cluster_status", "--formatter", "json"));
        return status.RootElement.GetProperty("running_nodes").EnumerateArray().Select(n => NodeNumber(n.GetString()!)).Order().ToList();
    }

    /// <summary>The node (1 to 3) that leads the quorum queue, or null while it has none (an election is under way).</summary>
    public int? QueueLeader(string queueName)
    {
        var leader = QueueInfo(queueName).GetProperty("leader").GetString();
        return string.IsNullOrEmpty(leader) || !_names.Contains(leader) ? null : NodeNumber(leader);
    }

    /// <summary>The nodes (1 to 3) that hold a member (replica) of the quorum queue.</summary>
    public IReadOnlyList<int> QueueMembers(string queueName) =>
        QueueInfo(queueName).GetProperty("members").EnumerateArray().Select(m => NodeNumber(m.GetString()!)).Order().ToList();

    private JsonElement QueueInfo(string queueName)
    {
        using var queues = JsonDocument.Parse(AskAnyNode("-q", "list_queues", "-p", Vhost, "name", "type", "leader", "members", "--formatter", "json"));
        foreach (var queue in queues.RootElement.EnumerateArray())
        {
            if (queue.GetProperty("name").GetString() == queueName)
            {
                if (queue.GetProperty("type").GetString() != "quorum")
                {
                    throw new InvalidOperationException($"Queue '{queueName}' is a {queue.GetProperty("type").GetString()} queue, not a quorum queue: it has no leader.");
                }

                return queue.Clone();
            }
        }

        throw new InvalidOperationException($"The cluster has no queue '{queueName}' in vhost '{Vhost}'.");
    }

    /// <summary>Runs rabbitmqctl on the first live node that answers (a killed node's CLI cannot), returning its stdout.</summary>
    private string AskAnyNode(params string[] arguments)
    {
        var failures = new List<string>();
        for (var node = 1; node <= 3; node++)
        {
            var directory = Path.Combine(State, $"node{node}");
            var pidFile = Path.Combine(directory, "rabbitmq.pid");
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) || !IsBeamOf(pid, directory))
            {
                failures.Add($"node {node}: not running");
                continue;
            }

            var (exitCode, output, error) = RunCtl(Ctl(node), arguments);
            if (exitCode == 0)
            {
                return output;
            }

            failures.Add($"node {node}: rabbitmqctl {string.Join(' ', arguments)} exited {exitCode}: {error.Trim()}");
        }

        throw new InvalidOperationException("No node of the cluster answered:\n" + string.Join('\n', failures));
    }

    private static (int ExitCode, string Output, string Error) RunCtl(string ctl, string[] arguments)
    {
        var start = new ProcessStartInfo(ctl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CtlTimeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "", $"no answer within {CtlTimeout.TotalSeconds} s");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    // The beam of a node started by start-rabbitmq.sh runs with "-home <its state dir>".
    private static bool IsBeamOf(int pid, string directory)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return commandLine.Contains($"-home {directory} ", StringComparison.Ordinal) && !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private int NodeNumber(string name)
    {
        var index = Array.IndexOf(_names, name);
        return index >= 0 ? index + 1 : throw new InvalidOperationException($"'{name}' is not a node of this cluster ({string.Join(", ", _names)}).");
    }

    private static int Index(int node) =>
        node is >= 1 and <= 3 ? node - 1 : throw new ArgumentOutOfRangeException(nameof(node), node, "The cluster's nodes are numbered 1 to 3.");

    private static Dictionary<string, string> Fields(string line) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
}

[CollectionDefinition("rabbitmq-cluster")]
public sealed class RabbitMqClusterCollection : ICollectionFixture<RabbitMqClusterFixture>
{
}
