using System.Diagnostics;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

// 100 status polls through each SSH transport against the real sshd (issue 18): OpenSSH with its
// ControlMaster connection (the default), OpenSSH with a new connection per command, and the in-process
// SSH.NET client (ssh.client: sshnet). A poll is what Get-SwarmJob runs on a remote site: one StatusProbe
// round trip, here a process listing standing in for squeue (the bench sshd runs no scheduler) and the
// listing of a status/ directory holding 64 tasks' .exit files. The first poll of each transport, which
// pays for connecting and logging in, is reported apart from the 100 timed ones.
// With "true" as the second argument each poll is the command `true` instead, which leaves the transport's
// own cost per command (no remote bash, ps or find).
// usage: dotnet run -c Release --project bench/SwarmPS.Bench.Ssh [-- <polls> [probe|true]]
// Needs the sshd of tests/infra/start-sshd.sh (started here if it does not run; left running).
var polls = args.Length > 0 ? int.Parse(args[0]) : 100;
var bareCommand = args.Length > 1 && args[1] == "true";
var repository = FindRepository();
const string State = "/tmp/swarmps-test/sshd";
var port = StartSshd(repository);
var user = Environment.UserName;

var statusDirectory = Directory.CreateTempSubdirectory("swarmps-bench-ssh-");
for (var task = 0; task < 64; task++)
{
    File.WriteAllText(Path.Combine(statusDirectory.FullName, $"{task}.exit"), "0\n");
}

var steps = new[] { new ProbeStep("queue", "ps -e -o pid=,stat=,etime=,comm= | head -n 50") };
var probe = new StatusProbe(retryDelays: []);
var settings = new SshSettings
{
    Host = "127.0.0.1",
    User = user,
    Port = port,
    IdentityFile = Path.Combine(State, "id_ed25519"),
    ConnectTimeout = TimeSpan.FromSeconds(10),
    Options = new Dictionary<string, string> { ["UserKnownHostsFile"] = Path.Combine(State, "known_hosts"), ["StrictHostKeyChecking"] = "yes" },
};
var controlDirectory = Directory.CreateTempSubdirectory("swarmps-bench-mux-");

Console.WriteLine($"{polls} {(bareCommand ? "runs of `true`" : "status polls")} per transport against sshd on 127.0.0.1:{port} ({Environment.ProcessorCount} cores, load {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?")})");
Console.WriteLine($"{"transport",-28} {"first poll (connect) ms",24} {"total s",9} {"median ms",10} {"p95 ms",8} {"connections",12}");
try
{
    var master = new OpenSshShell(settings with { ConfigFile = "/dev/null", ControlPath = Path.Combine(controlDirectory.FullName, "%C"), ControlPersist = "60" });
    await Measure("openssh (ControlMaster)", master, () => "1 master");
    await master.CloseConnectionAsync();
    await Measure("openssh (no multiplexing)", new OpenSshShell(settings with { ConfigFile = "/dev/null", ControlPath = null }), () => $"{polls + 1}");
    using var sshNet = new SshNetShell(settings with { Client = SshClientKind.SshNet });
    await Measure("sshnet (in-process)", sshNet, () => sshNet.Connections.ToString());
}
finally
{
    statusDirectory.Delete(recursive: true);
    controlDirectory.Delete(recursive: true);
}

async Task Measure(string name, ISiteShell shell, Func<string> connections)
{
    var clock = Stopwatch.StartNew();
    await Poll(shell);
    var first = clock.Elapsed;
    var times = new List<double>();
    var total = Stopwatch.StartNew();
    for (var i = 0; i < polls; i++)
    {
        clock.Restart();
        await Poll(shell);
        times.Add(clock.Elapsed.TotalMilliseconds);
    }

    total.Stop();
    times.Sort();
    Console.WriteLine($"{name,-28} {first.TotalMilliseconds,24:0.0} {total.Elapsed.TotalSeconds,9:0.00} {Percentile(times, 0.5),10:0.0} {Percentile(times, 0.95),8:0.0} {connections(),12}");
}

async Task Poll(ISiteShell shell)
{
    if (bareCommand)
    {
        var done = await shell.RunAsync(new ShellCommand("true"));
        if (done.ExitCode != 0)
        {
            throw new InvalidOperationException($"`true` exited {done.ExitCode}: {done.StandardError}");
        }

        return;
    }

    var result = await probe.RunAsync(shell, "bench", steps, [statusDirectory.FullName], CancellationToken.None);
    if (result.Files[0].ExitCodes.Count != 64 || result.Steps["queue"].ExitCode != 0)
    {
        throw new InvalidOperationException($"A poll read {result.Files[0].ExitCodes.Count} of 64 exit files; the probe is broken.");
    }
}

static double Percentile(List<double> sorted, double fraction) =>
    sorted[Math.Clamp((int)Math.Ceiling(fraction * sorted.Count) - 1, 0, sorted.Count - 1)];

static int StartSshd(string repository)
{
    var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add(Path.Combine(repository, "tests", "infra", "start-sshd.sh"));
    start.ArgumentList.Add(State);
    start.Environment["SSHD_USER"] = Environment.UserName;
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"tests/infra/start-sshd.sh failed: {output}{error}");
    }

    var field = output.Split(' ', '\n').First(word => word.StartsWith("port=", StringComparison.Ordinal));
    return int.Parse(field["port=".Length..]);
}

static string FindRepository()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "tests", "infra", "start-sshd.sh")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository (tests/infra/start-sshd.sh not found).");
}
