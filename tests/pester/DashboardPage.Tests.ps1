# Acceptance tests of the dashboard page (src/SwarmPS.Engine/Dashboard/Assets/dashboard.html) in report
# mode, opened from disk (file://) in a real headless chromium driven over WebDriver (Browser.ps1): the
# hooks docs/dashboard.md promises ("What a test or a benchmark can rely on"), hostile text, and a
# 100,000-event run. Live mode is proven against the real server by the dashboard server's tests.
# Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian chromium, chromium-driver). After building:
#   Invoke-Pester ./tests/pester/DashboardPage.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Browser.ps1')

    $script:Browser = Start-HeadlessBrowser
    $script:PagePath = Join-Path $RepoRoot 'src/SwarmPS.Engine/Dashboard/Assets/dashboard.html'
    $script:Hostile = '<img src=x onerror="window.__pwned=1">'
    $script:Epoch = [DateTimeOffset]::new(2026, 12, 1, 10, 15, 0, [TimeSpan]::Zero)

    function New-TestEvent([int] $Seq, [int] $Milliseconds, [string] $Site, $Agent, [string] $Kind, $Fields = @{}) {
        [ordered]@{
            seq = $Seq; ts = $script:Epoch.AddMilliseconds($Milliseconds).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
            site = $Site; agent = $Agent; kind = $Kind; fields = $Fields
        }
    }

    function New-TestSite([string] $Name, [string] $State, [int] $Agents, [int] $Messages, $Problem = $null) {
        [ordered]@{ name = $Name; state = $State; source = 'local'; up = ($State -eq 'Running'); agents = $Agents; messages = $Messages; problem = $Problem }
    }

    # alpha's ping sends pong (on beta) 12 messages of 64 bytes; pong answers 8 times without a size; one
    # of pong's events carries hostile text; two lines were not events (one of them hostile too).
    function New-TwoSiteSnapshot {
        $events = [Collections.Generic.List[object]]::new()
        $events.Add((New-TestEvent 0 0 alpha $null site_starting))
        $events.Add((New-TestEvent 1 5 beta $null site_starting))
        $events.Add((New-TestEvent 2 10 alpha ping agent_started))
        $events.Add((New-TestEvent 3 20 beta pong agent_started))
        $events.Add((New-TestEvent 4 30 beta pong note @{ text = $script:Hostile }))
        $sent = @{ alpha = 0; beta = 0 }
        for ($i = 0; $i -lt 20; $i++) {
            if ($i % 5 -lt 3) {
                $sent.alpha++
                $events.Add((New-TestEvent $events.Count (100 + 10 * $i) alpha ping message_sent ([ordered]@{ n = $sent.alpha; to = 'pong'; bytes = 64 })))
            } else {
                $sent.beta++
                $events.Add((New-TestEvent $events.Count (100 + 10 * $i) beta pong message_sent ([ordered]@{ n = $sent.beta; to = 'ping' })))
            }
        }
        $events.Add((New-TestEvent $events.Count 400 alpha $null site_finished))
        [ordered]@{
            run_id = 'demo-20261201-101500'; single_site = $false; seq = $events.Count
            sites = @(
                (New-TestSite alpha Running 1 12),
                (New-TestSite beta Unreachable 1 8 'ssh: connect to host beta.example port 22: Connection refused'))
            events = $events
            warnings = @('alpha: events.jsonl: not an event: {oops', 'beta: events.jsonl: not an event: <script>window.__pwned=2</script>')
            training = [ordered]@{
                phase = 'Training'; detail = 'round 3 of 10'
                contributors = @(
                    [ordered]@{ id = 'c1'; site = 'alpha'; state = 'Training'; step = 40; loss = 2.31; verdict = $null },
                    [ordered]@{ id = 'c2'; site = 'beta'; state = 'Accepted'; step = 38; loss = 2.45; verdict = 'kept' })
            }
        }
    }

    # One site, two agents, one message between them; nothing wrong, no training.
    function New-OneSiteSnapshot {
        $events = @(
            (New-TestEvent 0 0 alpha ping agent_started),
            (New-TestEvent 1 5 alpha pong agent_started),
            (New-TestEvent 2 10 alpha ping message_sent ([ordered]@{ n = 1; to = 'pong'; bytes = 10 })))
        [ordered]@{
            run_id = 'solo'; single_site = $true; seq = 3; sites = @((New-TestSite alpha Finished 2 1))
            events = $events; warnings = @(); training = $null
        }
    }

    function Open-Report([string] $Name, [Parameter(ValueFromPipeline)] $Snapshot) {
        $path = Join-Path $TestDrive "$Name.html"
        New-DashboardReportFile -Snapshot $Snapshot -Path $path
        Open-BrowserPage $script:Browser $path
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 10
    }

    function Get-PageText([string] $Selector) {
        Invoke-BrowserScript $script:Browser 'const e = document.querySelector(arguments[0]); return e ? e.textContent : null;' @($Selector)
    }
}

