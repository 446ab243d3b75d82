# Agents inside a batch allocation, in real pwsh on the real SLURM on loopback (tests/infra/start-slurm.sh;
# .ci/run starts it, and BeforeAll starts it too when it is not up, as the script is idempotent).
# The last Describe is issue 12's "Done when": from this one pwsh, site alpha runs here and site beta runs on
# "another machine" (sshd on 127.0.0.1 as the user swarmps-remote, its own run root, no SwarmPS there), with
# beta's agent inside a SLURM allocation submitted by that user, reaching a TLS exchange through its pinned
# certificate; the operator kicks off, watches, stops everything, and nothing is left on either side.
# Needs root (the infra scripts), python3 and a .NET runtime. Run after building:
#   Invoke-Pester ./tests/pester/Allocation.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $slurm = bash (Join-Path $RepoRoot 'tests/infra/start-slurm.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-slurm.sh failed: $slurm" }

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN', 'SWARM_EXCHANGE_PIN'

    $script:Remote = Start-RemoteUser
    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    Set-Content -Path (Join-Path $sites 'alpha.yaml') -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive 'alpha-host/runs')`n"
    Set-Content -Path (Join-Path $sites 'cluster.yaml') -Value "scheduler: slurm`nrun_root: $(Join-Path $TestDrive 'cluster/runs')`nlimits:`n  max_walltime: 2h`n"
    Set-Content -Path (Join-Path $sites 'beta.yaml') -Value "scheduler: slurm`nrun_root: ~/swarm-runs-allocation`n$($script:Remote.SshYaml)"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    # The exchange over HTTPS with a certificate it makes itself; every agent and launcher pins it.
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -SelfSigned -StateDirectory $script:ExchangeState -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()
    $env:SWARM_EXCHANGE_PIN = $script:Exchange.Fingerprint

    $script:Sleeper = Join-Path $TestDrive 'sleeper.yaml'
    Set-Content -Path $script:Sleeper -Value @'
name: pester-allocation-sleeper
initial_agent: first
user_task: wait
startup_timeout: 60
agents:
  - name: first
    site: cluster
    command: ["sh", "-c", "echo \"rank $SLURM_PROCID job $SLURM_JOB_ID\"; exec sleep 300"]
  - name: second
    site: cluster
    command: ["sh", "-c", "echo \"rank $SLURM_PROCID job $SLURM_JOB_ID\"; exec sleep 300"]
'@
    $script:Counter = New-CounterCampaign 'pester-allocation-counter' -StartupTimeout 90 -IdleTimeout 90

    # Jobs SLURM still lists under this job name (queued or running), for any user.
    function Get-SlurmJob([string] $Name) { squeue -h -n $Name -o '%i %u %T' }

    # Processes of the remote user other than its sshd sessions: what a stopped remote site must leave none of.
    function Get-RemoteUserProcess {
        Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$' | ForEach-Object {
            try {
                $uid = [int] ((Get-Content "/proc/$($_.Name)/status" -ErrorAction Stop | Where-Object { $_ -like 'Uid:*' }) -split '\s+')[1]
                $command = (Get-Content "/proc/$($_.Name)/cmdline" -Raw -ErrorAction Stop) -replace "`0", ' '
            } catch { return }
            if ($uid -eq $script:Remote.Uid -and $command -notmatch '^sshd') { "$($_.Name) $command" }
        }
    }

    Push-Location $RepoRoot
}

AfterAll {
    Pop-Location
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue
    Stop-RemoteUser $script:Remote
    Restore-Environment $script:Saved
}

