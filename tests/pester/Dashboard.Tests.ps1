# Acceptance tests of the dashboard as an operator uses it, in a real headless chromium (tests/pester/Browser.ps1):
# the demo's two agents counting across two sites, alpha on this machine and beta reached over SSH as another user
# (swarmps-remote behind a real sshd on 127.0.0.1, tests/infra/start-remote-user.sh), so beta's run directory is
# only on the "remote" side and the dashboard must mirror it. Start-SwarmDashboard, the live page (sites header,
# swimlanes, cross-site edges, an appended event on screen within 2 s), Export-SwarmReport's file opened from disk,
# the token, the paths it refuses, bad input, and Stop-SwarmDashboard after a kill -9.
# Needs root (the infra script creates the user), python3, chromium and chromium-driver. Run after building:
#   Invoke-Pester ./tests/pester/Dashboard.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Browser.ps1')

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN'
    $script:Remote = Start-RemoteUser
    $script:RemoteRuns = "$($script:Remote.Home)/swarm-runs-dashboard"

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    $script:AlphaRuns = Join-Path $TestDrive 'alpha-host/runs'
    Set-Content -Path (Join-Path $sites 'alpha.yaml') -Value "scheduler: local`nrun_root: $script:AlphaRuns`n"
    Set-Content -Path (Join-Path $sites 'beta.yaml') -Value "scheduler: local`nrun_root: ~/swarm-runs-dashboard`n$($script:Remote.SshYaml)"
    # A centre that does not answer: nothing listens on port 1.
    Set-Content -Path (Join-Path $sites 'gamma.yaml') -Value "scheduler: local`nrun_root: ~/runs`nssh:`n  host: 127.0.0.1`n  port: 1`n  user: nobody`n  config_file: /dev/null`n  connect_timeout: 5s`n"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    $exchange = Start-SwarmExchange -StateDirectory $script:ExchangeState -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $exchange.Url.ToString()

    # The demo's counter: pong on beta (remote), ping on alpha (here) with the kickoff; both run to the end.
    Push-Location $RepoRoot
    $script:RunId = New-RunId 'pester-dashboard'
    $campaign = Import-SwarmCampaign (New-CounterCampaign 'pester-dashboard-counter')
    $campaign | Start-SwarmSite -RunId $script:RunId -Site beta -Confirm:$false | Out-Null
    $campaign | Start-SwarmSite -RunId $script:RunId -Site alpha -Detach -Bootstrap -Confirm:$false | Out-Null
    Wait-Until { (Get-SwarmAgent -RunId $script:RunId -Site beta).State -eq 'Exited' } -Seconds 120
    Wait-Until { (Get-SwarmAgent -RunId $script:RunId -Site alpha).State -eq 'Exited' } -Seconds 120
    Pop-Location

    $script:AlphaEvents = Join-Path $script:AlphaRuns "$script:RunId/alpha/events.jsonl"
    $script:BetaEvents = "$script:RemoteRuns/$script:RunId/beta/events.jsonl"
    # What the header must say, counted from the sites' own files (beta's read over SSH by Get-SwarmEvent).
    $script:AlphaSent = @(Get-SwarmEvent -Path $script:AlphaEvents -Kind message_sent).Count
    $script:BetaSent = @(Get-SwarmEvent -RunId $script:RunId -Site beta -Kind message_sent).Count
    $script:Header = "Sites: alpha (1 agent / $script:AlphaSent messages) · beta (1 agent / $script:BetaSent messages)"

    $script:MirrorRoot = Join-Path $TestDrive 'mirrors'
    $script:Artifacts = Join-Path $RepoRoot 'out/test-artifacts'
    New-Item -ItemType Directory -Path $script:Artifacts -Force | Out-Null
    $script:Browser = Start-HeadlessBrowser

    # One event line as an agent writes it, now, with a kind of the test's own.
    function New-EventLine([string] $Site, [string] $Kind) {
        $ts = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
        "{`"ts`":`"$ts`",`"site`":`"$Site`",`"agent`":null,`"kind`":`"$Kind`"}"
    }

    # A GET written byte for byte on a socket: .NET's HttpClient collapses '..' before sending, a browser may not.
    function Invoke-RawGet([int] $Port, [string] $Path, [string] $Cookie) {
        $tcp = [Net.Sockets.TcpClient]::new('127.0.0.1', $Port)
        try {
            $stream = $tcp.GetStream()
            $request = "GET $Path HTTP/1.1`r`nHost: 127.0.0.1:$Port`r`nCookie: swarmps_dashboard=$Cookie`r`nConnection: close`r`n`r`n"
            $bytes = [Text.Encoding]::ASCII.GetBytes($request)
            $stream.Write($bytes, 0, $bytes.Length)
            $text = [IO.StreamReader]::new($stream).ReadToEnd()
            [pscustomobject]@{ Status = [int] ($text -split ' ', 3)[1]; Text = $text }
        }
        finally { $tcp.Dispose() }
    }

    # Running, and not a zombie: a killed server's ssh child is re-parented, and its exit may not be reaped at once.
    function Test-ProcessLive([int] $ProcessId) {
        $stat = Get-Content "/proc/$ProcessId/stat" -Raw -ErrorAction SilentlyContinue
        $null -ne $stat -and ($stat -replace '^.*\) ', '')[0] -ne 'Z'
    }

    function Get-DashboardToken($Dashboard) { ([Uri] $Dashboard.Url).Query -replace '^\?token=', '' }
}

AfterAll {
    if ($script:Browser) { Stop-HeadlessBrowser $script:Browser }
    Stop-SwarmDashboard -MirrorRoot $script:MirrorRoot -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    Stop-SwarmSite -RunId $script:RunId -Site alpha, beta -GraceSeconds 2 -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue
    Stop-RemoteUser $script:Remote
    Restore-Environment $script:Saved
}

Describe 'Start-SwarmDashboard over a local and a remote site' {
    BeforeAll {
        $script:Dashboard = Start-SwarmDashboard -RunId $script:RunId -Site alpha, beta -Port 0 -MirrorRoot $script:MirrorRoot -NoBrowser -Confirm:$false
    }

    AfterAll {
        Stop-SwarmDashboard -RunId $script:RunId -MirrorRoot $script:MirrorRoot -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }

    It 'mirrors the remote site into <mirrorRoot>/<runId>/ and reads the local one in place' {
        $script:Dashboard.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Dashboard.DashboardInfo'
        $script:Dashboard.Url.ToString() | Should -Match '^http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{64}$'
        ($script:Dashboard.Sites | ForEach-Object { "$($_.Name) $($_.Source) $($_.Up) $($_.Agents) $($_.Messages)" }) |
            Should -Be "alpha Local True 1 $script:AlphaSent", "beta Mirror True 1 $script:BetaSent"
        # One remote site mirrors into the run's folder itself; its events are beta's, byte for byte.
        $mirrored = Join-Path $script:MirrorRoot "$script:RunId/events.jsonl"
        Get-Content $mirrored -Raw | Should -Be (Get-Content $script:BetaEvents -Raw)
        [int] (Get-Item (Join-Path $script:MirrorRoot $script:RunId)).UnixFileMode | Should -Be ([Convert]::ToInt32('700', 8))
    }

    It 'shows both sites in the browser: header counts, swimlanes, cross-site edges' {
        Open-BrowserPage $script:Browser $script:Dashboard.Url.ToString()
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10

        Invoke-BrowserScript $script:Browser "return document.querySelector('#sites-header').textContent.trim()" | Should -Be $script:Header
        Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .swimlane')].map(l => l.dataset.site + ':' + [...l.querySelectorAll('.agent-node')].map(n => n.dataset.agent).join(','))" |
            Should -Be 'alpha:ping', 'beta:pong'
        $labels = Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .edge .edge-label')].map(l => l.textContent)"
        $labels | Should -Match '^cross-site'
        Invoke-BrowserScript $script:Browser "return document.querySelector('#cross-site-count').textContent.trim()" | Should -Be ($script:AlphaSent + $script:BetaSent).ToString()
        Invoke-BrowserScript $script:Browser "return document.querySelectorAll('.event-row .site-badge').length > 0" | Should -BeTrue
    }

    It 'shows a new event of the <Site> site within 2 s, without a reload' -TestCases @(
        @{ Site = 'alpha'; Where = 'local' }
        @{ Site = 'beta'; Where = 'remote' }
    ) {
        param($Site, $Where)
        $kind = "probe_${Where}_$([Guid]::NewGuid().ToString('N').Substring(0, 6))"
        $file = if ($Site -eq 'alpha') { $script:AlphaEvents } else { $script:BetaEvents }
        $marker = Invoke-BrowserScript $script:Browser 'window.__sameDocument = true; return window.swarmDashboard.total'

        Add-Content -Path $file -Value (New-EventLine $Site $kind)

        Wait-BrowserCondition $script:Browser "return [...document.querySelectorAll('#filter-kind option')].some(o => o.value === arguments[0])" -Seconds 2 -Arguments $kind
        Invoke-BrowserScript $script:Browser 'return window.__sameDocument === true && window.swarmDashboard.total' | Should -Be ($marker + 1)
        # Followed to the bottom, the new row is on screen with its site.
        Wait-BrowserCondition $script:Browser "return !!document.querySelector('.event-row[data-kind=`"' + arguments[0] + '`"][data-site=`"' + arguments[1] + '`"]')" -Seconds 2 -Arguments $kind, $Site
    }

    It 'saves a screenshot of the live page' {
        $path = Join-Path $script:Artifacts 'dashboard-live.png'
        Save-BrowserScreenshot $script:Browser $path
        [IO.File]::ReadAllBytes($path)[0..7] | Should -Be 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A
    }

    It 'shows a malformed events line as a warning and still renders the rest' {
        $before = Invoke-BrowserScript $script:Browser 'return window.swarmDashboard.total'
        Add-Content -Path $script:AlphaEvents -Value '{"ts": "not a time", oops'
        Add-Content -Path $script:AlphaEvents -Value (New-EventLine 'alpha' 'after_the_bad_line')

        Wait-BrowserCondition $script:Browser "return [...document.querySelectorAll('#warnings li')].some(li => li.textContent.includes('not an event'))" -Seconds 3
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard.total === arguments[0]' -Seconds 3 -Arguments ($before + 1)
        Invoke-BrowserScript $script:Browser "return document.querySelector('#sites-header').textContent.trim()" | Should -Be $script:Header
    }

    It 'answers 401 and nothing else without the token, and moves the token into an HttpOnly cookie' {
        $base = "http://127.0.0.1:$($script:Dashboard.Port)"
        foreach ($path in '/', '/api/snapshot', '/api/stream', "/files/alpha/events.jsonl", '/?token=0000') {
            $response = Invoke-WebRequest "$base$path" -SkipHttpErrorCheck -MaximumRedirection 0
            $response.StatusCode | Should -Be 401 -Because "$path without the token"
            $response.RawContentLength | Should -Be 0
        }
        $first = Invoke-WebRequest $script:Dashboard.Url.ToString() -SkipHttpErrorCheck -MaximumRedirection 0
        $first.StatusCode | Should -Be 302
        $first.Headers['Location'] | Should -Be '/'
        $first.Headers['Set-Cookie'] | Should -Match '^swarmps_dashboard=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/$'
    }

    It 'listens on 127.0.0.1 only' {
        $hex = '{0:X4}' -f $script:Dashboard.Port
        $listening = @(Get-Content /proc/net/tcp, /proc/net/tcp6 | Where-Object { $_ -match "^\s*\d+: ([0-9A-F]+):$hex [0-9A-F]+:0000 0A" } | ForEach-Object { $Matches[1] })
        $listening | Should -Be '0100007F'
    }

    It 'serves a file of the run, and refuses <Case>' -TestCases @(
        @{ Case = 'dot segments'; Path = '/files/alpha/../../../../etc/passwd' }
        @{ Case = 'encoded dot segments'; Path = '/files/alpha/%2e%2e/%2e%2e/%2e%2e/etc/passwd' }
        @{ Case = 'an encoded slash'; Path = '/files/alpha/..%2F..%2F..%2Fetc%2Fpasswd' }
        @{ Case = 'a symbolic link out of the tree'; Path = '/files/alpha/planted.log' }
        @{ Case = 'a site that is not the run''s'; Path = '/files/nowhere/events.jsonl' }
    ) {
        param($Case, $Path)
        $planted = Join-Path $script:AlphaRuns "$script:RunId/alpha/planted.log"
        if (-not (Test-Path $planted)) { New-Item -ItemType SymbolicLink -Path $planted -Target /etc/passwd | Out-Null }
        $token = Get-DashboardToken $script:Dashboard

        $good = Invoke-RawGet $script:Dashboard.Port '/files/alpha/events.jsonl' $token
        $good.Status | Should -Be 200
        $good.Text | Should -Match 'agent_started'
        $refused = Invoke-RawGet $script:Dashboard.Port $Path $token
        $refused.Status | Should -Be 404
        $refused.Text | Should -Not -Match 'root:'
    }
}

