#Requires -Version 7.4
<#
.SYNOPSIS
    The coordinator's overhead per contribution as a share of one contributor's training time (issue 14,
    "Performance": under 5 %).

.DESCRIPTION
    On real parts only: the dotnet.cpu trainer writes the base snapshot (base_seed 1), a real exchange runs on
    127.0.0.1 (Start-SwarmExchange), the coordinator works in a real git repository set up for the ledger
    (Initialize-SwarmRepository), and two contributors train with the real trainer
    (dotnet bin/trainer/SwarmPS.Trainer.dll job.json) on shard-0 and shard-1.

    For each step count, each round takes a fresh run id and times:
      training    the wall clock of each trainer process (start to exit), two per round;
      upload      Send-SwarmContribution of one contribution directory, two per round;
      validation  Get-SwarmContribution -RunId | Test-SwarmContribution -Plan, over the run, divided by 2;
      merge       Merge-SwarmContribution -Method Exact of the run's verdicts, divided by 2.
    The table shows medians over the rounds (training over both contributors of every round). The share is
    (upload + validation + merge) per contribution over the training of one contributor. Round 1 of the first
    step count also loads and compiles the engine's code in this pwsh, so the first round's figures are shown
    apart, and the medians leave no round out. Beside the wall clocks: the trainer's SGD loop (its step-0 heartbeat to
    its last), so the rest of a trainer process (runtime start, reading the base and the shard, the shard-wide
    losses) shows; and CPU seconds from /proc/<pid>/stat (a trainer process; the coordinator's pwsh with the git
    processes the ledger starts; the exchange), which the queue for a core on a shared machine does not inflate.

    Run after building: dotnet build SwarmPS.sln -c Release; dotnet pwsh -NoProfile -File bench/coordinator-overhead.ps1
    Other step counts (a list needs -Command): dotnet pwsh -NoProfile -Command '& ./bench/coordinator-overhead.ps1 -Steps 20000,50000'
    Everything it starts (the exchange, trainer processes) is stopped before it returns, and its work folder removed.

.PARAMETER Steps
    The step counts to measure; the default is a realistic 2000 and New-SwarmTrainingPlan's default 200.

.PARAMETER Rounds
    Rounds per step count (fresh run id each).

.PARAMETER EmptyRepository
    Leave the coordinator's repository without a commit, as a test's is: the ledger then finds no HEAD and skips
    git status, so the difference to a default run is what reading the code version costs.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 1000000)] [int[]] $Steps = @(2000, 200),
    [ValidateRange(1, 100)] [int] $Rounds = 5,
    [switch] $EmptyRepository
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = Split-Path -Parent $PSScriptRoot
$trainer = Join-Path $root 'bin/trainer/SwarmPS.Trainer.dll'
if (-not (Test-Path $trainer)) { throw "$trainer is missing: run dotnet build SwarmPS.sln -c Release first." }
$corpus = Join-Path $root 'examples/training/corpus'
Import-Module (Join-Path $root 'SwarmPS.psd1') -Verbose:$false

$work = Join-Path ([IO.Path]::GetTempPath()) ('swarmps-overhead-' + [Guid]::NewGuid().ToString('N').Substring(0, 8))
New-Item -ItemType Directory $work | Out-Null
$savedUrl, $savedToken = $env:SWARM_EXCHANGE_URL, $env:SWARM_EXCHANGE_TOKEN
$exchangeState = Join-Path $work 'exchange'
$exchange = $null
$script:Child = $null   # the trainer process running now, so finally can stop it if the script is interrupted
$pushed = $false

