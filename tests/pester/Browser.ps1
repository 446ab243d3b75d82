# A real headless browser for the dashboard tests: chromium driven through chromedriver's W3C WebDriver HTTP
# API with Invoke-RestMethod (no Selenium, nothing to install beyond the Debian packages chromium and
# chromium-driver, which .ci/run installs). Dot-source it after Common.ps1:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'Common.ps1'); . (Join-Path $PSScriptRoot 'Browser.ps1') }
#
#   Start-HeadlessBrowser         chromedriver on a free 127.0.0.1 port and one session; returns the handle
#   Open-BrowserPage $b $url      navigates (a file path becomes a file:// URL)
#   Invoke-BrowserScript $b 'return ...' [args]   runs a script in the page, returns its value
#   Wait-BrowserCondition $b 'return <bool>' -Seconds 5   polls; throws naming the condition and the page's state
#   Invoke-BrowserClick $b '<css>'  a real WebDriver click on the first element the selector finds
#   Save-BrowserScreenshot $b $path PNG of the window
#   Stop-HeadlessBrowser $b       ends the session, chromedriver and every process they started
#   New-DashboardReportFile       the page filled with a report snapshot (until Export-SwarmReport exists)
# Every wait is bounded; every HTTP call to chromedriver has a timeout.

$script:DashboardAsset = Join-Path $PSScriptRoot '../../src/SwarmPS.Engine/Dashboard/Assets/dashboard.html'

# The W3C key under which WebDriver returns an element reference.
$script:WebElementKey = 'element-6066-11e4-a52e-4f735466cecf'

function Get-FreeLoopbackPort {
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    try { $listener.Start(); ([Net.IPEndPoint] $listener.LocalEndpoint).Port } finally { $listener.Stop() }
}

# One WebDriver command. Errors come back as JSON ({ value: { error, message } }): rethrown with that message,
# so a failing test says what the driver said instead of "500 Internal Server Error".
function Invoke-WebDriver($Browser, [string] $Method, [string] $Path, $Body, [int] $TimeoutSec = 60) {
    $request = @{ Method = $Method; Uri = "$($Browser.DriverUrl)$Path"; TimeoutSec = $TimeoutSec; ContentType = 'application/json' }
    if ($null -ne $Body) { $request.Body = ConvertTo-Json -InputObject $Body -Depth 20 -Compress }
    try {
        # Parsed here, not by Invoke-RestMethod: it turns ISO-looking strings into DateTime, and a test
        # reading an event's ts must get the text the page shows.
        $response = Invoke-WebRequest @request
        (ConvertFrom-Json -InputObject $response.Content -DateKind String -Depth 100).value
    } catch {
        $detail = $_.ErrorDetails.Message
        try { $parsed = $detail | ConvertFrom-Json; $detail = "$($parsed.value.error): $($parsed.value.message)" } catch { }
        throw "WebDriver $Method $Path failed: $(if ($detail) { $detail } else { $_.Exception.Message })"
    }
}

# Pids of the process tree under $RootPid (itself excluded), read from /proc: chromedriver's chromium and
# chromium's own helpers (zygote, renderers, GPU, crashpad).
function Get-ProcessDescendant([int] $RootPid) {
    $parents = @{}
    foreach ($directory in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
        try { $stat = [IO.File]::ReadAllText("$($directory.FullName)/stat") } catch { continue }
        # The command name in parentheses may hold spaces; the parent pid is the second field after it.
        $afterName = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        $parents[[int] $directory.Name] = [int] $afterName[1]
    }
    $found = [Collections.Generic.List[int]]::new()
    $frontier = [Collections.Generic.Queue[int]]::new()
    $frontier.Enqueue($RootPid)
    while ($frontier.Count -gt 0) {
        $current = $frontier.Dequeue()
        foreach ($entry in $parents.GetEnumerator()) {
            if ($entry.Value -eq $current -and -not $found.Contains($entry.Key)) { $found.Add($entry.Key); $frontier.Enqueue($entry.Key) }
        }
    }
    $found
}

# Pids whose command line names $Marker (the browser's private temp directory): chromium helpers that a
# dying parent left to init are still found this way.
function Get-ProcessByCommandLine([string] $Marker) {
    foreach ($directory in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -Match '^\d+$') {
        try { $cmdline = [IO.File]::ReadAllText("$($directory.FullName)/cmdline") } catch { continue }
        if ($cmdline.Contains($Marker) -and [int] $directory.Name -ne $PID) { [int] $directory.Name }
    }
}

