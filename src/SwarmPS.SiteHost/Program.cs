using System.Globalization;
using System.Runtime.InteropServices;
using SwarmPS.Engine;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

// Usage: SwarmPS.SiteHost --campaign FILE --run-id ID [--site NAME] [--agents a,b] [--bootstrap]
//        [--startup-timeout-ms N] [--restart-delay-ms N] [--exchange-url URL] [--working-directory DIR]
//        [--allocation [--nodes N] [--walltime W] [--queue Q]]
//        SwarmPS.SiteHost stop --run-id ID --site NAME [--grace-ms N]
//        SwarmPS.SiteHost training-role   (an agent of a training campaign: docs/training-live.md)
// Sites come from the catalog (SWARMPS_SITE_PATH, XDG); the exchange token from the campaign's token
// variable. Prints landmarks on stdout; SIGTERM or Ctrl+C stops the site (agents included).
// `stop` stops what a launch started on THIS host (SiteStopper: pid + start time + host) and prints the
// result as one JSON line; mailboxes are left to the caller, who holds the exchange token.
// Exit codes: 0 every local agent finished (or stopped), 1 the launch failed (error on stderr), 130 stopped.
if (args.Length > 0 && args[0] == "stop")
{
    return await StopCommand.RunAsync(args[1..]);
}

if (args.Length == 1 && args[0] == "training-role")
{
    // An agent of a training campaign (TrainingCampaign): SIGTERM from its supervisor ends the role and its trainer.
    using var roleStopping = new CancellationTokenSource();
    using var roleSigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
    {
        context.Cancel = true;
        roleStopping.Cancel();
    });
    return await SwarmPS.Engine.LiveTraining.TrainingRoleHost.RunAsync(roleStopping.Token);
}

string? campaignPath = null, runId = null, site = null, exchangeUrl = null, agents = null;
var bootstrap = false;
var allocation = false;
int? nodes = null;
string? walltime = null, queue = null;
TimeSpan? startupTimeout = null;
var restartDelay = TimeSpan.FromSeconds(1);
var workingDirectory = Environment.CurrentDirectory;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--campaign": campaignPath = Next(); break;
        case "--run-id": runId = Next(); break;
        case "--site": site = Next(); break;
        case "--agents": agents = Next(); break;
        case "--bootstrap": bootstrap = true; break;
        case "--startup-timeout-ms": startupTimeout = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--restart-delay-ms": restartDelay = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--exchange-url": exchangeUrl = Next(); break;
        case "--working-directory": workingDirectory = Next(); break;
        case "--allocation": allocation = true; break;
        case "--nodes": nodes = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--walltime": walltime = Next(); break;
        case "--queue": queue = Next(); break;
        default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
    }
}

if (campaignPath is null || runId is null)
{
    Console.Error.WriteLine("--campaign and --run-id are required");
    return 2;
}

using var stopping = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stopping.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stopping.Cancel();
};

try
{
    var options = new SiteLaunchRequest
    {
        Campaign = CampaignLoader.Load(campaignPath),
        RunId = runId,
        Site = site,
        Agents = agents?.Split(','),
        ExchangeUrl = exchangeUrl,
        StartupTimeout = startupTimeout,
        Bootstrap = bootstrap,
        WorkingDirectory = workingDirectory,
        Allocation = allocation,
        Nodes = nodes,
        Walltime = walltime,
        Queue = queue,
    }.Resolve(SiteCatalog.Default) with { RestartDelay = restartDelay };
    using var exchange = options.Exchange.OpenClient();
    var landmarks = new SynchronousLines();
    var result = await new SiteLauncher(options, exchange, landmarks).RunAsync(stopping.Token);
    Console.WriteLine($"[site {result.Site}] finished in {result.Elapsed.TotalSeconds:0.0} s");
    return 0;
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    return 130;
}
catch (SwarmException error)
{
    Console.Error.WriteLine(error.ToString());
    Console.Error.WriteLine(LaunchFailureLine.Format(error)); // read by DetachedSiteLaunch in the parent
    return 1;
}

/// <summary>`stop`: SiteStopper on this host, for a remote operator (RemoteSiteRun.StopAsync reads the JSON line).</summary>
internal static class StopCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? runId = null, site = null;
        var grace = ProcessStopper.DefaultGrace;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--run-id": runId = Next(); break;
                case "--site": site = Next(); break;
                case "--grace-ms": grace = TimeSpan.FromMilliseconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                default: Console.Error.WriteLine($"unknown argument {args[i]}"); return 2;
            }
        }

        if (runId is null || site is null)
        {
            Console.Error.WriteLine("stop needs --run-id and --site");
            return 2;
        }

        try
        {
            var layout = RunLocator.Find(SiteCatalog.Default, runId, new[] { site }).Single();
            var result = await SiteStopper.StopAsync(layout, null, grace);
            Console.WriteLine(RemoteStopReport.Serialize(result!));
            return 0;
        }
        catch (SwarmException error)
        {
            Console.Error.WriteLine(LaunchFailureLine.Format(error));
            return 1;
        }
    }
}

/// <summary>Landmarks straight to stdout, in order, flushed (the log is read while the site runs).</summary>
internal sealed class SynchronousLines : IProgress<string>
{
    public void Report(string value)
    {
        lock (this)
        {
            Console.Out.WriteLine(value);
            Console.Out.Flush();
        }
    }
}