Describe 'Export-SwarmReport' {
    It 'writes the same view into one owner-only file that opens from disk and makes no request' {
        $report = Export-SwarmReport -RunId $script:RunId -Site alpha, beta -Path (Join-Path $TestDrive 'report.html') -MirrorRoot $script:MirrorRoot -Confirm:$false -WarningAction SilentlyContinue

        $report.PSTypeNames[0] | Should -Be 'System.IO.FileInfo'
        [int] $report.UnixFileMode | Should -Be ([Convert]::ToInt32('600', 8))
        Open-BrowserPage $script:Browser ([Uri]::new($report.FullName).AbsoluteUri)
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10
        Invoke-BrowserScript $script:Browser 'return window.swarmDashboard.mode' | Should -Be 'report'
        Invoke-BrowserScript $script:Browser "return document.querySelector('#sites-header').textContent.trim()" | Should -Be $script:Header
        Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .swimlane')].map(l => l.dataset.site)" | Should -Be 'alpha', 'beta'
        Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .edge .edge-label')].map(l => l.textContent)" | Should -Match '^cross-site'
        Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#warnings li')].some(li => li.textContent.includes('not an event'))" | Should -BeTrue
        Invoke-BrowserScript $script:Browser "return performance.getEntriesByType('resource').length" | Should -Be 0

        $path = Join-Path $script:Artifacts 'dashboard-report.png'
        Save-BrowserScreenshot $script:Browser $path
        (Get-Item $path).Length | Should -BeGreaterThan 1000
    }

    It 'shows a one-site run as a one-site run (no site badges)' {
        $report = Export-SwarmReport -RunId $script:RunId -Site alpha -Path (Join-Path $TestDrive 'alpha.html') -Confirm:$false -WarningAction SilentlyContinue
        Open-BrowserPage $script:Browser ([Uri]::new($report.FullName).AbsoluteUri)
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10

        Invoke-BrowserScript $script:Browser "return document.querySelector('#sites-header').textContent.trim()" | Should -Be "Site: alpha (1 agent / $script:AlphaSent messages)"
        Invoke-BrowserScript $script:Browser "return document.querySelectorAll('.site-badge').length" | Should -Be 0
    }

    It 'refuses a folder that does not exist' {
        { Export-SwarmReport -RunId $script:RunId -Site alpha -Path (Join-Path $TestDrive 'no/such/folder/r.html') -Confirm:$false } |
            Should -Throw -ErrorId 'ReportDirectoryNotFound,SwarmPS.Cmdlets.ExportSwarmReportCommand'
    }
}