function Start-HeadlessBrowser {
    param(
        [string] $ChromiumPath = '/usr/bin/chromium',
        [string] $DriverPath = '/usr/bin/chromedriver',
        [int] $Seconds = 60
    )
    foreach ($file in $ChromiumPath, $DriverPath) {
        if (-not (Test-Path $file)) { throw "$file is missing: install the Debian packages chromium and chromium-driver (.ci/run does)." }
    }
    $root = Join-Path ([IO.Path]::GetTempPath()) ('swarmps-browser-' + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $root | Out-Null
    $port = Get-FreeLoopbackPort
    # Output to files, not pipes: a helper that outlives the test must not hold the runner's output open.
    $driver = Start-Process -FilePath $DriverPath -ArgumentList "--port=$port", '--allowed-ips=127.0.0.1', "--log-path=$root/chromedriver.log" `
        -RedirectStandardOutput "$root/driver.out" -RedirectStandardError "$root/driver.err" -PassThru
    $browser = [pscustomobject]@{
        DriverUrl = "http://127.0.0.1:$port"; DriverProcess = $driver; Root = $root; SessionId = $null; Pids = @()
    }
    try {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while ($true) {
            try { if ((Invoke-RestMethod -Uri "$($browser.DriverUrl)/status" -TimeoutSec 2).value.ready) { break } } catch { }
            if ($driver.HasExited) { throw "chromedriver exited ($($driver.ExitCode)): $(Get-Content -Raw "$root/driver.err" -ErrorAction SilentlyContinue)" }
            if ($clock.Elapsed.TotalSeconds -gt $Seconds) { throw "chromedriver did not answer on $($browser.DriverUrl) within $Seconds s" }
            Start-Sleep -Milliseconds 100
        }
        $options = @{
            binary = $ChromiumPath
            args   = @('--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,1000',
                       "--user-data-dir=$root/profile", '--no-first-run', '--no-default-browser-check')
        }
        # eager: a navigation returns at DOMContentLoaded (every test then waits for the page's own `ready`).
        $session = Invoke-WebDriver $browser POST '/session' @{ capabilities = @{ alwaysMatch = @{ browserName = 'chrome'; pageLoadStrategy = 'eager'; 'goog:chromeOptions' = $options } } } -TimeoutSec $Seconds
        $browser.SessionId = $session.sessionId
        # Bounded page loads and scripts: a hung page fails the test instead of hanging it.
        Invoke-WebDriver $browser POST "/session/$($browser.SessionId)/timeouts" @{ pageLoad = 60000; script = 30000; implicit = 0 } | Out-Null
        $browser.Pids = @(Get-ProcessDescendant $driver.Id)
        $browser
    } catch {
        Stop-HeadlessBrowser $browser
        throw
    }
}

function Open-BrowserPage($Browser, [string] $Url) {
    # [Uri]::new, not a [Uri] cast: PowerShell casts '/tmp/x' to a relative Uri whose AbsoluteUri is empty.
    if ($Url -notmatch '^[a-z]+://') { $Url = [Uri]::new((Resolve-Path -LiteralPath $Url).ProviderPath).AbsoluteUri }
    try {
        Invoke-WebDriver $Browser POST "/session/$($Browser.SessionId)/url" @{ url = $Url } -TimeoutSec 90 | Out-Null
    }
    catch {
        # Headless chromium on a loaded 2-core box can lose its renderer ("Timed out receiving message from
        # renderer"; seen once in CI), and the session is dead after it: a fresh browser, once, then the
        # navigation again. Any other failure, or a second one, fails the test.
        if ("$_" -notmatch 'receiving message from renderer') { throw }
        Write-Warning "Browser.ps1: $_; restarting the browser once"
        Restart-HeadlessBrowser $Browser
        Invoke-WebDriver $Browser POST "/session/$($Browser.SessionId)/url" @{ url = $Url } -TimeoutSec 90 | Out-Null
    }
}

# Stops the browser and starts a new one into the same object, so every test holding it goes on with the new session.
function Restart-HeadlessBrowser($Browser) {
    Stop-HeadlessBrowser $Browser
    $fresh = Start-HeadlessBrowser
    foreach ($name in 'DriverUrl', 'DriverProcess', 'Root', 'SessionId', 'Pids') { $Browser.$name = $fresh.$name }
}

function Invoke-BrowserScript($Browser, [string] $Script, [object[]] $Arguments = @()) {
    Invoke-WebDriver $Browser POST "/session/$($Browser.SessionId)/execute/sync" @{ script = $Script; args = @($Arguments) } -TimeoutSec 60
}

function Wait-BrowserCondition($Browser, [string] $Condition, [double] $Seconds = 5, [object[]] $Arguments = @()) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $lastError = $null
    while ($clock.Elapsed.TotalSeconds -lt $Seconds) {
        try {
            if (Invoke-BrowserScript $Browser $Condition $Arguments) { return }
            $lastError = $null
        } catch { $lastError = $_.Exception.Message }
        Start-Sleep -Milliseconds 100
    }
    # Say what the page showed: usually the header or a warning explains why the condition never held.
    $page = try {
        Invoke-BrowserScript $Browser @'
const text = (id) => { const e = document.getElementById(id); return e ? e.textContent.trim() : '(absent)'; };
return `#sites-header: ${text('sites-header')}; #warnings: ${text('warnings')}`;
'@
    } catch { "page unreadable: $($_.Exception.Message)" }
    throw "browser condition not met within $Seconds s: $Condition ($page)$(if ($lastError) { "; last error: $lastError" })"
}