# Runs the dotnet.cpu trainer on one job (docs/trainer-contract.md) and returns its wall clock in seconds (Wall)
# and, for a train job, its SGD loop's (Loop: the step-0 heartbeat to the last), to show what the rest costs.
function Invoke-Trainer([System.Collections.IDictionary] $Job, [string] $Name) {
    $jobPath = Join-Path $work "$Name.json"
    Set-Content -Path $jobPath -Value ($Job | ConvertTo-Json -Depth 5) -NoNewline
    $info = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($trainer, $jobPath)) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $children = Get-CpuSeconds $PID -Reaped
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $script:Child = [Diagnostics.Process]::Start($info)
    # Both streams are read to the end asynchronously, so neither pipe can fill and stall the trainer.
    $out = $script:Child.StandardOutput.ReadToEndAsync()
    $err = $script:Child.StandardError.ReadToEndAsync()
    $script:Child.WaitForExit()
    $clock.Stop()
    $code = $script:Child.ExitCode
    $script:Child.Dispose()
    $script:Child = $null
    $cpu = (Get-CpuSeconds $PID -Reaped) - $children   # includes this pwsh's own few ms of waiting
    if ($code -ne 0) { throw "the trainer failed on $jobPath (exit $code): $($err.Result) $($out.Result)" }
    # Training heartbeats only: the setup heartbeats before step 0 (docs/trainer-contract.md) are not the SGD loop.
    $beats = @($out.Result -split "`n" | Where-Object { $_ -like '{*' } | ConvertFrom-Json | Where-Object { $_.event -eq 'heartbeat' -and $_.phase -eq 'train' })
    # ConvertFrom-Json reads an ISO time as a DateTime already (milliseconds kept).
    $loop = if ($beats.Count -ge 2) { ([DateTime] $beats[-1].at - [DateTime] $beats[0].at).TotalSeconds } else { [double]::NaN }
    [pscustomobject]@{ Wall = $clock.Elapsed.TotalSeconds; Loop = $loop; Cpu = $cpu }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    $middle = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$middle] } else { ($sorted[$middle - 1] + $sorted[$middle]) / 2 }
}

function Measure-Seconds([scriptblock] $Block) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $result = & $Block
    $clock.Stop()
    [pscustomobject]@{ Seconds = $clock.Elapsed.TotalSeconds; Result = $result }
}

# CPU seconds of a process from /proc/<pid>/stat (utime + stime, and with -Reaped the children it has waited for,
# which is how a finished trainer or git process is counted): load-independent where the wall clock is not.
function Get-CpuSeconds([int] $ProcessId, [switch] $Reaped) {
    $fields = (Get-Content "/proc/$ProcessId/stat" -Raw).Split(')')[-1].Trim().Split(' ')
    $ticks = [long] $fields[11] + [long] $fields[12]
    if ($Reaped) { $ticks += [long] $fields[13] + [long] $fields[14] }
    $ticks / 100   # USER_HZ is 100 on Linux
}

function Get-Load { (Get-Content /proc/loadavg -Raw).Trim() }

