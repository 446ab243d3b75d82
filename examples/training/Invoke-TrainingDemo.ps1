#Requires -Version 7.4
<#
.SYNOPSIS
    The live federated fine-tuning demo: a real exchange, sites alpha (coordinator, c1 on dotnet.cpu) and beta
    (c2 on pytorch.cpu), a live status table, the published snapshot and its evidence, then one failure drill.

.DESCRIPTION
    Everything lives in a fresh temporary folder (mode 0700, removed at the end unless -Keep): the site
    profiles and their run roots, the exchange's state, the base snapshot (written by the module's own
    dotnet.cpu trainer in its `base` mode), the training plan, and the coordinator's git repository (its
    ledger, ./snapshots/<run> and ./evidence/<run>). Start-SwarmTraining starts each site's roles as a detached
    site; the demo shows Get-SwarmTrainingStatus while the run goes, then what the coordinator decided: the
    phase, each verdict, the replays, the held-out loss before and after, the snapshot's files,
    Test-SwarmEvidence's result and the ledger's runs. Last, Invoke-SwarmFailureDrill UploadDisagreement
    shows a contribution whose upload disagrees with its manifest being rejected and left out of the merge.

    c2 trains with trainers/pytorch_cpu/train.py under -Python (/usr/bin/python3); when that Python has no
    torch (Debian: apt-get install python3-torch) the demo says so and c2 trains on dotnet.cpu instead.

    Exits 0 when the run is Published, its evidence passes Test-SwarmEvidence and the drill passes; 1
    otherwise. Run it in a fresh pwsh (the module's assemblies cannot be unloaded, and the tokens must not
    outlive the demo); `pwsh ./build.ps1 -Task TrainingDemo` builds the module first and does exactly that.

.EXAMPLE
    pwsh -NoProfile -File examples/training/Invoke-TrainingDemo.ps1          # after the build
