using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>What Start-SwarmSite -Detach runs (which pwsh, what command line) and how the child reports a failure back; no pwsh needed.</summary>
public sealed class DetachedSiteLaunchTests
{
    [Fact]
    public void The_detached_command_re_runs_the_same_slice_with_every_value_a_literal()
    {
        var argv = DetachedSiteLaunch.PwshCommand(
            "/opt/pwsh/pwsh", "/home/o'neil/SwarmPS/SwarmPS.psd1", "/data/camp $(evil).yaml", new[] { "ping", "po'ng" },
            "demo-001", "alpha", "http://127.0.0.1:8471/", bootstrap: true, startupTimeout: TimeSpan.FromSeconds(90.2));

        Assert.Equal(new[] { "/opt/pwsh/pwsh", "-NoProfile", "-NonInteractive", "-Command" }, argv.Take(4));
        Assert.Equal(5, argv.Count);
        var script = argv[4];
        Assert.Contains("Import-Module '/home/o''neil/SwarmPS/SwarmPS.psd1' -ErrorAction Stop;", script);
        Assert.Contains("Import-SwarmCampaign -Path '/data/camp $(evil).yaml' |", script);
        Assert.Contains("Select-SwarmAgent -Name 'ping','po''ng' |", script);
        Assert.Contains("Start-SwarmSite -RunId 'demo-001' -Site 'alpha' -ExchangeUrl 'http://127.0.0.1:8471/'", script);
        Assert.Contains("-Bootstrap", script);
        Assert.Contains("-StartupTimeout 91", script);
        Assert.DoesNotContain("TOKEN", script, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'swarmps-error: '", script);
        Assert.StartsWith("$ErrorActionPreference = 'Stop';", script);
    }

    [Fact]
    public void The_child_pwsh_is_the_one_in_pshome_and_a_missing_one_is_named()
    {
        var home = Directory.CreateTempSubdirectory("swarmps-pshome-").FullName;
        try
        {
            var missing = Assert.Throws<SwarmException>(() => DetachedSiteLaunch.PwshIn(home));
            Assert.Equal("PwshNotFound", missing.ErrorId);
            Assert.Contains(Path.Combine(home, "pwsh"), missing.Message);

            var pwsh = Path.Combine(home, "pwsh");
            File.WriteAllText(pwsh, "#!/bin/sh\n");
            File.SetUnixFileMode(pwsh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.Equal(pwsh, DetachedSiteLaunch.PwshIn(home));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public void A_failure_line_round_trips_id_message_remediation_and_category()
    {
        var error = new SwarmException("MailboxExists", "Run id 'r' is in use: \"x\".", "Choose a new run id.", SwarmErrorCategory.ResourceExists);
        var lines = new[] { "[site alpha] registered 1 agent(s)", LaunchFailureLine.Format(error), "trailing noise", "swarmps-error: {cut sh" };

        var parsed = LaunchFailureLine.LastIn(lines, "/runs/r/alpha");

        Assert.NotNull(parsed);
        Assert.Equal("MailboxExists", parsed!.ErrorId);
        Assert.Equal(error.Message, parsed.Message);
        Assert.Equal(error.Remediation, parsed.Remediation);
        Assert.Equal(SwarmErrorCategory.ResourceExists, parsed.Category);
        Assert.Equal("/runs/r/alpha", parsed.Target);
        Assert.Null(LaunchFailureLine.LastIn(new[] { "no marker here" }));
    }

    [Fact]
    public void Without_bootstrap_or_timeout_neither_flag_appears()
    {
        var script = DetachedSiteLaunch.PwshCommand("pwsh", "/m.psd1", "/c.yaml", new[] { "a" }, "r", "s", "http://h:1/", false, null)[4];
        Assert.DoesNotContain("-Bootstrap", script);
        Assert.DoesNotContain("-StartupTimeout", script);
    }
}
