# Acceptance tests of the exchange cmdlets against a real, detached exchange on 127.0.0.1.
# Run from the repository root after building: Invoke-Pester ./tests/pester/Exchange.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # The pwsh every child must be (DESIGN.md). Common.ps1's $PwshPath is the process path: `dotnet` under the dotnet tool.
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:StateDirectory = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -StateDirectory $script:StateDirectory -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()
    $script:RunId = 'pester-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)

    # Runs a script in a fresh pwsh with the module imported and returns what it printed, stdout and stderr
    # apart: what an operator's terminal would show.
    function Invoke-ChildPwsh([string] $Script, [string] $Program = $script:Pwsh, [string[]] $Before = @(), [int] $TimeoutSeconds = 120) {
        $start = [Diagnostics.ProcessStartInfo]::new($Program)
        foreach ($argument in $Before + @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; $Script")) {
            $start.ArgumentList.Add($argument)
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.RedirectStandardInput = $true
        $start.WorkingDirectory = $RepoRoot
        $child = [Diagnostics.Process]::Start($start)
        $child.StandardInput.Close()
        $stdout = $child.StandardOutput.ReadToEndAsync()
        $stderr = $child.StandardError.ReadToEndAsync()
        if (-not $child.WaitForExit($TimeoutSeconds * 1000)) {
            $child.Kill($true)
            throw "The child pwsh did not exit within $TimeoutSeconds s."
        }
        # A detached grandchild that inherited the pipes would hold them open: that is a failure too.
        $closed = $stdout.Wait(5000) -and $stderr.Wait(5000)
        [pscustomobject]@{
            ExitCode = $child.ExitCode
            StdOut   = $closed ? $stdout.Result.Trim() : '<the pipes are held open by a detached process>'
            StdErr   = $closed ? $stderr.Result.Trim() : '<the pipes are held open by a detached process>'
        }
    }

    # Starts a script in another runspace of this process (module imported), the way a host runs a pipeline it can Stop().
    function Start-InRunspace([string] $Script) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$ModuleManifest'; $Script")
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $inputs = [Management.Automation.PSDataCollection[psobject]]::new()
        $inputs.Complete()
        [pscustomobject]@{ PowerShell = $ps; Output = $output; Handle = $ps.BeginInvoke($inputs, $output) }
    }

    function Test-PortOpen([int] $Port) {
        $client = [Net.Sockets.TcpClient]::new()
        try { $client.Connect('127.0.0.1', $Port); $true } catch { $false } finally { $client.Dispose() }
    }

    function Get-FreePort {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start()
        try { $probe.LocalEndpoint.Port } finally { $probe.Stop() }
    }

    # The executable of a process, links resolved (a packaged pwsh is often a symlink).
    function Get-Executable([int] $ProcessId) {
        $item = Get-Item -LiteralPath (Get-Process -Id $ProcessId).Path
        $item.LinkTarget ? $item.ResolveLinkTarget($true).FullName : $item.FullName
    }
}

AfterAll {
    Stop-SwarmExchange -StateDirectory $script:StateDirectory -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Item Env:SWARM_EXCHANGE_URL, Env:SWARM_EXCHANGE_TOKEN -ErrorAction SilentlyContinue
}