AfterAll {
    Stop-HeadlessBrowser $script:Browser
}

Describe 'The headless browser' {
    It 'leaves no chromium or chromedriver process and no profile behind when stopped' {
        $other = Start-HeadlessBrowser
        $pids = @($other.DriverProcess.Id) + @(Get-ProcessDescendant $other.DriverProcess.Id)
        $pids.Count | Should -BeGreaterThan 2   # chromedriver, chromium and chromium's helpers
        Stop-HeadlessBrowser $other
        @($pids | Where-Object { Test-Path "/proc/$_" }) | Should -BeNullOrEmpty
        @(Get-ProcessByCommandLine $other.Root) | Should -BeNullOrEmpty
        Test-Path $other.Root | Should -BeFalse
    }
}

Describe 'The page file' {
    It 'holds the boot line once and loads nothing from anywhere' {
        $page = Get-Content -Raw $script:PagePath
        ([regex]::Matches($page, [regex]::Escape('<script id="swarm-boot" type="application/json">__SWARM_BOOT__</script>'))).Count | Should -Be 1
        ([regex]::Matches($page, '__SWARM_BOOT__')).Count | Should -Be 1
        # The SVG namespace is a name, not a resource.
        $page.Replace('http://www.w3.org/2000/svg', '') | Should -Not -Match 'https?://|<link|\ssrc=|\shref=|@import|url\((?!#)'
    }

    It 'never hands data to an HTML parser or eval (<Api>)' -TestCases @(
        @{ Api = 'innerHTML' }, @{ Api = 'outerHTML' }, @{ Api = 'insertAdjacentHTML' }, @{ Api = 'document.write' },
        @{ Api = 'eval(' }, @{ Api = 'new Function' }) {
        Get-Content -Raw $script:PagePath | Should -Not -Match ([regex]::Escape($Api))
    }
}

