# The exchange_tunnel keys of a site profile, as the real module in real pwsh reads them (docs/sites.md).
# The tunnel itself is proven against the real sshd in tests/SwarmPS.Engine.Tests/Sites/ReverseTunnelTests.cs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:savedConfigHome = $env:XDG_CONFIG_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    $script:sites = Join-Path $env:XDG_CONFIG_HOME 'swarmps/sites'
    New-Item -ItemType Directory -Path $script:sites -Force | Out-Null
    function New-SiteFile([string] $name, [string] $yaml) {
        Set-Content -LiteralPath (Join-Path $script:sites "$name.yaml") -Value $yaml -Encoding utf8NoBOM
    }

    New-SiteFile 'tunnel-on' "scheduler: slurm`nrun_root: runs`nssh:`n  host: login.example`nexchange_tunnel: true`nexchange_tunnel_gateway: login01.hsn.example`n"
    New-SiteFile 'tunnel-off' "scheduler: slurm`nrun_root: runs`nssh:`n  host: login.example`n"
    New-SiteFile 'tunnel-nossh' "scheduler: local`nrun_root: /tmp/runs`nexchange_tunnel: true`n"
}

AfterAll {
    $env:XDG_CONFIG_HOME = $script:savedConfigHome
}

Describe 'exchange_tunnel in a site profile' {
    It 'is read with its gateway when asked for' {
        $site = Get-SwarmSite -Name tunnel-on
        $site.Ready | Should -BeTrue
        $site.Profile.ExchangeTunnel | Should -BeTrue
        $site.Profile.ExchangeTunnelGateway | Should -Be 'login01.hsn.example'
    }

    It 'is off by default' {
        (Get-SwarmSite -Name tunnel-off).Profile.ExchangeTunnel | Should -BeFalse
    }

    It 'makes a site without ssh not ready, naming the key and the fix' {
        $site = Get-SwarmSite -Name tunnel-nossh
        $site.Ready | Should -BeFalse
        $site.Problem | Should -Match 'exchange_tunnel'
        $site.Problem | Should -Match 'ssh section'
    }
}