Describe 'Bad input' {
    It 'a run id with no run anywhere is DashboardRunNotFound, naming where it looked (<Case>)' -TestCases @(
        @{ Case = 'sites named'; Sites = @('alpha', 'beta') }
        @{ Case = 'no site named'; Sites = @() }
    ) {
        param($Case, $Sites)
        $arguments = @{ RunId = 'pester-no-such-run'; Port = 0; MirrorRoot = (Join-Path $TestDrive 'mirrors-none'); NoBrowser = $true; Confirm = $false }
        if ($Sites) { $arguments.Site = $Sites }
        $failure = { Start-SwarmDashboard @arguments } | Should -Throw -ErrorId 'DashboardRunNotFound,SwarmPS.Cmdlets.StartSwarmDashboardCommand' -PassThru
        $failure.Exception.Message | Should -Match ([regex]::Escape((Join-Path $script:AlphaRuns 'pester-no-such-run')))
        Get-ChildItem (Join-Path $TestDrive 'mirrors-none/.dashboards') -Filter *.json -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'an unreachable site says why while the others still show' {
        $mirrors = Join-Path $TestDrive 'mirrors-gamma'
        $warnings = @()
        $dashboard = Start-SwarmDashboard -RunId $script:RunId -Site alpha, beta, gamma -Port 0 -MirrorRoot $mirrors -NoBrowser -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $gamma = $dashboard.Sites | Where-Object Name -eq gamma
            $gamma.State | Should -Be 'Unreachable'
            $gamma.Problem | Should -Match 'Connection refused'
            ($warnings -join "`n") | Should -Match "Site 'gamma' is Unreachable"
            ($dashboard.Sites | Where-Object Up).Name | Should -Be 'alpha', 'beta'

            Open-BrowserPage $script:Browser $dashboard.Url.ToString()
            Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10
            Invoke-BrowserScript $script:Browser "return document.querySelector('.site-card[data-site=`"gamma`"] .site-state').textContent" | Should -Match 'Unreachable.*Connection refused'
            Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .swimlane .agent-node')].map(n => n.dataset.agent)" | Should -Be 'ping', 'pong'
        }
        finally {
            Stop-SwarmDashboard -RunId $script:RunId -MirrorRoot $mirrors -Confirm:$false | Out-Null
        }
    }

    It 'a -Path that is not a directory is DashboardPathNotFound' {
        { Start-SwarmDashboard -RunId $script:RunId -Path (Join-Path $TestDrive 'nothing') -NoBrowser -Confirm:$false } |
            Should -Throw -ErrorId 'DashboardPathNotFound,SwarmPS.Cmdlets.StartSwarmDashboardCommand'
    }

    It 'a taken port is not an error: the next free one is taken, and a warning says so' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $taken = $listener.LocalEndpoint.Port
        $mirrors = Join-Path $TestDrive 'mirrors-port'
        try {
            $warnings = @()
            $dashboard = Start-SwarmDashboard -RunId $script:RunId -Site alpha -Port $taken -MirrorRoot $mirrors -NoBrowser -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
            $dashboard.RequestedPort | Should -Be $taken
            $dashboard.Port | Should -BeGreaterThan $taken
            ($warnings -join "`n") | Should -Match "Port $taken is in use on 127.0.0.1: the dashboard took port $($dashboard.Port)"
            (Invoke-WebRequest $dashboard.Url.ToString()).StatusCode | Should -Be 200
        }
        finally {
            $listener.Stop()
            Stop-SwarmDashboard -MirrorRoot $mirrors -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        }
    }

    It 'a second dashboard of the same run is DashboardAlreadyRunning' {
        $mirrors = Join-Path $TestDrive 'mirrors-twice'
        Start-SwarmDashboard -RunId $script:RunId -Site alpha -Port 0 -MirrorRoot $mirrors -NoBrowser -Confirm:$false | Out-Null
        try {
            { Start-SwarmDashboard -RunId $script:RunId -Site alpha -Port 0 -MirrorRoot $mirrors -NoBrowser -Confirm:$false } |
                Should -Throw -ErrorId 'DashboardAlreadyRunning,SwarmPS.Cmdlets.StartSwarmDashboardCommand'
        }
        finally {
            Stop-SwarmDashboard -MirrorRoot $mirrors -Confirm:$false | Out-Null
        }
    }
}