Describe 'A two-site report' {
    BeforeAll {
        New-TwoSiteSnapshot | Open-Report 'two-site'
    }

    It 'names each site with its agents and messages in the header' {
        Get-PageText '#sites-header' | Should -BeExactly 'Sites: alpha (1 agent / 12 messages) · beta (1 agent / 8 messages)'
    }

    It 'says it is a static report and made no request' {
        Get-PageText '#mode-banner' | Should -Match '^Report \(static\) exported \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$'
        Invoke-BrowserScript $script:Browser 'return window.swarmDashboard.mode' | Should -Be 'report'
        Invoke-BrowserScript $script:Browser "return performance.getEntriesByType('resource').length" | Should -Be 0
    }

    It 'shows <Site> as <Expected> on its card' -TestCases @(
        @{ Site = 'alpha'; Expected = 'Running' },
        @{ Site = 'beta'; Expected = 'Unreachable — ssh: connect to host beta.example port 22: Connection refused' }) {
        Get-PageText ".site-card[data-site=`"$Site`"] .site-state" | Should -BeExactly $Expected
    }

    It 'draws one swimlane per site holding its agent' {
        $lanes = Invoke-BrowserScript $script:Browser @'
return Array.from(document.querySelectorAll('#graph .swimlane[data-site]')).map((lane) =>
  lane.dataset.site + ':' + Array.from(lane.querySelectorAll('.agent-node[data-agent]')).map((n) => n.dataset.agent).join(','));
'@
        $lanes | Should -Be @('alpha:ping', 'beta:pong')
    }

    It 'draws the edge <From> -> <To> as cross-site with its count' -TestCases @(
        @{ From = 'ping'; To = 'pong'; Label = 'cross-site ×12' },
        @{ From = 'pong'; To = 'ping'; Label = 'cross-site ×8' }) {
        $edge = Invoke-BrowserScript $script:Browser @'
const edges = document.querySelectorAll(`#graph .edge[data-from="${arguments[0]}"][data-to="${arguments[1]}"]`);
return { count: edges.length, cross: edges[0].getAttribute('data-cross'), label: edges[0].querySelector('.edge-label').textContent };
'@ @($From, $To)
        $edge.count | Should -Be 1
        $edge.cross | Should -Be 'true'
        $edge.label | Should -BeExactly $Label
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#graph .edge").length' | Should -Be 2
    }

    It 'counts the messages that crossed a site boundary' {
        Get-PageText '#cross-site-count' | Should -BeExactly '20'
    }

    It 'gives <Site> one colour in the header, the timeline badges and its swimlane' -TestCases @(@{ Site = 'alpha' }, @{ Site = 'beta' }) {
        $colours = Invoke-BrowserScript $script:Browser @'
const site = arguments[0], css = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
return [css(`#sites-header [data-site="${site}"] .site-name`, 'color'),
        css(`.site-badge[data-site="${site}"]`, 'backgroundColor'),
        css(`.swimlane[data-site="${site}"]`, 'borderTopColor')];
'@ @($Site)
        @($colours | Select-Object -Unique).Count | Should -Be 1
        $other = Invoke-BrowserScript $script:Browser 'return getComputedStyle(document.querySelector(`.swimlane:not([data-site="${arguments[0]}"])`)).borderTopColor' @($Site)
        $other | Should -Not -Be $colours[0]
    }

    It 'details the latest message of <From> -> <To> after a click on its edge' -TestCases @(
        @{ From = 'ping'; To = 'pong'; FromSite = 'alpha'; ToSite = 'beta'; Time = '2026-12-01T10:15:00.270Z'; Size = '64 bytes'; Count = '12' },
        @{ From = 'pong'; To = 'ping'; FromSite = 'beta'; ToSite = 'alpha'; Time = '2026-12-01T10:15:00.290Z'; Size = 'not recorded'; Count = '8' }) {
        Invoke-BrowserClick $script:Browser ".edge[data-from=`"$From`"][data-to=`"$To`"] .edge-label"
        $detail = Invoke-BrowserScript $script:Browser @'
const out = {};
for (const dt of document.querySelectorAll('#message-detail dt')) out[dt.textContent] = dt.nextElementSibling.textContent;
return out;
'@
        $detail.'From agent' | Should -BeExactly $From
        $detail.'To agent' | Should -BeExactly $To
        $detail.'From site' | Should -BeExactly $FromSite
        $detail.'To site' | Should -BeExactly $ToSite
        $detail.Time | Should -BeExactly $Time
        $detail.Size | Should -BeExactly $Size
        $detail.'Messages on this edge' | Should -BeExactly $Count
    }

    It 'details a message after a click on its timeline row' {
        Invoke-BrowserClick $script:Browser '.event-row[data-seq="5"]'
        $text = Get-PageText '#message-detail'
        $text | Should -Match 'From agentpingTo agentpongFrom sitealphaTo sitebeta'
        $text | Should -Match 'Time2026-12-01T10:15:00\.100ZSize64 bytes'
    }

    It 'shows hostile fields as text and runs none of them' {
        Get-PageText '.event-row[data-seq="4"] .col-fields' | Should -BeExactly "text=$script:Hostile"
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("img").length + "/" + document.scripts.length' | Should -Be '0/2'
        Invoke-BrowserScript $script:Browser 'return typeof window.__pwned' | Should -Be 'undefined'
    }

    It 'lists each warning while the events still render' {
        $warnings = Invoke-BrowserScript $script:Browser 'return Array.from(document.querySelectorAll("#warnings li")).map((li) => li.textContent)'
        $warnings | Should -Be @('alpha: events.jsonl: not an event: {oops', 'beta: events.jsonl: not an event: <script>window.__pwned=2</script>')
        Invoke-BrowserScript $script:Browser 'return document.getElementById("warnings").offsetParent !== null' | Should -BeTrue
        Get-PageText '#event-count' | Should -BeExactly '26 of 26 events'
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#timeline .event-row").length' | Should -Be 26
    }

    It 'shows time, site badge, agent, kind and fields on a row' {
        $row = Invoke-BrowserScript $script:Browser @'
const row = document.querySelector('.event-row[data-seq="5"]');
return [row.dataset.site, row.dataset.agent, row.dataset.kind, ...Array.from(row.children).map((c) => c.textContent)];
'@
        $row | Should -Be @('alpha', 'ping', 'message_sent', '10:15:00.100', 'alpha', 'ping', 'message_sent', 'n=1 to=pong bytes=64')
    }

    It 'narrows the timeline to <Filter> = <Value>' -TestCases @(
        @{ Filter = 'filter-site'; Value = 'beta'; Expected = '11 of 26 events'; Attribute = 'site' },
        @{ Filter = 'filter-agent'; Value = 'ping'; Expected = '13 of 26 events'; Attribute = 'agent' },
        @{ Filter = 'filter-kind'; Value = 'message_sent'; Expected = '20 of 26 events'; Attribute = 'kind' }) {
        try {
            Invoke-BrowserClick $script:Browser "#$Filter option[value=`"$Value`"]"
            Wait-BrowserCondition $script:Browser 'return document.getElementById("event-count").textContent === arguments[0]' -Arguments @($Expected)
            $shown = Invoke-BrowserScript $script:Browser 'return Array.from(document.querySelectorAll("#timeline .event-row")).map((r) => r.getAttribute("data-" + arguments[0]))' @($Attribute)
            $shown | Select-Object -Unique | Should -Be $Value
        } finally {
            Invoke-BrowserClick $script:Browser "#$Filter option[value=`"`"]"
        }
        Wait-BrowserCondition $script:Browser 'return document.getElementById("event-count").textContent === "26 of 26 events"'
    }

    It 'offers the sites, agents and kinds of the data as filters' {
        $options = Invoke-BrowserScript $script:Browser 'return Array.from(document.querySelectorAll("#filter-site option")).map((o) => o.value)'
        $options | Should -Be @('', 'alpha', 'beta')
        Invoke-BrowserScript $script:Browser 'return Array.from(document.querySelectorAll("#filter-kind option")).map((o) => o.value)' |
            Should -Be @('', 'agent_started', 'message_sent', 'note', 'site_finished', 'site_starting')
    }

    It 'shows each training contributor with its state, step, loss and verdict' {
        Get-PageText '#training .training-phase' | Should -BeExactly 'Training — round 3 of 10'
        $rows = Invoke-BrowserScript $script:Browser @'
return Array.from(document.querySelectorAll('#training .contributor-row[data-contributor]')).map((r) =>
  r.dataset.contributor + ':' + Array.from(r.children).map((c) => c.textContent).join('|'));
'@
        $rows | Should -Be @('c1:c1|alpha|Training|40|2.31|—', 'c2:c2|beta|Accepted|38|2.45|kept')
    }

    It 'names the condition and what the page shows when a wait runs out' {
        { Wait-BrowserCondition $script:Browser 'return false' -Seconds 0.3 } |
            Should -Throw '*return false*#sites-header: Sites: alpha (1 agent / 12 messages)*#warnings: alpha: events.jsonl*'
    }

    It 'saves a screenshot of itself' {
        $png = Join-Path $RepoRoot 'out/test-artifacts/dashboard-two-site.png'
        Remove-Item $png -ErrorAction SilentlyContinue
        Invoke-BrowserScript $script:Browser 'window.scrollTo(0, 0); return null' | Out-Null
        Save-BrowserScreenshot $script:Browser $png
        $bytes = [IO.File]::ReadAllBytes($png)
        $bytes.Length | Should -BeGreaterThan 10000
        [BitConverter]::ToString($bytes[0..7]) | Should -Be '89-50-4E-47-0D-0A-1A-0A'
    }
}

