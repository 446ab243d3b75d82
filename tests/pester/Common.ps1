# Shared bootstrap for every SwarmPS acceptance file. Dot-source it from BeforeAll:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'Common.ps1') }
#
# It imports the module the way an operator does from a clone (Import-Module ./SwarmPS.psd1 after the build)
# and sets a few variables the pillar files share:
#   $RepoRoot        the repository root
#   $ModuleManifest  the full path of SwarmPS.psd1
#   $PwshPath        $PSHOME/pwsh, for tests that need a fresh session (the module's assemblies never unload);
#                    never the process path, which is `dotnet` when pwsh runs as the dotnet tool
#   $ExamplesRoot    examples/ (campaigns and site profiles the docs use)
# and the helpers the launch files share (below): Wait-Until, Get-RunProcess, Start-TwoSiteBed/Stop-TwoSiteBed,
# Start-RemoteUser/Stop-RemoteUser, New-CounterCampaign, New-SleeperCampaign, New-RunId,
# Save-Environment/Restore-Environment and New-ContributionDirectory.

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModuleManifest = Join-Path $RepoRoot 'SwarmPS.psd1'
$ExamplesRoot = Join-Path $RepoRoot 'examples'
$PwshPath = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

if (-not (Test-Path (Join-Path $RepoRoot 'bin/SwarmPS.Cmdlets.dll'))) {
    throw "SwarmPS is not built: run 'pwsh ./build.ps1' (or 'dotnet build') in $RepoRoot first."
}

# Without -Force: a second pillar file in the same Pester run reuses the loaded module.
Import-Module $ModuleManifest -ErrorAction Stop

# Polls until the condition holds; throws naming it after -Seconds. A generous default: it only matters
# when a test is about to fail, and a loaded CI machine can be slow to start a site or an exchange.
function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60, [int] $PollMilliseconds = 50) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($clock.Elapsed.TotalSeconds -gt $Seconds) { throw "not reached within $Seconds s: $Condition" }
        Start-Sleep -Milliseconds $PollMilliseconds
    }
}

# Pids of live processes carrying this run's SWARM_RUN_ID (agents, launchers' children; as root, every
# user's), this one excepted: what a stopped run must leave none of.
function Get-RunProcess([string] $RunId) {
    foreach ($directory in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
        try { $environ = [IO.File]::ReadAllText("$($directory.FullName)/environ") } catch { continue }
        if ($environ.Contains("SWARM_RUN_ID=$RunId`0") -and [int] $directory.Name -ne $PID) { [int] $directory.Name }
    }
}

# Two local sites, alpha and beta, standing in for two centres, each with its own run root under
# $TestDrive/<site>-host/runs, and a real exchange on 127.0.0.1 with a fresh token; the environment it
# changes is saved so Stop-TwoSiteBed (in AfterAll) gives it back. Returns what AfterAll needs.
function Start-TwoSiteBed {
    $saved = Save-Environment 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN'

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    foreach ($site in 'alpha', 'beta') {
        Set-Content -Path (Join-Path $sites "$site.yaml") -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive "$site-host/runs")`n"
    }
    $env:SWARMPS_SITE_PATH = $sites.FullName
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $state = Join-Path $TestDrive 'exchange'
    $exchange = Start-SwarmExchange -StateDirectory $state -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $exchange.Url.ToString()
    [pscustomobject]@{ Saved = $saved; ExchangeState = $state; Exchange = $exchange }
}

function Stop-TwoSiteBed($Bed) {
    if ($null -eq $Bed) { return }
    Stop-SwarmExchange -StateDirectory $Bed.ExchangeState -Confirm:$false -ErrorAction SilentlyContinue
    Restore-Environment $Bed.Saved
}

# "Another machine" for remote-site files: the user swarmps-remote behind a real sshd on 127.0.0.1:2223
# (tests/infra/start-remote-user.sh; needs root). Returns its user, uid, home and port, and SshYaml: the
# ssh: block of a site profile that reaches it (host keys checked, no ~/.ssh/config). Stop-RemoteUser ends
# every process of that user, then its sshd.
function Start-RemoteUser([string] $State = '/tmp/swarmps-test/sshd-remote') {
    $info = bash (Join-Path $RepoRoot 'tests/infra/start-remote-user.sh') $State 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-remote-user.sh failed: $info" }
    $fields = @{}
    foreach ($word in (-split ($info -join ' '))) { if ($word -match '^(\w+)=(.*)$') { $fields[$Matches[1]] = $Matches[2] } }
    [pscustomobject]@{
        State = $State; User = $fields.user; Uid = [int] $fields.uid; Home = $fields.home; Port = [int] $fields.port
        SshYaml = @"
ssh:
  host: 127.0.0.1
  user: $($fields.user)
  port: $($fields.port)
  identity_file: $State/id_ed25519
  config_file: /dev/null
  control_path: $State/mux/pester-%C
  control_persist: "30"
  options:
    UserKnownHostsFile: $State/known_hosts
    StrictHostKeyChecking: "yes"
"@
    }
}

# Runs a shell snippet on the far side as the remote user (Start-RemoteUser), over the same sshd; returns its output lines.
function Invoke-RemoteUser($Remote, [string] $Script) {
    $s = $Remote.State
    ssh -F /dev/null -p $Remote.Port -i "$s/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes `
        -o "UserKnownHostsFile=$s/known_hosts" -o StrictHostKeyChecking=yes "$($Remote.User)@127.0.0.1" $Script
}

