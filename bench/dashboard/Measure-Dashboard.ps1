#Requires -Version 7.4
<#
.SYNOPSIS
    The dashboard's three figures (issue 16), measured in real headless chromium against a real dashboard:
    first render of a 100,000-event run over 4 sites, new event to screen while 200 events/s arrive, and what
    one mirror poll over SSH costs as a remote site's events file grows.

.DESCRIPTION
    1. First render: four site directories of 25,000 events each (the demo's kinds and fields), then
       Start-SwarmDashboard -Path, then the page opened in chromium; prints the page's own firstRenderMs
       (navigation start to the first full render: snapshot fetched, parsed and drawn) and the wall time from
       the WebDriver navigation to `ready`.
    2. Live lag: on top of that run, events appended round-robin to the four sites' files at 200 per second
       for -LiveSeconds; the page records, for each event that arrives over the stream, the time it is on
       screen minus its `ts` (window.swarmDashboard.lagsMs). Prints p50, p95, p99 and max.
    3. Mirror cost: one remote site (the swarmps-remote user behind the real sshd on 127.0.0.1:2223 that
       tests/infra/start-remote-user.sh makes) whose events.jsonl grows to each size in -MirrorSizesMiB; at each
       size, one poll with nothing new and one after appending 100 lines (about 14 KiB), each reporting the
       bytes that came over ssh and its time. The mirror is the engine's SiteMirror, called by reflection
       (engine types cannot be named in a script).
    Run from the repository root after the build, as root (the remote user), with chromium and chromium-driver
    installed:  pwsh -NoProfile -File bench/dashboard/Measure-Dashboard.ps1
#>
[CmdletBinding()]
param(
    [int] $Events = 100000,
    [int] $Sites = 4,
    [int] $EventsPerSecond = 200,
    [int] $LiveSeconds = 20,
    [double[]] $MirrorSizesMiB = @(0.1, 1, 10, 50)
)

$ErrorActionPreference = 'Stop'
$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
Set-Location $RepoRoot
Import-Module (Join-Path $RepoRoot 'SwarmPS.psd1')
. (Join-Path $RepoRoot 'tests/pester/Browser.ps1')

$work = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "swarmps-bench-dashboard-$([Guid]::NewGuid().ToString('N').Substring(0, 8))")).FullName
$runId = 'bench-dashboard'
$runDirectory = Join-Path $work "runs/$runId"
$mirrors = Join-Path $work 'mirrors'
$browser = $null
$writer = $null

function Get-Percentile([double[]] $Values, [double] $Fraction) {
    $sorted = $Values | Sort-Object
    $sorted[[Math]::Min($sorted.Count - 1, [int][Math]::Floor($Fraction * $sorted.Count))]
}

# One site's events as the demo's agents write them: agent start, then messages to the next site's agent.
function Write-SiteEvents([string] $Site, [int] $Index, [int] $Count, [DateTime] $Start) {
    $peer = "agent-$(($Index + 1) % $Sites)"
    $agent = "agent-$Index"
    $lines = [Collections.Generic.List[string]]::new($Count)
    for ($i = 0; $i -lt $Count; $i++) {
        $ts = $Start.AddMilliseconds($i * $Sites + $Index).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
        $kind = if ($i % 2) { 'message_received' } else { 'message_sent' }
        $fields = if ($i % 2) { "`"n`":$i,`"from`":`"$peer`"" } else { "`"n`":$i,`"to`":`"$peer`",`"bytes`":25" }
        $lines.Add("{`"ts`":`"$ts`",`"site`":`"$Site`",`"agent`":`"$agent`",`"kind`":`"$kind`",$fields}")
    }
    New-Item -ItemType Directory -Path (Join-Path $runDirectory $Site) -Force | Out-Null
    [IO.File]::WriteAllLines((Join-Path $runDirectory "$Site/events.jsonl"), $lines)
}