Describe 'A one-site report' {
    BeforeAll {
        New-OneSiteSnapshot | Open-Report 'one-site'
    }

    It 'says Site: with singular and plural counts' {
        Get-PageText '#sites-header' | Should -BeExactly 'Site: alpha (2 agents / 1 message)'
    }

    It 'shows no site badge anywhere' {
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll(".event-row").length' | Should -Be 3
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll(".site-badge").length' | Should -Be 0
    }

    It 'labels a message inside the site same-site and counts nothing as crossing' {
        $edge = Invoke-BrowserScript $script:Browser 'const e = document.querySelector(".edge[data-from=ping][data-to=pong]"); return [e.dataset.cross, e.querySelector(".edge-label").textContent]'
        $edge | Should -Be @('false', 'same-site ×1')
        Get-PageText '#cross-site-count' | Should -BeExactly '0'
    }

    It 'hides the warnings and has no training panel' {
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#warnings li").length' | Should -Be 0
        Invoke-BrowserScript $script:Browser 'return document.getElementById("warnings").offsetParent === null' | Should -BeTrue
        Invoke-BrowserScript $script:Browser 'return document.getElementById("training") === null' | Should -BeTrue
    }
}

Describe 'A report whose events are not in timestamp order' {
    It 'shows them in timestamp order, equal timestamps in their given order' {
        [ordered]@{
            run_id = 'shuffled'; single_site = $true; seq = 4; sites = @((New-TestSite alpha Running 1 0)); warnings = @(); training = $null
            events = @((New-TestEvent 0 30 alpha ping tick), (New-TestEvent 1 10 alpha ping tick), (New-TestEvent 2 20 alpha ping tick), (New-TestEvent 3 10 alpha ping tick))
        } | Open-Report 'shuffled'
        Invoke-BrowserScript $script:Browser 'return Array.from(document.querySelectorAll(".event-row")).map((r) => r.dataset.seq)' |
            Should -Be @('1', '3', '2', '0')
    }
}