Describe 'Stop-SwarmDashboard' {
    It 'stops the server and its mirror connection after the pwsh that started it was killed -9, and nothing else' {
        $mirrors = Join-Path $TestDrive 'mirrors-kill'
        $other = Join-Path $TestDrive 'mirrors-other'
        # Another dashboard of the same run (another mirror root): it must keep running.
        $bystander = Start-SwarmDashboard -RunId $script:RunId -Site alpha, beta -Port 0 -MirrorRoot $other -NoBrowser -Confirm:$false
        $launcherCommand = "Import-Module '$ModuleManifest'; Start-SwarmDashboard -RunId '$script:RunId' -Site alpha, beta -Port 0 -MirrorRoot '$mirrors' -NoBrowser -Confirm:`$false | Out-Null; Start-Sleep 600"
        $launcher = Start-Process -FilePath $PwshPath -ArgumentList '-NoProfile', '-NonInteractive', '-Command', $launcherCommand -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'launcher.out') -RedirectStandardError (Join-Path $TestDrive 'launcher.err')
        $recordPath = Join-Path $mirrors ".dashboards/$script:RunId.json"
        Wait-Until { (Test-Path $recordPath) -and (Get-Content $recordPath -Raw | ConvertFrom-Json).ready } -Seconds 90
        $record = Get-Content $recordPath -Raw | ConvertFrom-Json
        $record.mirrors.site | Should -Be 'beta'
        $mirrorPid = [int] $record.mirrors[0].pid
        (Get-Content "/proc/$mirrorPid/cmdline" -Raw) -split "`0" | Should -Contain 'ssh'

        Stop-Process -Id $launcher.Id -Force   # SIGKILL: no cleanup of any kind in the launcher
        $launcher.WaitForExit()
        Test-ProcessLive $record.pid | Should -BeTrue -Because 'the dashboard is detached: it outlives the pwsh that started it'

        $stopped = Stop-SwarmDashboard -RunId $script:RunId -MirrorRoot $mirrors -Confirm:$false

        $stopped.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Dashboard.DashboardStopResult'
        $stopped.ServerWasRunning | Should -BeTrue
        Wait-Until { -not (Test-ProcessLive $record.pid) -and -not (Test-ProcessLive $mirrorPid) } -Seconds 10
        Test-Path $recordPath | Should -BeFalse
        # The other dashboard and its mirror still serve.
        (Invoke-WebRequest $bystander.Url.ToString()).StatusCode | Should -Be 200
        Stop-SwarmDashboard -RunId $script:RunId -MirrorRoot $other -Confirm:$false | Out-Null
    }

    It 'stops the mirror connections of a server that was itself killed -9' {
        $mirrors = Join-Path $TestDrive 'mirrors-server-kill'
        $dashboard = Start-SwarmDashboard -RunId $script:RunId -Site alpha, beta -Port 0 -MirrorRoot $mirrors -NoBrowser -Confirm:$false
        $record = Get-Content (Join-Path $mirrors ".dashboards/$script:RunId.json") -Raw | ConvertFrom-Json
        $mirrorPid = [int] $record.mirrors[0].pid
        Stop-Process -Id $dashboard.Pid -Force
        Wait-Until { -not (Test-ProcessLive $dashboard.Pid) }
        Test-ProcessLive $mirrorPid | Should -BeTrue -Because 'the mirror connection outlives its server until stopped'

        $controls = Join-Path ($env:XDG_RUNTIME_DIR ? $env:XDG_RUNTIME_DIR : (Join-Path $HOME '.ssh')) 'swarmps-dashboard-*'
        $before = @(Get-Item $controls -ErrorAction SilentlyContinue).Count

        $stopped = Stop-SwarmDashboard -RunId $script:RunId -MirrorRoot $mirrors -Confirm:$false

        @(Get-Item $controls -ErrorAction SilentlyContinue).Count | Should -Be ($before - 1) -Because 'its control folder (the socket the killed server left) goes too'
        $stopped.ServerWasRunning | Should -BeFalse
        $stopped.MirrorsStopped | Should -Be 1
        Test-ProcessLive $mirrorPid | Should -BeFalse
    }

    It 'a run without a recorded dashboard is DashboardNotRunning' {
        { Stop-SwarmDashboard -RunId 'pester-never-started' -MirrorRoot $script:MirrorRoot -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'DashboardNotRunning,SwarmPS.Cmdlets.StopSwarmDashboardCommand'
    }
}