try {
    # --- 1. First render ------------------------------------------------------------------------------
    $siteNames = 0..($Sites - 1) | ForEach-Object { "site$_" }
    $start = [DateTime]::UtcNow.AddHours(-1)
    for ($s = 0; $s -lt $Sites; $s++) { Write-SiteEvents $siteNames[$s] $s ([int]($Events / $Sites)) $start }
    $bytes = (Get-ChildItem $runDirectory -Recurse -File | Measure-Object Length -Sum).Sum
    Write-Host ("Run: {0:N0} events over {1} sites, {2:N1} MiB of events.jsonl" -f $Events, $Sites, ($bytes / 1MB))

    $dashboard = Start-SwarmDashboard -RunId $runId -Path $runDirectory -Port 0 -MirrorRoot $mirrors -NoBrowser -Confirm:$false
    $browser = Start-HeadlessBrowser
    $clock = [Diagnostics.Stopwatch]::StartNew()
    Open-BrowserPage $browser $dashboard.Url.ToString()
    Wait-BrowserCondition $browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 60
    $wall = $clock.Elapsed.TotalMilliseconds
    $first = Invoke-BrowserScript $browser 'return [window.swarmDashboard.firstRenderMs, window.swarmDashboard.total, document.querySelectorAll(".event-row").length]'
    Write-Host ("First render: firstRenderMs {0:N0} ms (page), {1:N0} ms WebDriver navigation to ready; {2:N0} events, {3} rows in the DOM" -f $first[0], $wall, $first[1], $first[2])

    # --- 2. Live lag --------------------------------------------------------------------------------------
    # A separate process writes, so the browser's and the server's CPU is not this loop's.
    $writerScript = Join-Path $work 'writer.ps1'
    Set-Content -Path $writerScript -Value @'
param([string] $RunDirectory, [string] $Sites, [int] $PerSecond, [int] $Seconds)
$SiteNames = $Sites -split ','
$total = $PerSecond * $Seconds
$clock = [Diagnostics.Stopwatch]::StartNew()
for ($i = 0; $i -lt $total; $i++) {
    $due = $i * 1000.0 / $PerSecond
    while ($clock.Elapsed.TotalMilliseconds -lt $due) { [Threading.Thread]::Sleep(1) }
    $site = $SiteNames[$i % $SiteNames.Count]
    $ts = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
    [IO.File]::AppendAllText("$RunDirectory/$site/events.jsonl", "{`"ts`":`"$ts`",`"site`":`"$site`",`"agent`":`"live`",`"kind`":`"live_probe`",`"i`":$i}`n")
}
'@
    $pwsh = Join-Path $PSHOME 'pwsh'
    $writer = Start-Process -FilePath $pwsh -PassThru -ArgumentList '-NoProfile', '-File', $writerScript, '-RunDirectory', $runDirectory, '-Sites', ($siteNames -join ','), '-PerSecond', $EventsPerSecond, '-Seconds', $LiveSeconds
    $writer.WaitForExit()
    $expected = $EventsPerSecond * $LiveSeconds
    Wait-BrowserCondition $browser 'return window.swarmDashboard.lagsMs.length >= arguments[0]' -Seconds 10 -Arguments $expected
    $lags = [double[]] (Invoke-BrowserScript $browser 'return window.swarmDashboard.lagsMs')
    Write-Host ("Live: {0:N0} events at {1}/s for {2} s over {3} sites on top of {4:N0}: event to screen p50 {5:N0} ms, p95 {6:N0} ms, p99 {7:N0} ms, max {8:N0} ms" -f
        $lags.Count, $EventsPerSecond, $LiveSeconds, $Sites, $Events, (Get-Percentile $lags 0.5), (Get-Percentile $lags 0.95), (Get-Percentile $lags 0.99), ($lags | Measure-Object -Maximum).Maximum)
    Stop-SwarmDashboard -RunId $runId -MirrorRoot $mirrors -Confirm:$false | Out-Null

    # --- 3. Mirror cost per poll ------------------------------------------------------------------------
    $info = bash (Join-Path $RepoRoot 'tests/infra/start-remote-user.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-remote-user.sh failed: $info" }
    $fields = @{}
    foreach ($word in (-split ($info -join ' '))) { if ($word -match '^(\w+)=(.*)$') { $fields[$Matches[1]] = $Matches[2] } }
    $state = '/tmp/swarmps-test/sshd-remote'
    $sitesPath = New-Item -ItemType Directory -Path (Join-Path $work 'sites')
    Set-Content -Path (Join-Path $sitesPath 'remote.yaml') -Value @"
scheduler: local
run_root: ~/bench-runs
ssh:
  host: 127.0.0.1
  user: $($fields.user)
  port: $($fields.port)
  identity_file: $state/id_ed25519
  config_file: /dev/null
  control_path: $state/mux/bench-%C
  options:
    UserKnownHostsFile: $state/known_hosts
    StrictHostKeyChecking: "yes"
"@
    $env:SWARMPS_SITE_PATH = $sitesPath.FullName
    $remoteFile = "$($fields.home)/bench-runs/$runId/remote/events.jsonl"
    New-Item -ItemType Directory -Path (Split-Path $remoteFile) -Force | Out-Null
    Set-Content -Path $remoteFile -Value $null -NoNewline
    & chown -R "$($fields.user):$($fields.user)" "$($fields.home)/bench-runs"

    $engine = ([Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'SwarmPS.Dependencies').Assemblies | Where-Object { $_.GetName().Name -eq 'SwarmPS.Engine' }
    $mirrorType = $engine.GetType('SwarmPS.Engine.Dashboard.SiteMirror', $true)
    $siteProfile = (Get-SwarmSite remote).Profile
    $control = Join-Path $HOME ".ssh/swarmps-bench-$PID"
    $mirror = $mirrorType.GetMethod('Create').Invoke($null, [object[]] @($siteProfile.psobject.BaseObject, [string] $runId, [string] (Join-Path $mirrors "$runId-remote"), [string] $control))
    function Invoke-Poll {
        $poll = $mirror.PollAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult()
        while ($poll.MorePending) { $poll = $mirror.PollAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult() }
        $poll
    }
    $line = '{"ts":"2026-12-01T10:00:00.000Z","site":"remote","agent":"a","kind":"message_sent","n":1,"to":"b","bytes":25,"pad":"' + ('x' * 20) + '"}'
    $hundred = (@($line) * 100) -join "`n"
    Write-Host ''
    Write-Host 'Mirror poll over ssh (127.0.0.1, the remote user''s sshd): bytes received and time per poll'
    Write-Host ('{0,14} {1,22} {2,30}' -f 'file size', 'nothing new', 'after 100 new lines (14 KiB)')
    $null = Invoke-Poll
    foreach ($size in $MirrorSizesMiB) {
        # Grow the remote file to the size, and let the mirror catch up (that copy is not what is measured).
        $current = (Get-Item $remoteFile).Length
        $target = [long]($size * 1MB)
        if ($target -gt $current) {
            $block = ((@($line) * 1000) -join "`n") + "`n"
            $stream = [IO.File]::Open($remoteFile, 'Append')
            $chunk = [Text.Encoding]::UTF8.GetBytes($block)
            while ($stream.Length -lt $target) { $stream.Write($chunk, 0, $chunk.Length) }
            $stream.Dispose()
        }
        $null = Invoke-Poll
        $quiet = $mirror.PollAsync([Threading.CancellationToken]::None).GetAwaiter().GetResult()
        [IO.File]::AppendAllText($remoteFile, $hundred + "`n")
        $busy = Invoke-Poll
        Write-Host ('{0,10:N2} MiB {1,10:N0} B {2,7:N0} ms {3,16:N0} B {4,7:N0} ms' -f ((Get-Item $remoteFile).Length / 1MB), $quiet.BytesReceived, $quiet.Elapsed.TotalMilliseconds, $busy.BytesReceived, $busy.Elapsed.TotalMilliseconds)
    }
    $null = $mirror.DisposeAsync().AsTask().GetAwaiter().GetResult()
    Remove-Item -Recurse -Force $control -ErrorAction SilentlyContinue
}
finally {
    if ($writer -and -not $writer.HasExited) { Stop-Process -Id $writer.Id -Force }
    if ($browser) { Stop-HeadlessBrowser $browser }
    Stop-SwarmDashboard -MirrorRoot $mirrors -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    $null = bash (Join-Path $RepoRoot 'tests/infra/stop-remote-user.sh') 2>&1
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