Describe 'Start-SwarmExchange and Get-SwarmExchange' {
    It 'runs a detached exchange that Get-SwarmExchange finds' {
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory
        $info.Url | Should -Be $script:Exchange.Url
        $info.Pid | Should -Not -Be $PID
        $info.Backend | Should -Be 'Sqlite'
        Get-Process -Id $info.Pid | Should -Not -BeNullOrEmpty
        Join-Path $script:StateDirectory 'exchange.json' | Should -Exist
    }

    It 'runs the detached exchange as $PSHOME/pwsh, not as the process path of this pwsh' {
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory
        $expected = Get-Item -LiteralPath $script:Pwsh
        Get-Executable $info.Pid | Should -Be ($expected.LinkTarget ? $expected.ResolveLinkTarget($true).FullName : $expected.FullName)
    }

    It 'starts a detached exchange from a pwsh run as `dotnet pwsh` (the pinned dotnet tool), and it serves' {
        $directory = Join-Path $TestDrive 'under-dotnet'
        $child = Invoke-ChildPwsh -Program 'dotnet' -Before 'pwsh' -Script @"
`$x = Start-SwarmExchange -StateDirectory '$directory' -PassThru -Confirm:`$false
[Environment]::ProcessPath; `$x.Pid; (Get-SwarmExchange -ExchangeUrl `$x.Url).Pid
"@
        try {
            $child.StdErr | Should -BeNullOrEmpty
            $processPath, $exchangePid, $answeringPid = $child.StdOut -split '\r?\n'
            $processPath | Should -Match 'dotnet'
            $answeringPid | Should -Be $exchangePid
            $expected = Get-Item -LiteralPath $script:Pwsh
            Get-Executable $exchangePid | Should -Be ($expected.LinkTarget ? $expected.ResolveLinkTarget($true).FullName : $expected.FullName)
        }
        finally {
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'keeps the token out of the exchange process command line' {
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory
        (Get-Content "/proc/$($info.Pid)/cmdline" -Raw) | Should -Not -Match $env:SWARM_EXCHANGE_TOKEN
    }

    It 'refuses a second exchange on the same state directory (<Mode>)' -TestCases @(
        @{ Mode = 'detached'; Foreground = $false }
        @{ Mode = 'foreground'; Foreground = $true }
    ) {
        param($Foreground)
        { Start-SwarmExchange -StateDirectory $script:StateDirectory -Foreground:$Foreground -Confirm:$false } |
            Should -Throw -ErrorId 'ExchangeAlreadyRunning,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
    }

    It 'fails with ExchangeTokenMissing when the token variable is unset (<Mode>), launching nothing' -TestCases @(
        @{ Mode = 'detached'; Foreground = $false }
        @{ Mode = 'foreground'; Foreground = $true }
    ) {
        param($Mode, $Foreground)
        $directory = Join-Path $TestDrive "no-token-$Mode"
        { Start-SwarmExchange -StateDirectory $directory -TokenVariable 'SWARM_PESTER_UNSET' -Foreground:$Foreground -Confirm:$false } |
            Should -Throw -ErrorId 'ExchangeTokenMissing,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
        Join-Path $directory 'exchange.out' | Should -Not -Exist
    }

    It 'fails with ExchangePortUnavailable before launching when the port is taken' {
        $holder = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $holder.Start()
        try {
            $directory = Join-Path $TestDrive 'busy-port'
            { Start-SwarmExchange -StateDirectory $directory -Port $holder.LocalEndpoint.Port -Confirm:$false } |
                Should -Throw -ErrorId 'ExchangePortUnavailable,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
            Join-Path $directory 'exchange.out' | Should -Not -Exist
        }
        finally {
            $holder.Stop()
        }
    }

    It 'reports a refused detached start only as a catchable error, printing nothing (<Case>)' -TestCases @(
        @{ Case = 'token missing'; ErrorId = 'ExchangeTokenMissing'; Arguments = "-StateDirectory '$(Join-Path ([IO.Path]::GetTempPath()) "swarm-pester-$([Guid]::NewGuid())")' -TokenVariable SWARM_PESTER_UNSET" }
        @{ Case = 'already running'; ErrorId = 'ExchangeAlreadyRunning'; Arguments = 'SHARED' }
    ) {
        param($ErrorId, $Arguments)
        if ($Arguments -eq 'SHARED') { $Arguments = "-StateDirectory '$script:StateDirectory'" }
        $child = Invoke-ChildPwsh -Script "try { Start-SwarmExchange $Arguments -Confirm:`$false } catch { 'caught ' + `$_.FullyQualifiedErrorId }"
        $child.StdOut | Should -Be "caught $ErrorId,SwarmPS.Cmdlets.StartSwarmExchangeCommand"
        $child.StdErr | Should -BeNullOrEmpty
    }

    It 'reports a failure after launch with the child''s own error, whose output is in the file the error names' {
        $directory = Join-Path $TestDrive 'broken-store'
        New-Item -ItemType Directory $directory | Out-Null
        Set-Content -LiteralPath (Join-Path $directory 'exchange.db') -Value ('not a database ' * 200)
        $child = Invoke-ChildPwsh -Script @"
try { Start-SwarmExchange -StateDirectory '$directory' -Confirm:`$false }
catch { 'caught ' + `$_.FullyQualifiedErrorId; `$_.Exception.Message }
"@
        $caught, $message = $child.StdOut -split '\r?\n', 2
        $caught | Should -Be 'caught ExchangeStoreUnavailable,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
        $child.StdErr | Should -BeNullOrEmpty
        $output = Join-Path $directory 'exchange.out'
        $message | Should -BeLike "*'$output'*"
        Get-Content -LiteralPath $output -Raw | Should -Match 'Could not open the exchange store'
    }

    It 'refuses a detached start from a cmdlet that did not come from the imported module with SwarmModuleNotImported, launching nothing' {
        # A host that adds the cmdlet class on its own (no module): there is no module for the child to import.
        $state = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.Commands.Add([Management.Automation.Runspaces.SessionStateCmdletEntry]::new('Start-SwarmExchange', (Get-Command Start-SwarmExchange).ImplementingType, $null))
        $ps = [powershell]::Create($state)
        try {
            $directory = Join-Path $TestDrive 'no-module'
            $null = $ps.AddScript("try { Start-SwarmExchange -StateDirectory '$directory' -Confirm:`$false } catch { `$_.FullyQualifiedErrorId; `$_.ErrorDetails.RecommendedAction }")
            $caught, $fix = $ps.Invoke()
            $caught | Should -Be 'SwarmModuleNotImported,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
            $fix | Should -Match 'Import-Module'
            Join-Path $directory 'exchange.out' | Should -Not -Exist
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'reports ExchangeNotRunning for an empty state directory' {
        { Get-SwarmExchange -StateDirectory (Join-Path $TestDrive 'nothing') } |
            Should -Throw -ErrorId 'ExchangeNotRunning,SwarmPS.Cmdlets.GetSwarmExchangeCommand'
    }

    It 'shows progress while a detached start waits for the exchange, completed at the end' {
        $directory = Join-Path $TestDrive 'progress-start'
        $run = Start-InRunspace "Start-SwarmExchange -StateDirectory '$directory' -Confirm:`$false"
        try {
            $run.PowerShell.EndInvoke($run.Handle)
            $run.PowerShell.Streams.Error.ReadAll() | Should -BeNullOrEmpty
            $records = $run.PowerShell.Streams.Progress.ReadAll() | Where-Object Activity -Like 'Starting the exchange*'
            @($records | Where-Object RecordType -EQ 'Processing').Count | Should -BeGreaterThan 0
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $run.PowerShell.Dispose()
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Start-SwarmExchange -Foreground' {
    It 'writes the exchange as soon as it listens, then serves until stopped, and a stop leaves no listener and no state file' {
        $directory = Join-Path $TestDrive 'foreground'
        $run = Start-InRunspace "Start-SwarmExchange -Foreground -PassThru -StateDirectory '$directory' -Confirm:`$false"
        try {
            Wait-Until { $run.Output.Count -gt 0 -or $run.Handle.IsCompleted }
            $served = $run.Output[0]
            $served.Pid | Should -Be $PID
            $served.StateDirectory | Should -Be $directory
            (Get-SwarmExchange -ExchangeUrl $served.Url).Pid | Should -Be $PID
            $run.Handle.IsCompleted | Should -BeFalse
            # The ready line is host output: visible in a terminal, where a one-row table stays buffered.
            $ready = $run.PowerShell.Streams.Information.ReadAll() | Where-Object { $_.Tags -contains 'PSHOST' }
            "$ready" | Should -BeLike "*serving $($served.Url)*"

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            Test-PortOpen $served.Url.Port | Should -BeFalse
            Join-Path $directory 'exchange.json' | Should -Not -Exist
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'prints where it serves on the terminal while it serves' {
        $directory = Join-Path $TestDrive 'foreground-terminal'
        $start = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
        foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest'; Start-SwarmExchange -Foreground -PassThru -StateDirectory '$directory' -Confirm:`$false") {
            $start.ArgumentList.Add($argument)
        }
        $start.UseShellExecute = $false
        $start.RedirectStandardOutput = $true
        $child = [Diagnostics.Process]::Start($start)
        try {
            $line = $child.StandardOutput.ReadLineAsync()
            while ($line.Wait(30000) -and $null -ne $line.Result -and $line.Result -notmatch 'serving') {
                $line = $child.StandardOutput.ReadLineAsync()
            }
            $line.IsCompleted | Should -BeTrue -Because 'the ready line must appear while the exchange serves'
            $line.Result | Should -Match "serving http://127\.0\.0\.1:\d+/ \(pid $($child.Id)\) from $([regex]::Escape($directory))"
            $child.HasExited | Should -BeFalse
        }
        finally {
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
            if (-not $child.WaitForExit(10000)) { $child.Kill($true) }
        }
    }
}

Describe 'Mailboxes and messages' {
    BeforeAll {
        $script:Mailboxes = Register-SwarmMailbox -RunId $script:RunId -Name agent-a, agent-b -Confirm:$false
        $script:B = (Get-SwarmAgentId -RunId $script:RunId -Name agent-b).Id
    }

    It 'registers mailboxes under the derived ids' {
        $script:Mailboxes.Count | Should -Be 2
        $script:Mailboxes[1].Id | Should -Be $script:B
        $script:Mailboxes | ForEach-Object { $_.State | Should -Be 'Active' }
    }

    It 'refuses to register a live mailbox twice' {
        { Register-SwarmMailbox -RunId $script:RunId -Name agent-a -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MailboxExists,SwarmPS.Cmdlets.RegisterSwarmMailboxCommand'
    }

    It 'finds mailboxes by run id and name, keeping names' {
        $found = Get-SwarmMailbox -RunId $script:RunId -Name agent-b
        $found.Name | Should -Be 'agent-b'
        $found.Id | Should -Be $script:B
    }

    It 'delivers messages in order and acknowledges them after writing' {
        'one', 'two', 'three' | Send-SwarmMessage -To $script:B -Confirm:$false | Out-Null
        $received = Receive-SwarmMessage -Mailbox $script:B -MaxMessages 10
        $received.Body | Should -Be @('one', 'two', 'three')
        (Get-SwarmMailbox -Id $script:B).Pending | Should -Be 0
    }

    It 'stores a resent message id once' {
        $id = [Guid]::NewGuid()
        (Send-SwarmMessage -To $script:B -Body 'x' -MessageId $id -Confirm:$false).Duplicate | Should -BeFalse
        (Send-SwarmMessage -To $script:B -Body 'x' -MessageId $id -Confirm:$false).Duplicate | Should -BeTrue
        Receive-SwarmMessage -Mailbox $script:B | Out-Null
    }

    It 'leaves messages pending with -NoAcknowledge until Confirm-SwarmMessage' {
        Send-SwarmMessage -To $script:B -Body 'later' -Confirm:$false | Out-Null
        $message = Receive-SwarmMessage -Mailbox $script:B -NoAcknowledge
        (Get-SwarmMailbox -Id $script:B).Pending | Should -Be 1
        $message | Confirm-SwarmMessage -PassThru -Confirm:$false | Should -Be 1
        (Get-SwarmMailbox -Id $script:B).Pending | Should -Be 0
    }

    It 'wakes a waiting receive when a message is sent' {
        # A thread job is a new runspace: it has the module only if it imports it.
        $job = Start-ThreadJob -ScriptBlock {
            param($manifest, $to)
            Import-Module $manifest
            Start-Sleep -Milliseconds 500
            Send-SwarmMessage -To $to -Body 'wake' -Confirm:$false
        } -ArgumentList $ModuleManifest, $script:B
        $received = Receive-SwarmMessage -Mailbox $script:B -Wait -TimeoutSeconds 20
        $sent = $job | Wait-Job | Receive-Job -ErrorVariable jobErrors
        $job | Remove-Job
        $jobErrors | Should -BeNullOrEmpty
        $sent.Duplicate | Should -BeFalse
        $received.Body | Should -Be 'wake'
    }

    It 'shows progress while a receive waits, completed at the end' {
        $run = Start-InRunspace "Receive-SwarmMessage -Mailbox '$script:B' -Wait -TimeoutSeconds 2"
        try {
            $run.PowerShell.EndInvoke($run.Handle) | Should -BeNullOrEmpty
            $records = $run.PowerShell.Streams.Progress.ReadAll() | Where-Object Activity -Like "Waiting for messages in mailbox $script:B*"
            @($records | Where-Object RecordType -EQ 'Processing').Count | Should -BeGreaterOrEqual 2
            $records[-1].RecordType | Should -Be 'Completed'
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'releases a stopped wait at once, so the next message goes to the next receive' {
        $run = Start-InRunspace "Receive-SwarmMessage -Mailbox '$script:B' -Wait"
        try {
            Wait-Until { $run.PowerShell.Streams.Progress.Count -gt 0 }
            Start-Sleep -Milliseconds 500
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $run.PowerShell.Stop()
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'

            Send-SwarmMessage -To $script:B -Body 'after the stop' -Confirm:$false | Out-Null
            (Receive-SwarmMessage -Mailbox $script:B).Body | Should -Be 'after the stop'
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'fails to send to an unregistered mailbox with MailboxNotFound' -TestCases @(
        @{ To = [Guid]::NewGuid() }
    ) {
        param($To)
        { Send-SwarmMessage -To $To -Body 'lost' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'MailboxNotFound,SwarmPS.Cmdlets.SendSwarmMessageCommand'
    }

    It 'refuses a wrong token with ExchangeUnauthorized' {
        $saved = $env:SWARM_EXCHANGE_TOKEN
        try {
            $env:SWARM_EXCHANGE_TOKEN = 'wrong'
            { Get-SwarmMailbox -Id $script:B -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExchangeUnauthorized,SwarmPS.Cmdlets.GetSwarmMailboxCommand'
        }
        finally {
            $env:SWARM_EXCHANGE_TOKEN = $saved
        }
    }

    It 'fails with ExchangeUrlMissing when no URL is known' {
        $saved = $env:SWARM_EXCHANGE_URL
        try {
            Remove-Item Env:SWARM_EXCHANGE_URL
            { Get-SwarmMailbox -Id $script:B -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExchangeUrlMissing,SwarmPS.Cmdlets.GetSwarmMailboxCommand'
        }
        finally {
            $env:SWARM_EXCHANGE_URL = $saved
        }
    }
}