Describe 'Start-SwarmSite -Allocation on a SLURM site' {
    It 'runs rank i as agent i inside one job, shows the job in Get-SwarmAgent, and Stop-SwarmSite cancels it' {
        $runId = New-RunId 'pester-alloc'

        $status = Import-SwarmCampaign $script:Sleeper | Start-SwarmSite -RunId $runId -Site cluster -Allocation -Walltime 10m -Detach -Confirm:$false

        $status.State | Should -BeIn 'Queued', 'WaitingForPeers', 'Running'
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site cluster | Where-Object State -eq 'Running').Count -eq 2 }
        $agents = Get-SwarmAgent -RunId $runId -Site cluster
        $jobId = $agents[0].JobId
        $jobId | Should -Match '^\d+$'
        $agents.JobId | Sort-Object -Unique | Should -Be $jobId
        (Get-SwarmAgent -RunId $runId -Site cluster | Format-Table | Out-String) | Should -Match "\b$jobId\b"
        Get-SlurmJob "swarm-$runId-cluster" | Should -Match "^$jobId root RUNNING$"
        $directory = Join-Path $TestDrive "cluster/runs/$runId/cluster/agents"
        Wait-Until { (Get-Content "$directory/second/stdout.log" -ErrorAction SilentlyContinue) -match 'rank' }
        Get-Content "$directory/first/stdout.log" | Should -Be "rank 0 job $jobId"
        Get-Content "$directory/second/stdout.log" | Should -Be "rank 1 job $jobId"
        (Get-SwarmEvent -Path (Join-Path $TestDrive "cluster/runs/$runId/cluster/events.jsonl") -Kind allocation_submitted).Fields.job_id | Should -Be $jobId

        $stopped = Stop-SwarmSite -RunId $runId -Site cluster -GraceSeconds 2 -Confirm:$false

        $stopped.State | Should -Be 'Stopped'
        Wait-Until { -not (Get-SlurmJob "swarm-$runId-cluster") } -Seconds 30
        Wait-Until { -not (Get-RunProcess $runId) } -Seconds 30
        (Get-SwarmAgent -RunId $runId -Site cluster).State | Sort-Object -Unique | Should -Be 'Stopped'
    }

    It 'waits out the queue in the foreground (Queued, the startup clock not running) and Ctrl+C cancels the queued job' {
        $runId = New-RunId 'pester-alloc-ctrlc'
        scontrol update PartitionName=debug State=DOWN
        try {
            # The launch in a runspace of its own (this process, the module imported); .Stop() is what Ctrl+C does.
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Import-SwarmCampaign '$script:Sleeper' | Start-SwarmSite -RunId $runId -Site cluster -Allocation -StartupTimeout 1 -Confirm:`$false")
            $handle = $ps.BeginInvoke()
            Wait-Until {
                if ($handle.IsCompleted) { throw "the launch ended: $($ps.Streams.Error)" }
                try { (Get-SwarmAgent -RunId $runId -Site cluster -ErrorAction Stop).State -contains 'Queued' } catch { $false }
            } -Seconds 30
            $jobId = (Get-SwarmAgent -RunId $runId -Site cluster)[0].JobId
            Get-SlurmJob "swarm-$runId-cluster" | Should -Match "^$jobId root PENDING$"
            Start-Sleep -Seconds 2
            $handle.IsCompleted | Should -BeFalse -Because 'the queue wait must not count against the 1 s startup timeout'

            $ps.Stop()

            $handle.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            Get-SlurmJob "swarm-$runId-cluster" | Should -BeNullOrEmpty
            (Get-SwarmAgent -RunId $runId -Site cluster).State | Sort-Object -Unique | Should -Be 'Stopped'
        }
        finally {
            scontrol update PartitionName=debug State=UP
            if ($ps) { $ps.Dispose() }
        }
    }

    It 'names the allocation it would submit under -WhatIf, and submits nothing' {
        $runId = New-RunId 'pester-alloc-whatif'
        # -WhatIf writes to the host, so a child pwsh shows it on its output.
        $said = & $PwshPath -NoProfile -NonInteractive -Command "Import-Module '$ModuleManifest'; Import-SwarmCampaign '$script:Sleeper' | Start-SwarmSite -RunId $runId -Site cluster -Allocation -WhatIf" 2>&1 | Out-String
        $said | Should -Match 'as the ranks of one slurm allocation'
        Get-SlurmJob "swarm-$runId-cluster" | Should -BeNullOrEmpty
    }

    It 'refuses <Case> with <ErrorId> before anything is submitted' -ForEach @(
        @{ Case = '-Nodes without -Allocation'; ErrorId = 'AllocationOptionsWithoutAllocation'; Site = 'cluster'; Extra = @{ Nodes = 2 } }
        @{ Case = 'a site without a scheduler'; ErrorId = 'AllocationNeedsScheduler'; Site = 'alpha'; Extra = @{ Allocation = $true } }
        @{ Case = 'more nodes than agents'; ErrorId = 'AllocationNodesInvalid'; Site = 'cluster'; Extra = @{ Allocation = $true; Nodes = 3 } }
        @{ Case = 'a walltime that is not one'; ErrorId = 'AllocationWalltimeInvalid'; Site = 'cluster'; Extra = @{ Allocation = $true; Walltime = 'soon' } }
        @{ Case = 'a walltime over the site limit'; ErrorId = 'AllocationWalltimeOverLimit'; Site = 'cluster'; Extra = @{ Allocation = $true; Walltime = '3h' } }
    ) {
        $runId = New-RunId 'pester-alloc-bad'
        $campaign = Import-SwarmCampaign $script:Sleeper
        if ($Site -eq 'alpha') { $campaign = Import-SwarmCampaign $script:Counter | Select-SwarmAgent ping }
        { $campaign | Start-SwarmSite -RunId $runId -Site $Site @Extra -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.StartSwarmSiteCommand"
        Get-SlurmJob "swarm-$runId-$Site" | Should -BeNullOrEmpty
        Test-Path (Join-Path $TestDrive "$Site*/runs/$runId") | Should -BeFalse
    }
}

Describe 'Done when: alpha here, beta on another machine inside a SLURM allocation, over TLS' {
    It 'starts both, kicks off, counts to ten, is watched and stopped from this pwsh, and leaves nothing on either side' {
        $runId = New-RunId 'pester-done'
        $campaign = Import-SwarmCampaign $script:Counter

        $beta = $campaign | Start-SwarmSite -RunId $runId -Site beta -Allocation -Walltime 10m -Confirm:$false
        $beta.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Launch.RemoteSiteStatus'
        $beta.SiteDirectory | Should -Be "$($script:Remote.Home)/swarm-runs-allocation/$runId/beta"
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site beta).State -eq 'Running' } -Seconds 90
        $pong = Get-SwarmAgent -RunId $runId -Site beta
        $pong.JobId | Should -Match '^\d+$'
        Get-SlurmJob "swarm-$runId-beta" | Should -Match "^$($pong.JobId) $($script:Remote.User) RUNNING$"

        $alpha = $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false
        $alpha.State | Should -BeIn 'WaitingForPeers', 'Running'
        $kickoff = Send-SwarmBootstrap -RunId $runId -Campaign $campaign -Confirm:$false
        $kickoff.Recipient | Should -Be 'ping'

        # The beta launcher sees the rank's exit code, then the job's end, then records site_finished.
        Wait-Until { Get-SwarmEvent -RunId $runId -Site beta -Kind site_finished } -Seconds 90 -PollMilliseconds 500
        (Get-SwarmAgent -RunId $runId -Site beta).State | Should -Be 'Exited'
        Wait-Until { (Get-SwarmAgent -RunId $runId -Site alpha).State -eq 'Exited' } -Seconds 30
        $sent = @(Get-SwarmEvent -RunId $runId -Site beta -Kind message_sent) + @(Get-SwarmEvent -Path (Join-Path $TestDrive "alpha-host/runs/$runId/alpha/events.jsonl") -Kind message_sent) |
            Sort-Object { [int] $_.Fields.n }
        ($sent | ForEach-Object { $_.Fields.n }) -join ',' | Should -Be '1,2,3,4,5,6,7,8,9,10'
        ($sent | Where-Object { [int] $_.Fields.n % 2 -eq 0 }).Site | Sort-Object -Unique | Should -Be 'beta'
        $landmarks = (Get-SwarmEvent -RunId $runId -Site beta).Kind
        $landmarks | Should -Contain 'allocation_submitted'
        $landmarks | Should -Contain 'allocation_running'
        $landmarks | Should -Contain 'site_finished'

        $stopped = Stop-SwarmSite -RunId $runId -Site alpha, beta -GraceSeconds 2 -Confirm:$false

        $stopped.Count | Should -Be 2
        Wait-Until { -not (Get-SlurmJob "swarm-$runId-beta") } -Seconds 30
        Wait-Until { -not (Get-RunProcess $runId) } -Seconds 30
        Wait-Until { -not (Get-RemoteUserProcess) } -Seconds 30
        (Get-SwarmMailbox -RunId $runId -Name ping, pong).State | Sort-Object -Unique | Should -Be 'Terminated'
    }
}