function Invoke-BrowserClick($Browser, [string] $Selector) {
    $element = Invoke-WebDriver $Browser POST "/session/$($Browser.SessionId)/element" @{ using = 'css selector'; value = $Selector }
    $id = $element.$script:WebElementKey
    Invoke-WebDriver $Browser POST "/session/$($Browser.SessionId)/element/$id/click" @{} | Out-Null
}

function Save-BrowserScreenshot($Browser, [string] $Path) {
    $png = Invoke-WebDriver $Browser GET "/session/$($Browser.SessionId)/screenshot"
    $directory = Split-Path -Parent $Path
    if ($directory -and -not (Test-Path $directory)) { New-Item -ItemType Directory -Path $directory -Force | Out-Null }
    [IO.File]::WriteAllBytes($Path, [Convert]::FromBase64String($png))
}

function Stop-HeadlessBrowser($Browser) {
    if ($null -eq $Browser) { return }
    $driver = $Browser.DriverProcess
    # Everything to end, gathered before anything dies (a dead parent's children move to init).
    $pids = [Collections.Generic.HashSet[int]]::new()
    foreach ($p in @($Browser.Pids) + @(if ($driver -and -not $driver.HasExited) { Get-ProcessDescendant $driver.Id })) { [void] $pids.Add($p) }
    if ($Browser.SessionId) {
        try { Invoke-WebDriver $Browser DELETE "/session/$($Browser.SessionId)" -TimeoutSec 15 | Out-Null } catch { }
        $Browser.SessionId = $null
    }
    if ($driver -and -not $driver.HasExited) {
        try { Invoke-RestMethod -Uri "$($Browser.DriverUrl)/shutdown" -TimeoutSec 5 | Out-Null } catch { }
        if (-not $driver.WaitForExit(5000)) { $driver.Kill($true) }
        [void] $driver.WaitForExit(5000)
    }
    foreach ($p in Get-ProcessByCommandLine $Browser.Root) { [void] $pids.Add($p) }
    foreach ($p in $pids) {
        # Only what is still a chromium or chromedriver: a pid seen earlier may have been reused since.
        try { $name = [IO.File]::ReadAllText("/proc/$p/comm").Trim() } catch { continue }
        if ($name -match 'chrom') { try { (Get-Process -Id $p -ErrorAction Stop).Kill() } catch { } }
    }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while (@($pids | Where-Object { Test-Path "/proc/$_" }).Count -gt 0 -and $clock.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 100 }
    Remove-Item -LiteralPath $Browser.Root -Recurse -Force -ErrorAction SilentlyContinue
}

# The dashboard page as a report: the boot line filled with {"mode":"report","snapshot":...}. It stands in
# for Export-SwarmReport only until that cmdlet exists; the page tests then switch to the cmdlet's output.
# -SnapshotJson takes ready JSON (the 100,000-event snapshot is built as text: ConvertTo-Json is too slow).
function New-DashboardReportFile {
    [CmdletBinding(DefaultParameterSetName = 'Object')]
    param(
        [Parameter(Mandatory, ParameterSetName = 'Object')] $Snapshot,
        [Parameter(Mandatory, ParameterSetName = 'Json')] [string] $SnapshotJson,
        [Parameter(Mandatory)] [string] $Path
    )
    if ($PSCmdlet.ParameterSetName -eq 'Object') { $SnapshotJson = ConvertTo-Json -InputObject $Snapshot -Depth 20 -Compress }
    # < > & only occur inside JSON strings, so their \u escapes keep the JSON equal and no field can close
    # the script element (docs/dashboard.md, "The page").
    $boot = '{"mode":"report","snapshot":' + $SnapshotJson + '}'
    $boot = $boot.Replace('<', '\u003C').Replace('>', '\u003E').Replace('&', '\u0026')
    $page = [IO.File]::ReadAllText((Resolve-Path $script:DashboardAsset).Path)
    $placeholder = '__SWARM_BOOT__'
    if (([regex]::Matches($page, [regex]::Escape($placeholder))).Count -ne 1) { throw "$($script:DashboardAsset) must hold $placeholder exactly once" }
    [IO.File]::WriteAllText($Path, $page.Replace($placeholder, $boot))
}