Describe 'The demo with -Dashboard' {
    It 'shows both sites of the README demo live in the browser while it runs' {
        $output = Join-Path $TestDrive 'demo.out'
        $demo = Start-Process -FilePath $PwshPath -PassThru -RedirectStandardOutput $output -RedirectStandardError (Join-Path $TestDrive 'demo.err') -ArgumentList @(
            '-NoProfile', '-NonInteractive', '-File', (Join-Path $RepoRoot 'examples/federated-chat/Invoke-Demo.ps1'),
            '-ManifestPath', $ModuleManifest, '-Dashboard', '-DashboardSeconds', '20')
        try {
            $pattern = 'Demo: dashboard at (http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{64})'
            Wait-Until { (Test-Path $output) -and (Get-Content $output -Raw) -match $pattern } -Seconds 90
            $url = [regex]::Match((Get-Content $output -Raw), $pattern).Groups[1].Value
            Open-BrowserPage $script:Browser $url
            Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10
            # The agents count to ten while the page is open: the header follows without a reload.
            Wait-Until { (Get-Content $output -Raw) -match 'Demo: the dashboard stays up' } -Seconds 90
            Wait-BrowserCondition $script:Browser "return /^Sites: alpha \(1 agent \/ \d+ messages\) · beta \(1 agent \/ \d+ messages\)$/.test(document.querySelector('#sites-header').textContent.trim()) && document.querySelectorAll('.event-row[data-kind=`"site_finished`"]').length + [...document.querySelectorAll('#filter-kind option')].filter(o => o.value === 'site_finished').length > 0" -Seconds 5
            Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .swimlane')].map(l => l.dataset.site + ':' + [...l.querySelectorAll('.agent-node')].map(n => n.dataset.agent).join(','))" |
                Should -Be 'alpha:ping', 'beta:pong'
            Invoke-BrowserScript $script:Browser "return [...document.querySelectorAll('#graph .edge .edge-label')].map(l => l.textContent)" | Should -Match '^cross-site'
            Save-BrowserScreenshot $script:Browser (Join-Path $script:Artifacts 'dashboard-demo.png')

            $demo.WaitForExit(60000) | Should -BeTrue
            $demo.ExitCode | Should -Be 0 -Because (Get-Content $output -Raw)
            Get-Content $output -Raw | Should -Match 'Demo: dashboard stopped\.'
        }
        finally {
            # A demo cut short by a failure above: interrupted as an operator would (SIGINT), so its own cleanup
            # runs; if it is still there, killed, and its dashboard and exchange stopped from their records.
            if (-not $demo.HasExited) {
                & kill -s INT $demo.Id
                if (-not $demo.WaitForExit(30000)) { Stop-Process -Id $demo.Id -Force }
                $root = [regex]::Match((Get-Content $output -Raw), 'files under (\S+)').Groups[1].Value
                if ($root) {
                    Stop-SwarmDashboard -MirrorRoot (Join-Path $root 'dashboard') -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
                    Stop-SwarmExchange -StateDirectory (Join-Path $root 'exchange') -Confirm:$false -ErrorAction SilentlyContinue
                }
            }
        }
    }
}
