using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// Ships an experiment's code to <c>&lt;runRoot&gt;/code/&lt;name&gt;/</c> on a site, and skips when the site
/// already holds the same tree. Plan first (list, hash, one remote read of the site's
/// <see cref="ShippedCode.FileName"/>), then ship: with rsync when both ends have it (only changed files
/// travel), else as one tar stream through the site shell. Either way the new tree is built in a temporary
/// folder beside the old one and swapped in only when complete, so a half-shipped tree never replaces a good
/// one. Everything is created owner-only (umask 077, modes 0600/0700), as the launch's run folders are.
/// </summary>
public static partial class CodeShipper
{
    /// <summary>The folder under the run root that holds every shipped tree.</summary>
    public const string CodeFolder = "code";

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMinutes(1);

    // "~" is the far side's home, which only that side knows (as for the run root in preflight); a relative
    // run root (how the profile loader spells "~/x" for a remote site) is relative to where ssh starts, the home.
    private const string ExpandHome = "d=$1; case $d in \"~\") d=$HOME ;; \"~/\"*) d=$HOME/${d#\"~/\"} ;; /*) ;; *) d=$PWD/$d ;; esac; ";

    // Swaps the complete tree $t in for $d. Between the two renames $d is briefly absent, never half-written.
    private const string SwapIn = "printf '%s\\n' \"$3\" > \"$t/" + ShippedCode.FileName + "\"; "
        + "if [ -e \"$d\" ] || [ -L \"$d\" ]; then o=\"$d.swarm-old.$$\"; mv -- \"$d\" \"$o\"; mv -- \"$t\" \"$d\"; rm -rf -- \"$o\"; "
        + "else mv -- \"$t\" \"$d\"; fi";

    /// <summary>Lists and hashes the code, reads what the site holds, and picks the transport. Changes nothing.</summary>
    public static async Task<CodeSyncPlan> PlanAsync(CodeSyncRequest request, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var manifest = await CodeManifest.BuildAsync(request.Path, request.Exclude, cancellationToken).ConfigureAwait(false);
        var name = CheckName(request.Name ?? Path.GetFileName(manifest.Root.TrimEnd('/')));
        var probe = await ProbeAsync(request.Site, name, cancellationToken).ConfigureAwait(false);
        return new CodeSyncPlan(request, manifest, name, probe.Destination, probe.OnSite, PickTransport(request, probe.SiteHasRsync, manifest.Root), clock.Elapsed);
    }

    /// <summary>Ships the planned tree unless the plan skips; returns what happened.</summary>
    public static async Task<CodeSyncResult> ShipAsync(CodeSyncPlan plan, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!plan.Skips)
        {
            var record = new ShippedCode
            {
                TreeHash = plan.Manifest.TreeHash,
                Files = plan.Manifest.Files.Count,
                Bytes = plan.Manifest.Bytes,
                ShippedAt = DateTimeOffset.UtcNow,
                FromHost = Environment.MachineName,
                FromUser = Environment.UserName,
                FromPath = plan.Manifest.Root,
                Transport = plan.Transport,
            };
            if (plan.Transport == CodeTransport.Rsync)
            {
                await ShipWithRsyncAsync(plan, record, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ShipWithTarAsync(plan, record, cancellationToken).ConfigureAwait(false);
            }
        }

        return new CodeSyncResult(
            plan.Request.Site.Name, plan.Name, plan.Destination, plan.Manifest.TreeHash, plan.Manifest.Files.Count,
            plan.Manifest.Bytes, !plan.Skips, plan.Transport, plan.Planning + clock.Elapsed);
    }

    /// <summary>
    /// The record of the code last shipped to the site under <paramref name="name"/>, or null when none
    /// (or an unreadable one) is there: what a job submission records as its code hash, and -Resume compares.
    /// </summary>
    public static async Task<ShippedCode?> ReadShippedAsync(SiteProfile site, string name, CancellationToken cancellationToken) =>
        (await ProbeAsync(site, CheckName(name), cancellationToken).ConfigureAwait(false)).OnSite;

    /// <summary>
    /// Where the tree named <paramref name="name"/> lives on the site (its run root resolved: an absolute
    /// path) and the record of the code last shipped there, or null when none is: what a job plan's -Code
    /// reads, so the job records the code hash and its tasks find the code (SWARM_CODE_DIR).
    /// </summary>
    public static async Task<(string Directory, ShippedCode? OnSite)> LocateShippedAsync(SiteProfile site, string name, CancellationToken cancellationToken)
    {
        var probe = await ProbeAsync(site, CheckName(name), cancellationToken).ConfigureAwait(false);
        return (probe.Destination, probe.OnSite);
    }

