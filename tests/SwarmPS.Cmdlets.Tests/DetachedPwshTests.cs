using SwarmPS.Cmdlets.Tests.Hosting;

namespace SwarmPS.Cmdlets.Tests;

/// <summary>
/// The command lines of the detached pwsh children (Start-SwarmSite -Detach, Start-SwarmExchange), built
/// in the cmdlet layer from the cmdlet classes: every value a literal pwsh expands nothing in, no token,
/// and every cmdlet and parameter they name one the module really has, checked by parsing the script.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class DetachedPwshTests(ModuleRunspace shell, TestSandbox sandbox) : IClassFixture<ModuleRunspace>
{
    private const string Site = """
        [SwarmPS.Cmdlets.DetachedPwsh]::StartSite('/opt/pwsh/pwsh', "/home/o'neil/SwarmPS/SwarmPS.psd1", '/data/camp $(evil).yaml', [string[]]('ping', "po'ng"),
            'demo-001', 'alpha', 'http://127.0.0.1:8471/', $true, [timespan]::FromSeconds(90.2))
        """;

    private const string Exchange = """
        [SwarmPS.Cmdlets.DetachedPwsh]::StartExchange('/opt/microsoft/powershell/7/pwsh', '/home/op/SwarmPS/SwarmPS.psd1', 8471, '10.1.2.3', "/srv/swarm/it's state", 'MY_TOKEN')
        """;

    private const string BrokerExchange = """
        [SwarmPS.Cmdlets.DetachedPwsh]::StartExchange('/opt/pwsh/pwsh', '/m/SwarmPS.psd1', 0, '127.0.0.1', '/s', 'SWARM_EXCHANGE_TOKEN', $null, $null, $false,
            'RabbitMq', 'amqp://n1:5672/swarm,amqp://n2:5672/swarm', "/home/op/it's.cred", 'prod')
        """;

    private IReadOnlyList<string> Argv(string script) => shell.Run(script).AssertNoErrors().Output.Select(item => item.ToString()).ToList();

    [Fact]
    public void The_detached_site_re_runs_the_same_slice_with_every_value_a_literal()
    {
        var argv = Argv(Site);

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
    public void Without_bootstrap_or_timeout_neither_flag_appears()
    {
        var script = Argv("[SwarmPS.Cmdlets.DetachedPwsh]::StartSite('pwsh', '/m.psd1', '/c.yaml', [string[]]'a', 'r', 's', 'http://h:1/', $false, $null)")[4];

        Assert.DoesNotContain("-Bootstrap", script);
        Assert.DoesNotContain("-StartupTimeout", script);
    }

    [Fact]
    public void The_detached_exchange_runs_Start_SwarmExchange_in_the_foreground_and_reports_a_failure_as_one_line()
    {
        var argv = Argv(Exchange);

        Assert.Equal(new[] { "/opt/microsoft/powershell/7/pwsh", "-NoProfile", "-NonInteractive", "-Command" }, argv.Take(4));
        var script = argv[4];
        Assert.Contains("try { Import-Module '/home/op/SwarmPS/SwarmPS.psd1' -ErrorAction Stop; Start-SwarmExchange -Foreground -Confirm:$false -Port 8471 -BindAddress '10.1.2.3' " +
            "-StateDirectory '/srv/swarm/it''s state' -TokenVariable 'MY_TOKEN' -Backend 'Sqlite' } catch {", script);
        Assert.Contains("'swarmps-error: '", script);
        Assert.EndsWith("exit 1 }", script);
    }

    [Fact]
    public void A_detached_gateway_on_a_broker_is_told_the_broker_and_where_its_credentials_are_never_the_credentials()
    {
        var script = Argv($"$env:SWARM_BROKER_PASSWORD = 'broker-secret-stays-in-env'; try {{ {BrokerExchange} }} finally {{ $env:SWARM_BROKER_PASSWORD = $null }}")[4];

        Assert.Contains("-Backend 'RabbitMq' -BrokerUri 'amqp://n1:5672/swarm,amqp://n2:5672/swarm' -BrokerCredentialFile '/home/op/it''s.cred' -BrokerName 'prod' } catch {", script);
        Assert.DoesNotContain("broker-secret", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_itself_never_enters_the_argv()
    {
        var argv = shell.Run($"$env:MY_TOKEN = 'value-that-must-stay-in-the-environment'; try {{ {Exchange} }} finally {{ $env:MY_TOKEN = $null }}").AssertNoErrors().Output.Select(item => item.ToString());

        Assert.DoesNotContain(argv, argument => argument.Contains("value-that-must-stay-in-the-environment", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(Site, new[] { "Import-SwarmCampaign", "Select-SwarmAgent", "Start-SwarmSite" })]
    [InlineData(Exchange, new[] { "Start-SwarmExchange" })]
    [InlineData(BrokerExchange, new[] { "Start-SwarmExchange" })]
    public void Every_cmdlet_and_parameter_the_child_runs_exists_in_the_module(string build, string[] cmdlets)
    {
        // Parse the child's script as pwsh will, and look each command and parameter up in the module.
        var result = shell.Run($$"""
            $script = ({{build}})[4]
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($script, [ref]$null, [ref]$null)
            foreach ($command in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $command.GetCommandName()
                if ($name -notlike '*-Swarm*') { continue }
                $known = (Get-Command -Module SwarmPS -Name $name -ErrorAction Stop).Parameters.Keys
                foreach ($parameter in $command.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] }) {
                    "$name -$($parameter.ParameterName) $($known -contains $parameter.ParameterName)"
                }
                "$name"
            }
            """).AssertNoErrors();
        var lines = result.Output.Select(item => item.ToString()).ToList();

        Assert.Equal(cmdlets, lines.Where(line => !line.Contains(' ')));
        Assert.All(lines.Where(line => line.Contains(' ')), line => Assert.EndsWith(" True", line));
        Assert.Contains(lines, line => line.EndsWith("-StateDirectory True", StringComparison.Ordinal) || line.EndsWith("-RunId True", StringComparison.Ordinal));
    }

    [Fact]
    public void A_module_path_that_is_the_root_binary_maps_to_the_manifest_beside_bin()
    {
        var root = sandbox.NewDirectory("module");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        File.WriteAllText(Path.Combine(root, "SwarmPS.psd1"), "@{}");

        var mapped = shell.Run(
            "[SwarmPS.Cmdlets.ModuleManifestPath]::For((Join-Path $root bin/SwarmPS.Cmdlets.dll)); [SwarmPS.Cmdlets.ModuleManifestPath]::For((Join-Path $root SwarmPS.psd1))",
            ("root", root)).AssertNoErrors();

        Assert.Equal(new[] { Path.Combine(root, "SwarmPS.psd1"), Path.Combine(root, "SwarmPS.psd1") }, mapped.Output.Select(item => item.ToString()));
    }

    [Theory]
    [InlineData("plain", "'plain'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("$(Remove-Item /)", "'$(Remove-Item /)'")]
    public void Values_are_single_quoted_so_pwsh_expands_nothing(string value, string quoted)
    {
        var result = shell.Run("[SwarmPS.Cmdlets.PowerShellLiteral]::Quote($value)", ("value", value)).AssertNoErrors();

        Assert.Equal(quoted, Assert.Single(result.Output).ToString());
        Assert.Equal(value, shell.Run($"& {{ {quoted} }}").AssertNoErrors().Output.Single().ToString());
    }
}