function Stop-RemoteUser($Remote) {
    if ($null -ne $Remote) { $null = bash (Join-Path $RepoRoot 'tests/infra/stop-remote-user.sh') $Remote.State 2>&1 }
}

# The federated counter as a campaign file in $TestDrive: ping on alpha and pong on beta count from 1 to 10
# through the exchange (examples/federated-chat/agent.py). -Agent names the program as the campaign should:
# relative (the default; a remote launch stages the experiment tree it lives in) or absolute (runs from any
# location). Returns the file's path.
function New-CounterCampaign([string] $Name, [int] $StartupTimeout = 60, [int] $IdleTimeout = 60, [string] $Agent = 'examples/federated-chat/agent.py') {
    $path = Join-Path $TestDrive "$Name.yaml"
    $program = ConvertTo-Json $Agent
    Set-Content -Path $path -Value @"
name: $Name
initial_agent: ping
user_task: Count from 1 to 10, one number per turn.
startup_timeout: $StartupTimeout
exchange:
  heartbeat_interval: 1s
agents:
  - name: ping
    site: alpha
    command: ["python3", $program, "--stop-at", "10", "--idle-timeout", "$IdleTimeout"]
    peers: [pong]
  - name: pong
    site: beta
    command: ["python3", $program, "--stop-at", "10", "--idle-timeout", "$IdleTimeout"]
    peers: [ping]
"@
    $path
}

# The current values of the named environment variables, for Restore-Environment (in AfterAll) to give back.
function Save-Environment([string[]] $Name) {
    $saved = @{}
    foreach ($variable in $Name) { $saved[$variable] = [Environment]::GetEnvironmentVariable($variable) }
    $saved
}

function Restore-Environment([hashtable] $Saved) {
    foreach ($variable in $Saved.Keys) {
        # A variable that was not set is removed: PowerShell passes $null to a .NET string as '', which would
        # leave it set and empty (an empty SLURM_CONF made every later sbatch fail in CI).
        if ($null -eq $Saved[$variable]) { Remove-Item "env:$variable" -ErrorAction Ignore }
        else { [Environment]::SetEnvironmentVariable($variable, $Saved[$variable]) }
    }
}

# A new, empty git repository under $TestDrive (its own folder per call): the ledger tests' experiment repository.
function New-GitRepository {
    $path = Join-Path $TestDrive ([guid]::NewGuid())
    New-Item -ItemType Directory $path | Out-Null
    git -C $path init --quiet
    $path
}

# A fresh run id with a readable prefix: every launch in a test takes its own.
function New-RunId([string] $Prefix) { "$Prefix-" + [Guid]::NewGuid().ToString('N').Substring(0, 8) }

# One agent on site beta that sleeps five minutes: a remote site that stays up until it is stopped. Returns the file's path.
function New-SleeperCampaign([string] $Name) {
    $path = Join-Path $TestDrive "$Name.yaml"
    Set-Content -Path $path -Value @"
name: $Name
initial_agent: sleeper
user_task: wait
startup_timeout: 60
agents:
  - name: sleeper
    site: beta
    command: ["sleep", "300"]
"@
    $path
}

# A contribution directory as a trainer writes it (manifest.json and adapter.safetensors, the names of
# ContributionFiles): a two-tensor F32 LoRA adapter of seeded bytes, and a manifest naming its sha256
# (or -AdapterDigest, to plant a mismatch). Returns the directory.
function New-ContributionDirectory([string] $RunId, [string] $Contributor, [string] $Site = 'alpha', [string] $Backend = 'dotnet.cpu',
    [long] $ExampleCount = 1000, [double] $LossAfter = 0.75, [int] $Seed = 1, [string] $AdapterDigest) {
    $directory = Join-Path $TestDrive "contributions/$RunId/$Contributor-$Seed"
    New-Item -ItemType Directory -Force $directory | Out-Null
    $header = [Text.Encoding]::UTF8.GetBytes('{"m.lora_A.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]},"m.lora_B.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[32,64]}}')
    $data = [byte[]]::new(64)
    [Random]::new($Seed).NextBytes($data)
    $adapter = Join-Path $directory 'adapter.safetensors'
    [IO.File]::WriteAllBytes($adapter, [byte[]]([BitConverter]::GetBytes([uint64]$header.Length) + $header + $data))
    $digest = if ($AdapterDigest) { $AdapterDigest } else { 'sha256:' + (Get-FileHash $adapter -Algorithm SHA256).Hash.ToLowerInvariant() }
    [ordered]@{
        schema_version = 1; run_id = $RunId; contributor = $Contributor; site = $Site; backend = $Backend
        base_snapshot_digest = 'sha256:' + ('a' * 64)
        adapter_contract = [ordered]@{ target_modules = @('m'); rank = 2; alpha = 4; dtype = 'F32' }
        data_shard = "shard-$Contributor"; example_count = $ExampleCount; steps = 10; seed = $Seed
        loss_before = 1.5; loss_after = $LossAfter
        started_at = '2026-12-01T09:00:00.000Z'; ended_at = '2026-12-01T09:05:00.000Z'; heartbeat_count = 5
        adapter_digest = $digest
    } | ConvertTo-Json -Depth 4 | Set-Content -Path (Join-Path $directory 'manifest.json') -NoNewline
    $directory
}