    /// <summary>The folder a tree named <paramref name="name"/> lives in on the site, as the profile spells the run root.</summary>
    public static string DestinationFor(SiteProfile site, string name) => $"{site.RunRoot.TrimEnd('/')}/{CodeFolder}/{name}";

    private sealed record Probe(string Destination, bool SiteHasRsync, ShippedCode? OnSite);

    // One round trip: the destination with "~" resolved, whether rsync is there, and the shipped record.
    private static async Task<Probe> ProbeAsync(SiteProfile site, string name, CancellationToken cancellationToken)
    {
        const string script = ExpandHome
            + "printf '%s\\n' \"$d\"; if command -v rsync >/dev/null 2>&1; then echo rsync; else echo none; fi; "
            + "if [ -f \"$d/" + ShippedCode.FileName + "\" ]; then head -c 65537 -- \"$d/" + ShippedCode.FileName + "\"; fi";
        var shell = SiteShell.For(site);
        var result = await shell.RunAsync(
            new ShellCommand("sh", "-c", script, "sh", DestinationFor(site, name)) { Timeout = ProbeTimeout },
            cancellationToken).ConfigureAwait(false);
        var lines = result.StandardOutput.Split('\n', 3);
        if (!result.Succeeded || lines.Length < 2 || lines[0].Length == 0)
        {
            throw Failed(site, $"could not read the code folder on {shell.Target}: {Tail(result)}");
        }

        return new Probe(lines[0], lines[1] == "rsync", ShippedCode.TryParse(lines.Length > 2 ? lines[2] : null));
    }

    private static string PickTransport(CodeSyncRequest request, bool siteHasRsync, string root)
    {
        if (!request.Site.IsRemote)
        {
            return CodeTransport.Local;
        }

        var hereHasRsync = ProgramLookup.Resolve("rsync", root, Environment.GetEnvironmentVariable("PATH")) is not null;
        switch (request.Transport)
        {
            case CodeTransport.Tar:
                return CodeTransport.Tar;
            case CodeTransport.Rsync when !hereHasRsync || !siteHasRsync:
                throw new SwarmException(
                    "CodeRsyncMissing",
                    $"-Transport rsync needs rsync on this machine and on site '{request.Site.Name}'; it is missing on {(hereHasRsync ? "the site" : "this machine")}.",
                    "Install rsync there, or use -Transport tar (or auto, which falls back to tar).",
                    SwarmErrorCategory.NotInstalled,
                    request.Site.Name);
            case CodeTransport.Rsync:
                return CodeTransport.Rsync;
            default:
                return hereHasRsync && siteHasRsync ? CodeTransport.Rsync : CodeTransport.Tar;
        }
    }

    private static async Task ShipWithTarAsync(CodeSyncPlan plan, ShippedCode record, CancellationToken cancellationToken)
    {
        const string script = "set -e; umask 077; d=$1; t=\"$d.swarm-tmp.$$\"; mkdir -p -- \"$(dirname -- \"$d\")\"; "
            + "rm -rf -- \"$t\"; mkdir -- \"$t\"; trap 'rm -rf -- \"$t\"' EXIT; tar -xf - -C \"$t\"; "
            + "[ -f \"$t/" + CodeTarStream.CompleteMarker + "\" ] || { echo 'the code stream ended early' >&2; exit 1; }; rm -f -- \"$t/" + CodeTarStream.CompleteMarker + "\"; " + SwapIn;
        var shell = SiteShell.For(plan.Request.Site);
        var result = await shell.RunAsync(
            new ShellCommand("sh", "-c", script, "sh", plan.Destination, "", record.ToJson())
            {
                StandardInputWriter = (stdin, token) => CodeTarStream.WriteAsync(plan.Manifest, stdin, token),
            },
            cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw Failed(plan.Request.Site, $"unpacking the code into {plan.Destination} on {shell.Target} failed: {Tail(result)}");
        }
    }

