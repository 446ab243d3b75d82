using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>The pwsh command line Start-SwarmSite -Detach runs: pure, so checked here without pwsh.</summary>
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
        Assert.Contains("Import-Module '/home/o''neil/SwarmPS/SwarmPS.psd1';", script);
        Assert.Contains("Import-SwarmCampaign -Path '/data/camp $(evil).yaml' |", script);
        Assert.Contains("Select-SwarmAgent -Name 'ping','po''ng' |", script);
        Assert.Contains("Start-SwarmSite -RunId 'demo-001' -Site 'alpha' -ExchangeUrl 'http://127.0.0.1:8471/'", script);
        Assert.Contains("-Bootstrap", script);
        Assert.Contains("-StartupTimeout 91", script);
        Assert.DoesNotContain("TOKEN", script, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Without_bootstrap_or_timeout_neither_flag_appears()
    {
        var script = DetachedSiteLaunch.PwshCommand("pwsh", "/m.psd1", "/c.yaml", new[] { "a" }, "r", "s", "http://h:1/", false, null)[4];
        Assert.DoesNotContain("-Bootstrap", script);
        Assert.DoesNotContain("-StartupTimeout", script);
    }
}
