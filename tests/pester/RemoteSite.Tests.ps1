# Acceptance tests of a site started "from anywhere": site beta's profile reaches it over SSH, as another
# user (swarmps-remote, its own home, no SwarmPS or pwsh) behind a real sshd on 127.0.0.1:2223 made by
# tests/infra/start-remote-user.sh. Start-SwarmSite stages and starts the slice there; Get-SwarmAgent,
# Get-SwarmEvent -RunId and Stop-SwarmSite act on it over SSH. A launch that ran locally would run as this
# user under this machine's run root: the tests check the processes' uid and the remote run directory.
# Needs root (the infra script creates the user) and python3. Run after building:
#   Invoke-Pester ./tests/pester/RemoteSite.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN'

    $script:Remote = Start-RemoteUser
    $script:RemoteUid = $script:Remote.Uid
    $script:RemoteHome = $script:Remote.Home

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    Set-Content -Path (Join-Path $sites 'alpha.yaml') -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive 'alpha-host/runs')`n"
    Set-Content -Path (Join-Path $sites 'beta.yaml') -Value "scheduler: local`nrun_root: ~/swarm-runs-pester`n$($script:Remote.SshYaml)"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -StateDirectory $script:ExchangeState -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()

    # Relative program paths: the agents' programs live in the experiment tree (this repository), so the
    # remote launch stages examples/ to the remote site's work folder.
    $script:Counter = New-CounterCampaign 'pester-remote-counter'
    $script:Sleeper = New-SleeperCampaign 'pester-remote-sleeper'

    function Get-Uid([int] $ProcessId) {
        [int] ((Get-Content "/proc/$ProcessId/status" | Where-Object { $_ -like 'Uid:*' }) -split '\s+')[1]
    }

    Push-Location $RepoRoot
}

AfterAll {
    Pop-Location
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue
    Stop-RemoteUser $script:Remote
    Restore-Environment $script:Saved
}

Describe 'Start-SwarmSite -Site <remote>' {
    It 'starts the slice on the remote host as its user, counts with a local site, and is watched and stopped from here' {
        $runId = New-RunId 'pester-remote'
        $campaign = Import-SwarmCampaign $script:Counter

        $beta = $campaign | Start-SwarmSite -RunId $runId -Site beta -Confirm:$false

        $beta.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Launch.RemoteSiteStatus'
        $beta.Target | Should -Be 'swarmps-remote@127.0.0.1'
        $beta.SiteDirectory | Should -Be "$script:RemoteHome/swarm-runs-pester/$runId/beta"
        Get-Uid $beta.Pid | Should -Be $script:RemoteUid
        $pong = Get-SwarmAgent -RunId $runId -Site beta
        $pong.Name | Should -Be 'pong'
        Get-Uid $pong.Pid | Should -Be $script:RemoteUid

        $alpha = $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Bootstrap -Confirm:$false
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site beta).State -eq 'Exited' }
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site alpha).State -eq 'Exited' }

        $sent = Get-SwarmEvent -RunId $runId -Site beta -Kind message_sent
        $sent.Count | Should -Be 5
        ($sent | ForEach-Object Site | Sort-Object -Unique) | Should -Be 'beta'

        $stopped = Stop-SwarmSite -RunId $runId -Site alpha, beta -GraceSeconds 2 -Confirm:$false
        $stopped.Count | Should -Be 2
        Get-RunProcess $runId | Should -BeNullOrEmpty
        $alpha.Launcher.Pid | Should -Not -BeNullOrEmpty
    }

    It 'Stop-SwarmSite ends a running remote site (launcher and agents, on the host that started them) and leaves nothing' {
        $runId = New-RunId 'pester-remote-stop'
        $started = Import-SwarmCampaign $script:Sleeper | Start-SwarmSite -RunId $runId -Site beta -Confirm:$false
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site beta).Pid }
        Get-Uid (Get-SwarmAgent -RunId $runId -Site beta).Pid | Should -Be $script:RemoteUid

        $result = $started | Stop-SwarmSite -GraceSeconds 2 -Confirm:$false

        $result.LauncherWasRunning | Should -BeTrue
        $result.StoppedPids | Should -Contain $started.Pid
        Get-RunProcess $runId | Should -BeNullOrEmpty
        (Get-SwarmAgent -RunId $runId -Site beta).State | Should -Be 'Stopped'
    }

    It 'Get-SwarmEvent -RunId with no remote site among -Site is RemoteSiteRequired' {
        { Get-SwarmEvent -RunId 'any-run' -Site alpha -ErrorAction Stop } |
            Should -Throw -ErrorId 'RemoteSiteRequired,SwarmPS.Cmdlets.GetSwarmEventCommand'
    }
}

Describe 'Get-SwarmEvent -Follow on a remote site' {
    BeforeAll {
        $script:Brief = Join-Path $TestDrive 'brief.yaml'
        Set-Content -Path $script:Brief -Value @'
name: pester-remote-brief
initial_agent: brief
user_task: wait a little
startup_timeout: 60
agents:
  - name: brief
    site: beta
    command: ["sleep", "4"]
'@

        # Runs -Follow in a runspace of its own (this process, the module imported); .Stop() is Ctrl+C.
        function Start-RemoteFollow([string] $RunId) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'").AddStatement()
            $null = $ps.AddCommand('Get-SwarmEvent').AddParameter('RunId', $RunId).AddParameter('Site', 'beta').AddParameter('Follow')
            $output = [Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
            [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
        }

        # What a follow could leave on the far side: a reader (tail, dd, od, cat) or a poll's shell, as the remote user.
        function Get-RemoteReader {
            foreach ($directory in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
                try {
                    if ((Get-Uid ([int] $directory.Name)) -ne $script:RemoteUid) { continue }
                    $comm = [IO.File]::ReadAllText("$($directory.FullName)/comm").Trim()
                    $cmdline = [IO.File]::ReadAllText("$($directory.FullName)/cmdline").Replace([char] 0, ' ')
                }
                catch { continue }
                if ($comm -in 'tail', 'head', 'dd', 'od', 'cat' -or $cmdline.Contains('@@swarmps-')) { "$($directory.Name) $cmdline" }
            }
        }
    }

    It 'streams the remote events and ends by itself when the site finishes, leaving no reader as the remote user' {
        $runId = New-RunId 'pester-follow'
        $null = Import-SwarmCampaign $script:Brief | Start-SwarmSite -RunId $runId -Site beta -Confirm:$false
        $follow = Start-RemoteFollow $runId
        try {
            Wait-Until { $follow.Output.Count -ge 1 }
            $follow.Handle.IsCompleted | Should -BeFalse -Because 'the site still runs, so the follow waits for more'

            Wait-Until { $follow.Handle.IsCompleted } -Seconds 90
            $null = $follow.PowerShell.EndInvoke($follow.Handle)

            "$($follow.PowerShell.InvocationStateInfo.State)" | Should -Be 'Completed'
            (Get-SwarmAgent -RunId $runId -Site beta).State | Should -Be 'Exited'
            @($follow.Output.Kind) | Should -Contain 'agent_started'
            $follow.Output[-1].Kind | Should -Be 'site_finished'
            ($follow.Output | ForEach-Object Site | Sort-Object -Unique) | Should -Be 'beta'
            @($follow.Output).Count | Should -Be @(Get-SwarmEvent -RunId $runId -Site beta).Count
            Get-RemoteReader | Should -BeNullOrEmpty
            Get-RunProcess $runId | Should -BeNullOrEmpty
        }
        finally {
            $follow.PowerShell.Dispose()
        }
    }

    It 'Ctrl+C ends a follow of a running remote site promptly, leaves the site running and no reader behind' {
        $runId = New-RunId 'pester-follow-stop'
        $started = Import-SwarmCampaign $script:Sleeper | Start-SwarmSite -RunId $runId -Site beta -Confirm:$false
        $follow = Start-RemoteFollow $runId
        try {
            Wait-Until { $follow.Output.Count -ge 1 }

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $follow.PowerShell.Stop()
            $null = $follow.Handle.AsyncWaitHandle.WaitOne(10000)

            $clock.Elapsed.TotalSeconds | Should -BeLessThan 3
            "$($follow.PowerShell.InvocationStateInfo.State)" | Should -Be 'Stopped'
            Get-RemoteReader | Should -BeNullOrEmpty
            (Get-SwarmAgent -RunId $runId -Site beta).State | Should -Be 'Running'
        }
        finally {
            $follow.PowerShell.Dispose()
            $null = $started | Stop-SwarmSite -GraceSeconds 2 -Confirm:$false
        }
        Get-RunProcess $runId | Should -BeNullOrEmpty
    }
}