    private static async Task ShipWithRsyncAsync(CodeSyncPlan plan, ShippedCode record, CancellationToken cancellationToken)
    {
        var site = plan.Request.Site;
        var ssh = new OpenSshShell(site.Ssh!);
        var stage = $"{plan.Destination}.swarm-tmp.{Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant()}";

        // The staging folder is made here, owner-only: rsync would make it with the login's umask (often 0755),
        // and would not make the code folder above it at all.
        var prepare = await ssh.RunAsync(
            new ShellCommand("sh", "-c", "set -e; umask 077; mkdir -p -- \"$(dirname -- \"$1\")\"; mkdir -- \"$1\"", "sh", stage) { Timeout = ProbeTimeout },
            cancellationToken).ConfigureAwait(false);
        if (!prepare.Succeeded)
        {
            throw Failed(site, $"could not make the code folder for {plan.Destination} on {ssh.Target}: {Tail(prepare)}");
        }

        // The same connection options every other ssh command of this site uses (one master connection).
        var rsh = "ssh " + string.Join(' ', ssh.ConnectionOptions().Select(QuoteForRsync));
        var arguments = new List<string>
        {
            "-a", "--chmod=go-rwx", "--from0", "--files-from=-", "-e", rsh,
        };
        if (plan.OnSite is not null)
        {
            // Unchanged files are hard-linked from the current tree instead of sent: only the changes travel.
            // --checksum: "unchanged" by content, not rsync's size-and-mtime quick check, which took a same-size
            // edit made within the second of the last sync for unchanged and linked the old file (stale code
            // shipped under the new tree hash; CodeSync.Tests caught it on a fast CI run).
            arguments.Add("--checksum");
            arguments.Add($"--link-dest={plan.Destination}");
        }

        arguments.Add(plan.Manifest.Root.TrimEnd('/') + "/");
        arguments.Add($"{site.Ssh!.Destination}:{stage}/");
        var list = Encoding.UTF8.GetBytes(string.Concat(plan.Manifest.Files.Select(file => file.Path + "\0")));
        var copied = await ProcessRunner.RunAsync(new ShellCommand("rsync", arguments) { StandardInput = list }, cancellationToken).ConfigureAwait(false);
        var finish = "set -e; umask 077; t=$1; d=$2; " + SwapIn;
        var cleanup = "rm -rf -- \"$1\"";
        if (!copied.Succeeded)
        {
            await ssh.RunAsync(new ShellCommand("sh", "-c", cleanup, "sh", stage) { Timeout = ProbeTimeout }, CancellationToken.None).ConfigureAwait(false);
            throw new SwarmException(
                "CodeRsyncFailed",
                $"rsync of the code to {stage} on {ssh.Target} exited with {copied.ExitCode}: {Tail(copied)}",
                "Fix what rsync reports (space, permissions on the run root), or retry with -Transport tar.",
                SwarmErrorCategory.ConnectionError,
                site.Name);
        }

        var swapped = await ssh.RunAsync(
            new ShellCommand("sh", "-c", finish, "sh", stage, plan.Destination, record.ToJson()) { Timeout = ProbeTimeout },
            cancellationToken).ConfigureAwait(false);
        if (!swapped.Succeeded)
        {
            throw Failed(site, $"could not move the shipped code into {plan.Destination} on {ssh.Target}: {Tail(swapped)}");
        }
    }

    // rsync splits its -e command on spaces and honours double quotes, so a word with a space or quote is wrapped in them.
    private static string QuoteForRsync(string word)
    {
        if (word.Contains('"'))
        {
            throw new SwarmException(
                "CodeRsyncUnsupported",
                $"The ssh option '{word}' holds a double quote, which rsync's -e cannot carry.",
                "Use -Transport tar for this site, or move the option into an ssh_config file (config_file).",
                SwarmErrorCategory.InvalidArgument,
                word);
        }

        return word.Any(c => char.IsWhiteSpace(c) || c == '\'') ? $"\"{word}\"" : word;
    }

    private static string CheckName(string name)
    {
        if (!SafeName().IsMatch(name) || name is "." or "..")
        {
            throw new SwarmException(
                "CodeNameInvalid",
                $"'{name}' cannot name a code folder on a site.",
                "Give -Name letters, digits, '.', '_' or '-' only (e.g. -Name my-experiment).",
                SwarmErrorCategory.InvalidArgument,
                name);
        }

        return name;
    }

    private static SwarmException Failed(SiteProfile site, string what) => new(
        "CodeSyncFailed",
        $"Sync-SwarmCode to site '{site.Name}': {what}",
        "Check that the run root is writable and that 'sh' and 'tar' work there (Test-SwarmSite checks the run root), then sync again.",
        SwarmErrorCategory.ResourceUnavailable,
        site.Name);

    private static string Tail(ShellResult result)
    {
        var text = (result.StandardError.Trim().Length > 0 ? result.StandardError : result.StandardOutput).Trim();
        if (result.TimedOut)
        {
            return "timed out";
        }

        return text.Length == 0 ? $"exit code {result.ExitCode}" : text.Length > 600 ? "..." + text[^600..] : text;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex SafeName();
}
