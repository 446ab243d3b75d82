# Acceptance tests of exchange_tunnel: true on a remote site. The exchange is plain HTTP on this machine's
# 127.0.0.1, which the far side cannot reach; Start-SwarmSite opens an SSH reverse tunnel through the site's
# login host (swarmps-remote behind the real sshd on 127.0.0.1:2223, tests/infra/start-remote-user.sh) and
# gives the remote launcher and its agents the tunnel's URL. The tunnel outlives the pwsh session that
# started the site, and Stop-SwarmSite ends it, also after its opener was killed with -9.
# Needs root (the infra script creates the user) and python3. Run after building:
#   Invoke-Pester ./tests/pester/RemoteTunnel.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Remote = Start-RemoteUser
    $script:Bed = Start-TwoSiteBed
    $script:SavedStateHome = $env:XDG_STATE_HOME
    # The tunnel records live under $XDG_STATE_HOME/swarmps/tunnels/<run>/<site> on the operator's machine.
    $env:XDG_STATE_HOME = Join-Path $TestDrive 'state'
    Set-Content -Path (Join-Path $env:SWARMPS_SITE_PATH 'beta.yaml') -Value @"
scheduler: local
run_root: ~/swarm-runs-pester-tunnel
exchange_tunnel: true
$($script:Remote.SshYaml)
"@
    $script:ExchangePort = $script:Bed.Exchange.Url.Port

    $script:Counter = New-CounterCampaign 'pester-tunnel-counter'
    $script:Sleeper = New-SleeperCampaign 'pester-tunnel-sleeper'

    function Get-TunnelDirectory([string] $RunId) { Join-Path $env:XDG_STATE_HOME "swarmps/tunnels/$RunId/beta" }

    function Get-TunnelRecord([string] $RunId) {
        $directory = Get-TunnelDirectory $RunId
        if (Test-Path $directory) {
            Get-ChildItem $directory -Filter 'tunnel-*.json' | ForEach-Object { Get-Content $_.FullName -Raw | ConvertFrom-Json }
        }
    }

    # Live ssh processes forwarding a remote port to this exchange ("ssh -N -R 0:127.0.0.1:<port> ..."), any opener.
    function Get-TunnelSsh {
        foreach ($directory in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
            try { $words = [IO.File]::ReadAllText("$($directory.FullName)/cmdline").Split([char] 0) } catch { continue }
            if ($words[0] -match '(^|/)ssh$' -and $words -contains '-R' -and $words -contains "0:127.0.0.1:$script:ExchangePort") {
                [int] $directory.Name
            }
        }
    }

    # Running, not merely a zombie waiting for init to reap it (an orphaned ssh's parent is init).
    function Test-Running([int] $ProcessId) {
        try { $stat = [IO.File]::ReadAllText("/proc/$ProcessId/stat") } catch { return $false }
        $stat.Substring($stat.LastIndexOf(')') + 2, 1) -ne 'Z'
    }

    function Get-EnvironmentOf([int] $ProcessId, [string] $Name) {
        $entry = [IO.File]::ReadAllText("/proc/$ProcessId/environ").Split([char] 0) | Where-Object { $_.StartsWith("$Name=") }
        $entry ? $entry.Substring($Name.Length + 1) : $null
    }

    # Start-SwarmSite -Site beta in a pwsh of its own, the way an operator's session does it and then ends.
    function Start-BetaInChild([string] $Campaign, [string] $RunId, [switch] $NoWait) {
        $command = "Import-Module '$ModuleManifest'; Import-SwarmCampaign '$Campaign' | Start-SwarmSite -RunId $RunId -Site beta -Confirm:`$false -ErrorAction Stop | Out-Null"
        $log = Join-Path $TestDrive "child-$RunId"
        Start-Process -FilePath $PwshPath -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $command -WorkingDirectory $RepoRoot `
            -RedirectStandardOutput "$log.out" -RedirectStandardError "$log.err" -PassThru -Wait:(-not $NoWait)
    }

    Push-Location $RepoRoot
}

AfterAll {
    Pop-Location
    Get-TunnelSsh | ForEach-Object { Stop-Process -Id $_ -Force -ErrorAction SilentlyContinue }
    Stop-TwoSiteBed $script:Bed
    Stop-RemoteUser $script:Remote
    $env:XDG_STATE_HOME = $script:SavedStateHome
}

Describe 'exchange_tunnel: true on a remote site' {
    It 'counts with a local site through the tunnel, which outlives the starting session, and Stop-SwarmSite closes it' {
        $script:Bed.Exchange.Url.ToString() | Should -BeLike 'http://127.0.0.1:*'
        $runId = New-RunId 'pester-tunnel'

        $child = Start-BetaInChild $script:Counter $runId
        $child.ExitCode | Should -Be 0 -Because (Get-Content (Join-Path $TestDrive "child-$runId.err") -Raw)

        # The session that opened the tunnel has ended; the tunnel still runs, for the site that still runs.
        $record = @(Get-TunnelRecord $runId)
        $record.Count | Should -Be 1
        Test-Running $record.SshPid | Should -BeTrue
        Get-TunnelSsh | Should -Be $record.SshPid
        $record.LocalUrl | Should -Be $script:Bed.Exchange.Url.ToString()
        $record.Url | Should -Be "http://127.0.0.1:$($record.RemotePort)/"

        # The remote agent runs as the remote user and was told the tunnel's URL, not the operator's.
        $pong = Get-SwarmAgent -RunId $runId -Site beta
        (Get-Content "/proc/$($pong.Pid)/status" | Where-Object { $_ -like 'Uid:*' }) -split '\s+' | Select-Object -Index 1 |
            Should -Be $script:Remote.Uid
        Get-EnvironmentOf $pong.Pid 'SWARM_EXCHANGE_URL' | Should -Be $record.Url
        Get-EnvironmentOf $pong.Pid 'SWARM_EXCHANGE_URL' | Should -Not -Be $env:SWARM_EXCHANGE_URL

        $null = Import-SwarmCampaign $script:Counter | Start-SwarmSite -RunId $runId -Site alpha -Detach -Bootstrap -Confirm:$false
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site beta).State -eq 'Exited' }
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site alpha).State -eq 'Exited' }
        (Get-SwarmEvent -RunId $runId -Site beta -Kind message_sent).Count | Should -Be 5
        (Get-SwarmAgent -RunId $runId -Site beta).LastExitCode | Should -Be 0

        $stopped = Stop-SwarmSite -RunId $runId -Site alpha, beta -GraceSeconds 2 -Confirm:$false
        $stopped.Count | Should -Be 2
        Test-Running $record.SshPid | Should -BeFalse
        Get-TunnelSsh | Should -BeNullOrEmpty
        Test-Path (Get-TunnelDirectory $runId) | Should -BeFalse
        Get-RunProcess $runId | Should -BeNullOrEmpty
    }

    It 'Stop-SwarmSite ends the tunnel of a Start-SwarmSite killed with -9' {
        $runId = New-RunId 'pester-tunnel-kill'
        $child = Start-BetaInChild $script:Sleeper $runId -NoWait
        Wait-Until { @(Get-TunnelRecord $runId).Count -eq 1 }
        $record = Get-TunnelRecord $runId
        Stop-Process -Id $child.Id -Force
        $child.WaitForExit()
        Test-Running $record.SshPid | Should -BeTrue -Because 'the tunnel outlives its killed opener'

        # Wherever the kill landed (before or after the remote launcher started), the stop ends the tunnel.
        Stop-SwarmSite -RunId $runId -Site beta -GraceSeconds 2 -Confirm:$false -ErrorAction SilentlyContinue

        Test-Running $record.SshPid | Should -BeFalse
        Get-TunnelSsh | Should -BeNullOrEmpty
        Test-Path (Get-TunnelDirectory $runId) | Should -BeFalse
    }

    It 'Start-SwarmSite ends the orphaned tunnel of a killed opener before it opens its own' {
        $runId = New-RunId 'pester-tunnel-orphan'
        $opener = Join-Path $RepoRoot 'tests/SwarmPS.Tunnel.Opener/bin/Release/net10.0/SwarmPS.Tunnel.Opener.dll'
        $opener | Should -Exist -Because 'dotnet build SwarmPS.sln builds the test opener'
        $openerArguments = $opener, $script:Remote.Port, $script:Remote.User, "$($script:Remote.State)/id_ed25519", "$($script:Remote.State)/known_hosts", $script:ExchangePort, (Get-TunnelDirectory $runId)
        $orphaned = Start-Process -FilePath dotnet -ArgumentList $openerArguments -RedirectStandardOutput (Join-Path $TestDrive 'opener.out') -PassThru
        Wait-Until { @(Get-TunnelRecord $runId).Count -eq 1 }
        $orphan = Get-TunnelRecord $runId
        Stop-Process -Id $orphaned.Id -Force
        $orphaned.WaitForExit()
        Test-Running $orphan.SshPid | Should -BeTrue

        $started = Import-SwarmCampaign $script:Sleeper | Start-SwarmSite -RunId $runId -Site beta -Confirm:$false

        Test-Running $orphan.SshPid | Should -BeFalse -Because 'the start ended the orphan'
        $own = @(Get-TunnelRecord $runId)
        $own.Count | Should -Be 1
        $own[0].Id | Should -Not -Be $orphan.Id
        $own[0].OpenerPid | Should -Be $PID
        $started.Status.ExchangeUrl | Should -Be $own[0].Url

        $null = $started | Stop-SwarmSite -GraceSeconds 2 -Confirm:$false
        (Get-SwarmMailbox -RunId $runId -Name sleeper).State | Should -Be 'Terminated'
        Get-TunnelSsh | Should -BeNullOrEmpty
        Test-Path (Get-TunnelDirectory $runId) | Should -BeFalse
    }
}