#>
[CmdletBinding()]
param(
    # The module to import; the clone's own manifest by default (after `./build.ps1`).
    [string] $ManifestPath = (Join-Path $PSScriptRoot '../../SwarmPS.psd1'),

    # How long the live run may take before the demo gives up on it.
    [ValidateRange(10, 3600)]
    [int] $TimeoutSeconds = 150,

    # Optimizer steps of each contributor.
    [ValidateRange(1, 100000)]
    [int] $Steps = 200,

    # The Python that runs the pytorch.cpu trainer (it needs torch; Debian: python3-torch).
    [string] $Python = '/usr/bin/python3',

    # Keep the temporary folder (its path is printed) to read the run's files afterwards.
    [switch] $Keep
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$clock = [Diagnostics.Stopwatch]::StartNew()
$RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$Corpus = Join-Path $PSScriptRoot 'corpus'
$HeldOut = Join-Path $Corpus 'held-out.txt'
$PytorchTrainer = Join-Path $RepositoryRoot 'trainers/pytorch_cpu/train.py'
foreach ($path in $ManifestPath, $HeldOut, (Join-Path $Corpus 'shard-0.txt'), (Join-Path $Corpus 'shard-1.txt')) {
    if (-not (Test-Path $path)) {
        throw "The training demo needs $path, which does not exist."
    }
}
if (-not (Get-Command git -ErrorAction SilentlyContinue)) {
    throw 'The training demo needs git (the coordinator keeps its ledger in a git repository); install git first.'
}
$module = Import-Module $ManifestPath -PassThru
$TrainerDll = Join-Path $module.ModuleBase 'bin/trainer/SwarmPS.Trainer.dll'

function Show([string] $Title, [scriptblock] $Pipeline) {
    Write-Host ''
    Write-Host "PS> $Title" -ForegroundColor Cyan
    & $Pipeline | Format-Table -AutoSize | Out-String -Width 220 | Write-Host
}

function Note([string] $Text, [string] $Color = 'Gray') { Write-Host "TrainingDemo: $Text" -ForegroundColor $Color }

# Every process of a run carries SWARM_RUN_ID=<run> in its environment (the launchers, agents and trainers).
function Get-RunProcess([string] $RunId) {
    foreach ($directory in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
        try { $environ = [IO.File]::ReadAllText("$($directory.FullName)/environ") } catch { continue }
        if ($environ.Contains("SWARM_RUN_ID=$RunId`0") -and [int] $directory.Name -ne $PID) { [int] $directory.Name }
    }
}

# A training plan in the demo folder; the base snapshot beside it. Timing thresholds are generous for the
# live run (a loaded machine must not make it a drill); the drill's plan has the short ones a drill needs.
function New-Plan([string] $Path, [string] $Namespace, [string] $Digest, [string] $C2Backend, [hashtable] $Shape) {
    @"
schema_version: 1
namespace: $Namespace
coordinator: { site: alpha }
base_snapshot: { path: ./base.safetensors, digest: "$Digest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: $($Shape.Steps), seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
timing: { $($Shape.Timing) }
contributors:
  - { id: c1, site: alpha, backend: dotnet.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: beta, backend: $C2Backend, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1000.0, replay_sample: $($Shape.ReplaySample), replay_tolerance: 1.0e-4 }
gates: { $($Shape.Gates) }
"@ | Set-Content -Path $Path
    Import-SwarmTrainingPlan -Path $Path
}

# The demo folder: private (0700), fresh, and the only place the demo writes.
$Work = Join-Path ([IO.Path]::GetTempPath()) "swarmps-training-demo-$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
$null = [IO.Directory]::CreateDirectory($Work, [IO.UnixFileMode] 'UserRead, UserWrite, UserExecute')
$saved = @{}
foreach ($name in 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN', 'SWARM_TRAINING_TOKEN') {
    $saved[$name] = [Environment]::GetEnvironmentVariable($name)
}
$exchangeState = Join-Path $Work 'exchange'
$exchangeStarted = $false
$runs = [Collections.Generic.List[string]]::new()
$startedSites = [Collections.Generic.List[string]]::new()
$exitCode = 1
Note "files under $Work (removed at the end unless -Keep)"
try {
    # Two sites on this machine standing in for two centres, each with its own run root.
    $sites = New-Item -ItemType Directory (Join-Path $Work 'sites')
    foreach ($site in 'alpha', 'beta') {
        Set-Content -Path (Join-Path $sites "$site.yaml") -Value "scheduler: local`nrun_root: $(Join-Path $Work "$site-host/runs")`n"
    }
    $env:SWARMPS_SITE_PATH = $sites.FullName
    Show 'Get-SwarmSite alpha, beta' { Get-SwarmSite alpha, beta }

    # Tokens for this demo only: in the environment (the exchange, the launchers and the roles inherit
    # them), never printed, never on a command line.
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $env:SWARM_TRAINING_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $exchange = Start-SwarmExchange -StateDirectory $exchangeState -PassThru -Confirm:$false
    $exchangeStarted = $true
    $env:SWARM_EXCHANGE_URL = $exchange.Url.ToString()
    Note "exchange at $($exchange.Url) (pid $($exchange.Pid))"

    # The base snapshot, written by the module's dotnet.cpu trainer (mode `base`, docs/trainer-contract.md).
    $baseJob = Join-Path $Work 'base-job.json'
    @{ schema_version = 1; mode = 'base'; backend = 'dotnet.cpu'; output_directory = $Work; base_seed = 1 } |
        ConvertTo-Json | Set-Content -Path $baseJob
    $baseOutput = & dotnet $TrainerDll $baseJob 2>&1
    $base = Join-Path $Work 'base.safetensors'
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $base)) {
        throw "The dotnet.cpu trainer could not write the base snapshot (exit code $LASTEXITCODE): $baseOutput"
    }
    $digest = 'sha256:' + (Get-FileHash $base -Algorithm SHA256).Hash.ToLowerInvariant()
    Note "base snapshot written by dotnet.cpu: $digest"

    # c2's backend: pytorch.cpu when /usr/bin/python3 has torch, dotnet.cpu otherwise (said, not hidden).
    $hasTorch = $false
    if (Test-Path $Python) {
        & $Python -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") else 1)' 2>$null
        $hasTorch = $LASTEXITCODE -eq 0
    }
    if ($hasTorch) {
        $c2Backend = 'pytorch.cpu'
        $trainers = @{ 'pytorch.cpu' = @($Python, $PytorchTrainer) }
        Note "c2 trains on pytorch.cpu: $Python $PytorchTrainer"
    }
    else {
        $c2Backend = 'dotnet.cpu'
        $trainers = @{}
        $why = if (Test-Path $Python) { "$Python has no torch (Debian: apt-get install python3-torch)" } else { "$Python does not exist" }
        Note "$why, so c2 trains on dotnet.cpu instead of pytorch.cpu: both contributions, and both replays, are then dotnet.cpu." Yellow
    }

    $live = @{
        Steps = $Steps; ReplaySample = '1.0'
        Timing = 'heartbeat_interval_ms: 1000, stale_worker_ms: 60000, contributor_loss_grace_ms: 90000, max_worker_skew_ms: 120000'
        Gates = 'min_accepted: 2, min_replay_checked: 2, min_loss_improvement: 0.1'
    }
    $planPath = Join-Path $Work 'plan.yaml'
    $plan = New-Plan $planPath 'ft-demo' $digest $c2Backend $live
    Show "Import-SwarmTrainingPlan $planPath" { $plan }

    # The coordinator works in an experiment repository: the ledger, ./snapshots/<run>, ./evidence/<run>.
    $repo = (New-Item -ItemType Directory (Join-Path $Work 'coordinator')).FullName
    git -C $repo init --quiet
    if ($LASTEXITCODE -ne 0) { throw "git init $repo failed." }
    Initialize-SwarmRepository -Path $repo -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null
    $betaWork = (New-Item -ItemType Directory (Join-Path $Work 'beta-work')).FullName

    $runId = 'ft-demo-' + (Get-Date -Format 'yyyyMMdd-HHmmss')
    $runs.Add($runId)
    Push-Location $repo
    try {
        Write-Host "PS> `$plan | Start-SwarmTraining -RunId $runId -Site alpha -DataPath $Corpus -HeldOutPath $HeldOut" -ForegroundColor Cyan
        $startedSites.Add('alpha')
        $plan | Start-SwarmTraining -RunId $runId -Site alpha -DataPath $Corpus -HeldOutPath $HeldOut -Confirm:$false |
            Format-Table -AutoSize | Out-String -Width 220 | Write-Host
    }
    finally { Pop-Location }
    Push-Location $betaWork
    try {
        Write-Host "PS> `$plan | Start-SwarmTraining -RunId $runId -Site beta -DataPath $Corpus$(if ($hasTorch) { " -Trainer @{ 'pytorch.cpu' = '$Python', '$PytorchTrainer' }" })" -ForegroundColor Cyan
        $startedSites.Add('beta')
        $plan | Start-SwarmTraining -RunId $runId -Site beta -DataPath $Corpus -Trainer $trainers -Confirm:$false |
            Format-Table -AutoSize | Out-String -Width 220 | Write-Host
    }
    finally { Pop-Location }

    # The live table: printed again whenever a contributor's state, phase or (every few seconds) step changes.
    Write-Host "PS> Get-SwarmTrainingStatus -RunId $runId -Site alpha     # while it runs" -ForegroundColor Cyan
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $lastKey = ''
    $lastShown = [DateTime]::MinValue
    $status = @()
    while ($true) {
        $status = @(Get-SwarmTrainingStatus -RunId $runId -Site alpha -ErrorAction SilentlyContinue)
        if ($status.Count -gt 0) {
            $key = ($status | ForEach-Object { "$($_.Contributor) $($_.State) $($_.Verdict) $($_.Phase)" }) -join ';'
            if ($key -ne $lastKey -or ([DateTime]::UtcNow - $lastShown).TotalSeconds -ge 5) {
                Write-Host ("[{0,5:N1} s] phase {1}: {2}" -f $clock.Elapsed.TotalSeconds, $status[0].Phase, $status[0].PhaseDetail)
                $status | Format-Table Contributor, Site, Backend, State, Step, @{ n = 'Loss'; e = { if ($null -ne $_.Loss) { '{0:N4}' -f $_.Loss } } },
                    Heartbeats, Stale, Verdict, ReplayChecked -AutoSize | Out-String -Width 220 | Write-Host
                $lastKey = $key
                $lastShown = [DateTime]::UtcNow
            }
            if ($status[0].Phase -in 'Published', 'Blocked', 'Failed', 'Stopped') { break }
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Note "the run did not end within $TimeoutSeconds s; stopping it." Red
            break
        }
        Start-Sleep -Milliseconds 1000
    }

    # The outcome, from the coordinator's record in its repository.
    $phase = if ($status.Count -gt 0) { "$($status[0].Phase)" } else { 'Unknown' }
    Show "Get-SwarmTrainingStatus -RunId $runId -Site alpha" {
        $status | Select-Object Contributor, Backend, State, Step, Verdict, ReplayChecked, Phase, PhaseDetail
    }
    $record = Join-Path $repo ".swarm/training/$runId"
    $replays = @(Get-ChildItem (Join-Path $record 'replays') -Filter '*.json' -ErrorAction SilentlyContinue | ForEach-Object {
            $replay = Get-Content -Raw $_.FullName | ConvertFrom-Json
            [pscustomobject]@{ Contributor = $replay.contributor; Contributed = $replay.contributed_backend; Replayed = $replay.replay_backend
                Match = $replay.match; MaxRelativeDifference = '{0:G3}' -f $replay.max_relative_difference; Tolerance = '{0:G3}' -f $replay.tolerance }
        })
    Show "Get-Content $record/replays/*.json | ConvertFrom-Json" { $replays }
    $evaluations = @(Get-ChildItem (Join-Path $record 'evaluations') -Filter '*.json' -ErrorAction SilentlyContinue | ForEach-Object {
            $evaluation = Get-Content -Raw $_.FullName | ConvertFrom-Json
            [pscustomobject]@{ HeldOut = $evaluation.held_out_shard; Backend = $evaluation.backend; BaseLoss = '{0:N4}' -f $evaluation.base_loss
                AdapterLoss = '{0:N4}' -f $evaluation.adapter_loss; Improvement = '{0:N4}' -f ($evaluation.base_loss - $evaluation.adapter_loss) }
        })
    Show "Get-Content $record/evaluations/*.json | ConvertFrom-Json     # held-out loss, base vs merged adapter" { $evaluations }
    $snapshot = Join-Path $repo "snapshots/$runId"
    Show "Get-ChildItem $snapshot" { Get-ChildItem $snapshot -File -ErrorAction SilentlyContinue | Select-Object Name, Length }
    $evidencePath = Join-Path $repo "evidence/$runId"
    $evidence = if (Test-Path $evidencePath) { Test-SwarmEvidence -Path $evidencePath } else { $null }
    Show "Test-SwarmEvidence -Path $evidencePath" {
        if ($evidence) { $evidence | Select-Object Passed, Published, Summary } else { [pscustomobject]@{ Passed = $false; Summary = 'no evidence was exported' } }
    }
    Push-Location $repo
    try {
        # Each step of the run is a ledger run whose statepoint is {training, run_id, subject, facts} (docs/ledger.md).
        Show "Get-SwarmRun     # the ledger: one run per contribution, validation, aggregation, publication" {
            Get-SwarmRun | ForEach-Object {
                $statepoint = $_.Statepoint | ConvertFrom-Json
                if ($statepoint.PSObject.Properties['run_id'] -and $statepoint.run_id -eq $runId) {
                    [pscustomobject]@{ Id = $_.Id; Status = $_.Status; Training = $statepoint.training; Subject = $statepoint.subject }
                }
            }
        }
    }
    finally { Pop-Location }
    $runPassed = $phase -eq 'Published' -and $null -ne $evidence -and $evidence.Passed
    if ($runPassed) {
        # What the run showed, in a few lines an operator can read without the tables.
        Note "run $runId Published; what it showed:" Green
        foreach ($contributor in $status) {
            Write-Host "  - $($contributor.Contributor) on $($contributor.Site) trained $($contributor.Step) steps on $($contributor.Backend), sent $($contributor.Heartbeats) heartbeats; verdict $($contributor.Verdict)"
        }
        foreach ($replay in $replays) {
            Write-Host "  - the coordinator replayed $($replay.Contributor)'s $($replay.Contributed) contribution on $($replay.Replayed): $($replay.Match) (max relative difference $($replay.MaxRelativeDifference), tolerance $($replay.Tolerance))"
        }
        foreach ($evaluation in $evaluations) {
            Write-Host "  - merged adapter on the held-out shard: loss $($evaluation.BaseLoss) (base) -> $($evaluation.AdapterLoss) (gate: an improvement of at least 0.1)"
        }
        Write-Host "  - snapshot in PEFT layout at $snapshot; evidence at $evidencePath passes Test-SwarmEvidence ($($evidence.Summary))"
    }
    else {
        Note "FAILED: run $runId ended $phase$(if ($status.Count -gt 0) { " ($($status[0].PhaseDetail))" }); evidence passed: $($null -ne $evidence -and $evidence.Passed)$(if ($evidence -and -not $evidence.Passed) { " ($($evidence.Problems -join '; '))" }). Read the logs under $Work (run with -Keep)." Red
    }

    # Both sites end by themselves after a run; a launcher still up now is stopped.
    $settled = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $settled -and @(Get-RunProcess $runId).Count -gt 0) { Start-Sleep -Milliseconds 250 }

    # One drill on the same bed: c2's upload disagrees with its manifest; it must be Rejected and left out.
    $drillShape = @{
        Steps = 60; ReplaySample = '0'
        Timing = 'heartbeat_interval_ms: 500, stale_worker_ms: 2000, contributor_loss_grace_ms: 12000, max_worker_skew_ms: 2000'
        Gates = 'min_accepted: 1, min_replay_checked: 0, min_loss_improvement: 0.0'
    }
    $drillPlan = New-Plan (Join-Path $Work 'drill.yaml') 'ft-demo-drill' $digest $c2Backend $drillShape
    $drillRun = 'ft-drill-' + (Get-Date -Format 'yyyyMMdd-HHmmss')
    $runs.Add($drillRun)
    Push-Location $repo
    try {
        Write-Host "PS> `$drillPlan | Invoke-SwarmFailureDrill -Drill UploadDisagreement -RunId $drillRun -DataPath $Corpus -HeldOutPath $HeldOut" -ForegroundColor Cyan
        $drill = $drillPlan | Invoke-SwarmFailureDrill -Drill UploadDisagreement -RunId $drillRun -DataPath $Corpus -HeldOutPath $HeldOut -Trainer $trainers -Confirm:$false
    }
    finally { Pop-Location }
    $drill | Format-List Drill, Contributor, Expected, Observed, Passed, Phase, ReportPath | Out-String -Width 220 | Write-Host
    $drill.Checks | Format-Table Name, Passed, Detail -AutoSize | Out-String -Width 220 | Write-Host
    if ($drill.Passed) { Note 'drill UploadDisagreement passed.' Green } else { Note "FAILED: drill UploadDisagreement: $($drill.Observed)" Red }

    if ($runPassed -and $drill.Passed) { $exitCode = 0 }
}
catch {
    Note "FAILED: $_" Red
    Write-Host $_.ScriptStackTrace
}
finally {
    # Everything the demo started is stopped, also after an error or Ctrl+C; each step on its own.
    foreach ($run in $runs) {
        if ($run -eq $runs[0] -and $startedSites.Count -gt 0) {
            try { Stop-SwarmSite -RunId $run -Site $startedSites -Confirm:$false -ErrorAction Stop | Out-Null }
            catch { Write-Warning "TrainingDemo: Stop-SwarmSite -RunId ${run}: $_" }
        }
        $left = @(Get-RunProcess $run)
        if ($left.Count -gt 0) {
            Write-Warning "TrainingDemo: processes of run $run still running ($($left -join ', ')); ending them."
            foreach ($id in $left) { Stop-Process -Id $id -Force -ErrorAction SilentlyContinue }
            $exitCode = 1
        }
    }
    if ($exchangeStarted) {
        try {
            Stop-SwarmExchange -StateDirectory $exchangeState -Confirm:$false
            Note 'exchange stopped.'
        }
        catch {
            Write-Warning "TrainingDemo: Stop-SwarmExchange: $_"
            $exitCode = 1
        }
    }
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
    if ($Keep) { Note "kept $Work" }
    else { Remove-Item -Recurse -Force $Work -ErrorAction SilentlyContinue }
    Note ("{0} in {1:N1} s" -f $(if ($exitCode -eq 0) { 'done' } else { 'FAILED' }), $clock.Elapsed.TotalSeconds) $(if ($exitCode -eq 0) { 'Green' } else { 'Red' })
}
exit $exitCode