try {
    $loadAtStart = Get-Load
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $exchange = Start-SwarmExchange -StateDirectory $exchangeState -PassThru -Confirm:$false -ProgressAction SilentlyContinue
    $env:SWARM_EXCHANGE_URL = $exchange.Url.ToString()

    $repo = Join-Path $work 'coordinator'
    New-Item -ItemType Directory $repo | Out-Null
    git -C $repo init --quiet
    if ($LASTEXITCODE -ne 0) { throw "git init failed in $repo." }
    Initialize-SwarmRepository -Path $repo -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null
    # An experiment repository has a commit, so the ledger's code version (git rev-parse HEAD, then git status)
    # is read as it is for a real coordinator, not cut short by an empty repository.
    if (-not $EmptyRepository) {
        Set-Content -Path (Join-Path $repo 'README.md') -Value 'The coordinator of bench/coordinator-overhead.ps1.'
        git -C $repo add -A
        git -C $repo -c user.name=bench -c user.email=bench@localhost commit --quiet -m 'experiment'
        if ($LASTEXITCODE -ne 0) { throw "git commit failed in $repo." }
    }

    $base = Join-Path $work 'base/base.safetensors'
    Invoke-Trainer ([ordered]@{ schema_version = 1; mode = 'base'; backend = 'dotnet.cpu'; output_directory = (Split-Path $base); base_seed = 1 }) 'base' | Out-Null
    $baseDigest = 'sha256:' + (Get-FileHash $base -Algorithm SHA256).Hash.ToLowerInvariant()
    $contract = [ordered]@{ target_modules = @('lm_head'); rank = 4; alpha = 8; dtype = 'F32' }
    $contributors = @(@{ Id = 'c1'; Shard = 'shard-0' }, @{ Id = 'c2'; Shard = 'shard-1' })

    Push-Location $repo
    $pushed = $true
    $rows = foreach ($stepCount in $Steps) {
        # The plan of tests/pester/Coordinator.Tests.ps1 (two dotnet.cpu contributors, no replay sampled) at this
        # step count; its staleness leaves room for a loaded machine, and its norm bound for long training (lr 0.5
        # over 50000 steps moves the adapter by a norm of ~1100), so every contribution is accepted and merged.
        $planPath = Join-Path $work "plan-$stepCount.yaml"
        @"
schema_version: 1
namespace: ovh-$stepCount
coordinator: { site: alpha }
base_snapshot: { path: ./base/base.safetensors, digest: "$baseDigest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: $stepCount, seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
timing: { heartbeat_interval_ms: 1000, stale_worker_ms: 60000, contributor_loss_grace_ms: 90000, max_worker_skew_ms: 120000 }
contributors:
  - { id: c1, site: alpha, backend: dotnet.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: beta, backend: dotnet.cpu, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1.0e6, replay_sample: 0, replay_tolerance: 1.0e-4 }
gates: { min_accepted: 2, min_replay_checked: 0, min_loss_improvement: 0.0 }
"@ | Set-Content -Path $planPath
        $plan = Import-SwarmTrainingPlan -Path $planPath

        foreach ($round in 1..$Rounds) {
            $runId = "ovh-$stepCount-" + [Guid]::NewGuid().ToString('N').Substring(0, 8)
            $training = @(); $loop = @(); $trainerCpu = 0.0; $upload = @(); $directories = @()
            foreach ($contributor in $contributors) {
                $output = Join-Path $work "$runId-$($contributor.Id)"
                $run = Invoke-Trainer ([ordered]@{
                        schema_version = 1; mode = 'train'; run_id = $runId; contributor = $contributor.Id; site = 'alpha'
                        backend = 'dotnet.cpu'; plan_digest = $plan.Digest; base_snapshot_path = $base; base_snapshot_digest = $baseDigest
                        adapter_contract = $contract; data_shard = $contributor.Shard; data_path = (Join-Path $corpus "$($contributor.Shard).txt")
                        steps = $stepCount; seed = 7; learning_rate = 0.5; heartbeat_interval_ms = 1000; output_directory = $output
                    }) "$runId-$($contributor.Id)"
                $training += $run.Wall
                $loop += $run.Loop
                $trainerCpu += $run.Cpu
                $directories += $output
            }
            $coordinatorCpu = Get-CpuSeconds $PID -Reaped
            $exchangeCpu = Get-CpuSeconds $exchange.Pid
            foreach ($directory in $directories) {
                $upload += (Measure-Seconds { Get-Item $directory | Send-SwarmContribution -Confirm:$false }).Seconds
            }
            $validation = Measure-Seconds { @(Get-SwarmContribution -RunId $runId | Test-SwarmContribution -Plan $plan) }
            $verdicts = $validation.Result
            $rejected = @($verdicts | Where-Object Verdict -ne 'Accepted')
            if ($verdicts.Count -ne 2 -or $rejected.Count) {
                throw "run $runId`: expected 2 accepted verdicts, got $($verdicts.Count): $(@($verdicts | ForEach-Object { "$($_.Contributor) $($_.Verdict): $($_.Reasons -join '; ')" }) -join ' | ')"
            }
            $merge = Measure-Seconds { $verdicts | Merge-SwarmContribution -Method Exact -OutputPath (Join-Path $work "$runId-merged.safetensors") }
            $coordinatorCpu = (Get-CpuSeconds $PID -Reaped) - $coordinatorCpu
            $exchangeCpu = (Get-CpuSeconds $exchange.Pid) - $exchangeCpu
            [pscustomobject]@{
                CoordinatorCpu = $coordinatorCpu; ExchangeCpu = $exchangeCpu; TrainerCpu = $trainerCpu
                Steps = $stepCount; Round = $round; Training = $training; Loop = $loop; Upload = $upload
                Validation = $validation.Seconds / 2; Merge = $merge.Seconds / 2; Load = (Get-Load).Split(' ')[0]
            }
            Write-Verbose "steps $stepCount round $round`: training $($training -join ', ') s; upload $($upload -join ', ') s; validation $($validation.Seconds) s; merge $($merge.Seconds) s"
        }
    }

    "Coordinator overhead per contribution (issue 14, goal < 5 % of one contributor's training)"
    "dotnet.cpu trainer, 2 contributors (shard-0, shard-1), rank 4, batch 32; $Rounds rounds per step count, medians; $([Environment]::ProcessorCount) cores"
    "coordinator repository: $(if ($EmptyRepository) { 'no commit (the ledger reads no code version)' } else { 'one commit (the ledger reads HEAD and git status per run)' })"
    ''
    function Format-Ms([double] $Seconds) { '{0,9:N1}' -f ($Seconds * 1000) }
    '{0,6} {1,-7} {2,9} {3,9} {4,9} {5,9} {6,9} {7,9} {8,7}  {9}' -f 'steps', 'rounds', 'train ms', 'sgd loop', 'upload', 'validate', 'merge', 'overhead', 'share', 'under 5 %'
    foreach ($stepCount in $Steps) {
        $all = @($rows | Where-Object Steps -eq $stepCount)
        foreach ($view in @(@{ Label = 'all'; Rows = $all }, @{ Label = 'round 1'; Rows = @($all[0]) })) {
            $training = Get-Median @($view.Rows | ForEach-Object { $_.Training })
            $sgd = Get-Median @($view.Rows | ForEach-Object { $_.Loop })
            $upload = Get-Median @($view.Rows | ForEach-Object { $_.Upload })
            $validation = Get-Median @($view.Rows | ForEach-Object Validation)
            $merge = Get-Median @($view.Rows | ForEach-Object Merge)
            # The total is the median of each round's own total (its mean upload, validation and merge), not the
            # sum of the medians, so one slow part of one round counts once.
            $overhead = Get-Median @($view.Rows | ForEach-Object { ($_.Upload | Measure-Object -Average).Average + $_.Validation + $_.Merge })
            $share = 100 * $overhead / $training
            '{0,6} {1,-7} {2} {3} {4} {5} {6} {7} {8,6:N1}%  {9}' -f $stepCount, $view.Label, (Format-Ms $training), (Format-Ms $sgd), (Format-Ms $upload),
                (Format-Ms $validation), (Format-Ms $merge), (Format-Ms $overhead), $share, ($(if ($share -lt 5) { 'yes' } else { 'NO' }))
        }
    }
    ''
    'CPU per contribution, summed over the rounds after the first, which compiles code (ms; 10 ms ticks): a trainer process | the coordinator pwsh with its git children (upload + validation + merge) | the exchange | share'
    foreach ($stepCount in $Steps) {
        $all = @($rows | Where-Object Steps -eq $stepCount)
        if ($all.Count -gt 1) { $all = @($all | Select-Object -Skip 1) }
        $contributions = 2 * $all.Count
        $trainerCpu = ($all | Measure-Object TrainerCpu -Sum).Sum / $contributions
        $coordinatorCpu = ($all | Measure-Object CoordinatorCpu -Sum).Sum / $contributions
        $exchangeCpu = ($all | Measure-Object ExchangeCpu -Sum).Sum / $contributions
        '{0,6} {1} | {2} | {3} | {4,6:N1}%' -f $stepCount, (Format-Ms $trainerCpu), (Format-Ms $coordinatorCpu), (Format-Ms $exchangeCpu), (100 * ($coordinatorCpu + $exchangeCpu) / $trainerCpu)
    }
    ''
    'Per round (ms): steps round | training c1 c2 | upload c1 c2 | validation/2 merge/2 | 1-minute load average after the round'
    foreach ($row in $rows) {
        '{0,6} {1,2} | {2} {3} | {4} {5} | {6} {7} | {8}' -f $row.Steps, $row.Round, (Format-Ms $row.Training[0]), (Format-Ms $row.Training[1]),
            (Format-Ms $row.Upload[0]), (Format-Ms $row.Upload[1]), (Format-Ms $row.Validation), (Format-Ms $row.Merge), $row.Load
    }
    ''
    "load average (/proc/loadavg) at the start: $loadAtStart; at the end: $(Get-Load)"
}
finally {
    if ($pushed) { Pop-Location }
    if ($null -ne $script:Child) {
        try { $script:Child.Kill($true) } catch { Write-Warning "could not stop trainer pid $($script:Child.Id): $_" }
    }
    if ($null -ne $exchange) {
        Stop-SwarmExchange -StateDirectory $exchangeState -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        $left = Get-Process -Id $exchange.Pid -ErrorAction SilentlyContinue
        if ($null -ne $left -and $left.ProcessName -eq 'pwsh') { $left.Kill($true) }
    }
    $env:SWARM_EXCHANGE_URL, $env:SWARM_EXCHANGE_TOKEN = $savedUrl, $savedToken
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