Describe 'A report of 100,000 events over four sites' {
    BeforeAll {
        # Built as text: ConvertTo-Json of 100,000 objects takes longer than the page does to show them.
        $sites = 'alpha', 'beta', 'gamma', 'delta'
        $messages = @{}
        $json = [Text.StringBuilder]::new(16MB)
        [void] $json.Append('{"run_id":"big","single_site":false,"seq":100000,"events":[')
        for ($i = 0; $i -lt 100000; $i++) {
            $site = $sites[$i % 4]
            $agent = "$site-$([math]::Floor($i / 4) % 5)"
            $ts = $script:Epoch.AddMilliseconds($i).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
            if ($i -gt 0) { [void] $json.Append(',') }
            if ($i % 3 -eq 0) {
                $messages[$site]++
                $to = "$($sites[($i + 1) % 4])-$([math]::Floor($i / 4) % 5)"
                [void] $json.Append("{`"seq`":$i,`"ts`":`"$ts`",`"site`":`"$site`",`"agent`":`"$agent`",`"kind`":`"message_sent`",`"fields`":{`"n`":$i,`"to`":`"$to`",`"bytes`":128}}")
            } else {
                [void] $json.Append("{`"seq`":$i,`"ts`":`"$ts`",`"site`":`"$site`",`"agent`":`"$agent`",`"kind`":`"heartbeat`",`"fields`":{`"n`":$i}}")
            }
        }
        $siteJson = ($sites | ForEach-Object { ConvertTo-Json -Compress -InputObject (New-TestSite $_ Running 5 $messages[$_]) }) -join ','
        [void] $json.Append("],`"sites`":[$siteJson],`"warnings`":[],`"training`":null}")
        $script:BigMessages = $messages
        $path = Join-Path $TestDrive 'big.html'
        New-DashboardReportFile -SnapshotJson $json.ToString() -Path $path
        Open-BrowserPage $script:Browser $path
        Wait-BrowserCondition $script:Browser 'return window.swarmDashboard && window.swarmDashboard.ready === true' -Seconds 30
    }

    It 'renders them all and says how long the first render took' {
        $hook = Invoke-BrowserScript $script:Browser 'return window.swarmDashboard'
        $hook.total | Should -Be 100000
        $hook.seq | Should -Be 100000
        # A sanity bound only: the 2 s goal is measured by the benchmark, not on a loaded test machine.
        $hook.firstRenderMs | Should -BeLessThan 5000
        Write-Host "    firstRenderMs for 100,000 events: $([math]::Round($hook.firstRenderMs))"
        Get-PageText '#event-count' | Should -BeExactly '100000 of 100000 events'
        Get-PageText '#sites-header' | Should -BeExactly (
            'Sites: ' + (('alpha', 'beta', 'gamma', 'delta' | ForEach-Object { "$_ (5 agents / $($script:BigMessages[$_]) messages)" }) -join ' · '))
    }

    It 'keeps only the rows in view in the page' {
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#timeline .event-row").length' | Should -BeLessThan 100
    }

    It 'shows the last events once scrolled to the bottom' {
        Invoke-BrowserScript $script:Browser 'const t = document.getElementById("timeline"); t.scrollTop = t.scrollHeight; return null' | Out-Null
        Wait-BrowserCondition $script:Browser 'return document.querySelector(''.event-row[data-seq="99999"]'') !== null'
    }

    It 'draws one lane per site and each agent once' {
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#graph .swimlane[data-site]").length' | Should -Be 4
        Invoke-BrowserScript $script:Browser 'return document.querySelectorAll("#graph .agent-node").length' | Should -Be 20
        Get-PageText '#cross-site-count' | Should -BeExactly ([string] (($script:BigMessages.Values | Measure-Object -Sum).Sum))
    }

    It 'filters them by site' {
        try {
            Invoke-BrowserClick $script:Browser '#filter-site option[value="gamma"]'
            Wait-BrowserCondition $script:Browser 'return document.getElementById("event-count").textContent === "25000 of 100000 events"'
        } finally {
            Invoke-BrowserClick $script:Browser '#filter-site option[value=""]'
        }
    }
}
