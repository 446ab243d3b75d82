# Acceptance tests for swarmps, the launcher for callers that are not PowerShell (docs/launcher.md): the sh
# wrapper module/swarmps and pwsh -File module/swarmps-cli.ps1, each run as a real child process, as an
# orchestrator or a shell script runs them; and tests/python/drive_swarmps.py, a Python caller.
# Run after building: Invoke-Pester ./tests/pester/Launcher.Tests.ps1 (Pester 5, pwsh 7.4+).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Wrapper = Join-Path $RepoRoot 'module/swarmps'
    $script:Script = Join-Path $RepoRoot 'module/swarmps-cli.ps1'
    $script:Config = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'config')

    # Runs swarmps once, -Via Wrapper (the sh script, itself executable, told which pwsh by SWARMPS_PWSH) or
    # -Via File (pwsh -File swarmps-cli.ps1, deliberately without -NonInteractive: the script must not prompt
    # on its own). stdin stays open and unwritten, so a prompt would hang, and a hang fails the test after
    # 60 s instead of blocking the run. Returns the exit code, stdout, stderr and the parsed envelope.
    function Invoke-Swarmps {
        param([ValidateSet('Wrapper', 'File')] [string] $Via = 'Wrapper', [string[]] $ArgumentList = @(), [hashtable] $Environment = @{},
            [string] $WorkingDirectory = $RepoRoot)
        $start = [Diagnostics.ProcessStartInfo]::new()
        $start.WorkingDirectory = $WorkingDirectory
        if ($Via -eq 'Wrapper') {
            $start.FileName = $Wrapper
        }
        else {
            $start.FileName = $PwshPath
            foreach ($argument in '-NoProfile', '-File', $Script) { $start.ArgumentList.Add($argument) }
        }
        foreach ($argument in $ArgumentList) { $start.ArgumentList.Add($argument) }
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $start.Environment['SWARMPS_PWSH'] = $PwshPath
        $start.Environment['XDG_CONFIG_HOME'] = $Config.FullName
        foreach ($name in $Environment.Keys) {
            if ($null -eq $Environment[$name]) { $null = $start.Environment.Remove($name) } else { $start.Environment[$name] = $Environment[$name] }
        }
        $process = [Diagnostics.Process]::Start($start)
        try {
            $stdout = $process.StandardOutput.ReadToEndAsync()
            $stderr = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit(60000)) {
                $process.Kill($true)
                throw "swarmps $($ArgumentList -join ' ') did not end within 60 s (waiting for a prompt?)"
            }
            $process.WaitForExit()
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Stdout   = $stdout.Result
                Stderr   = $stderr.Result
                Envelope = $stdout.Result | ConvertFrom-Json -AsHashtable
            }
        }
        finally { $process.Dispose() }
    }

    # A safetensors adapter of zero-filled F32 tensors (name = shape), for Get-SwarmAdapter.
    function New-AdapterFile([string] $Name, [hashtable] $Tensors) {
        $header = [ordered]@{}
        $offset = 0
        foreach ($tensor in $Tensors.GetEnumerator() | Sort-Object Name) {
            $size = 4 * $tensor.Value[0] * $tensor.Value[1]
            $header[$tensor.Name] = [ordered]@{ dtype = 'F32'; shape = $tensor.Value; data_offsets = @($offset, ($offset + $size)) }
            $offset += $size
        }
        $bytes = [Text.Encoding]::UTF8.GetBytes((ConvertTo-Json $header -Compress -Depth 4))
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, [byte[]]([BitConverter]::GetBytes([uint64] $bytes.Length) + $bytes + [byte[]]::new($offset)))
        $path
    }

    $script:AgentA = 'bf4054fa-595d-51a7-b606-b747510f14cb' # pinned in Module.Tests.ps1 (uuid5 of demo-001/agent-a)
    $script:AgentB = 'f4dc36b5-8e41-579b-9a95-a4325c2babe0'
}

Describe 'swarmps answers with one envelope' {
    It 'prints the agent id as data, via <Via>' -TestCases @(@{ Via = 'Wrapper' }, @{ Via = 'File' }) {
        $result = Invoke-Swarmps -Via $Via -ArgumentList Get-SwarmAgentId, -RunId, demo-001, -Name, agent-a
        $result.ExitCode | Should -Be 0
        $result.Stdout | Should -Be ('{"ok":true,"data":[{"RunId":"demo-001","Name":"agent-a","Id":"' + $AgentA + '"}]}' + "`n")
    }

    It 'prints "data":[] for an empty result' {
        $result = Invoke-Swarmps -ArgumentList Get-SwarmSite, -Name, 'no-such-site-*'
        $result.ExitCode | Should -Be 0
        $result.Stdout | Should -Be "{`"ok`":true,`"data`":[]}`n"
    }

    It 'takes an array as <Form>' -TestCases @(
        @{ Form = 'a,b'; Arguments = @('-Name', 'agent-a,agent-b') }
        @{ Form = 'a JSON array'; Arguments = @('-Name', '["agent-a", "agent-b"]') }
        @{ Form = 'a repeated parameter'; Arguments = @('-Name', 'agent-a', '-Name', 'agent-b') }
    ) {
        $result = Invoke-Swarmps -ArgumentList (@('Get-SwarmAgentId', '-RunId', 'demo-001') + $Arguments)
        $result.ExitCode | Should -Be 0
        $result.Envelope.data.Id | Should -Be @($AgentA, $AgentB)
    }

    It 'takes a hashtable parameter as a JSON object' {
        $result = Invoke-Swarmps -ArgumentList New-SwarmTaskSet, -Axis, '{"lr":[0.1,0.01],"depth":[2,4]}', -Seeds, 2
        $result.ExitCode | Should -Be 0
        $result.Envelope.data.Count | Should -Be 1
        $result.Envelope.data[0].Count | Should -Be 8 -Because '2 lr x 2 depth x 2 seeds'
        $result.Envelope.data[0].ParameterNames | Should -Be @('depth', 'lr', 'seed')
    }

    It 'turns a switch off with -Switch:$false, as <Spelling>' -TestCases @(
        @{ Spelling = 'one argument'; Arguments = @('-WhatIf:$false') }
        @{ Spelling = 'false'; Arguments = @('-WhatIf:false') }
    ) {
        $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive "repo-$([guid]::NewGuid().ToString('N'))")
        $result = Invoke-Swarmps -ArgumentList (@('Initialize-SwarmRepository', '-Path', $repository.FullName) + $Arguments)
        $result.ExitCode | Should -Be 0
        $result.Envelope.data[0].Root | Should -Be $repository.FullName
        Join-Path $repository '.swarm' | Should -Exist
    }

    It 'keeps stdout to the envelope while the cmdlet writes a warning and What if: text' {
        $adapter = New-AdapterFile 'half.safetensors' @{ 'm.lora_A.weight' = @(2, 4) }
        $result = Invoke-Swarmps -ArgumentList Get-SwarmAdapter, -Path, $adapter
        $result.ExitCode | Should -Be 0
        $result.Stdout.Split("`n") | Should -HaveCount 2 -Because 'one line and its newline'
        $result.Envelope.data[0].LoraProblems[0].Kind | Should -Be 'Unpaired'
        $result.Stderr | Should -BeLike '*WARNING: half.safetensors: LoRA module*'

        $repository = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'whatif')
        $preview = Invoke-Swarmps -ArgumentList Initialize-SwarmRepository, -Path, $repository.FullName, -WhatIf
        $preview.Stdout | Should -Be "{`"ok`":true,`"data`":[]}`n"
        $preview.Stderr | Should -BeLike '*What if:*Initialize SwarmPS repository*'
        Join-Path $repository '.swarm' | Should -Not -Exist
    }
}

Describe 'swarmps reports errors with an id, a remediation and an exit code' {
    It 'reports the engine error RunIdInvalid with exit 1, via <Via>' -TestCases @(@{ Via = 'Wrapper' }, @{ Via = 'File' }) {
        $result = Invoke-Swarmps -Via $Via -ArgumentList Get-SwarmAgentId, -RunId, Demo, -Name, agent-a
        $result.ExitCode | Should -Be 1
        $envelope = $result.Envelope
        @($envelope.Keys) | Should -Be @('ok', 'error_id', 'category', 'message', 'remediation', 'retry_safe', 'data')
        $envelope.ok | Should -BeFalse
        $envelope.error_id | Should -Be 'RunIdInvalid'
        $envelope.category | Should -Be 'InvalidArgument'
        $envelope.message | Should -BeLike "Run id 'Demo' is not valid*"
        $envelope.remediation | Should -Not -BeNullOrEmpty
        $envelope.retry_safe | Should -BeFalse
        $envelope.data | Should -HaveCount 0
    }

    It 'reports an exchange that is not listening as ExchangeUnreachable, exit 2, retry_safe' {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $result = Invoke-Swarmps -ArgumentList Get-SwarmMailbox, -ExchangeUrl, "http://127.0.0.1:$port", -RunId, demo-001, -Name, agent-a `
            -Environment @{ SWARM_EXCHANGE_TOKEN = 'launcher-test-token' }
        $result.ExitCode | Should -Be 2
        $result.Envelope.error_id | Should -Be 'ExchangeUnreachable'
        $result.Envelope.category | Should -Be 'ConnectionError'
        $result.Envelope.retry_safe | Should -BeTrue
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30 -Because 'a refused connection is answered at once'
    }

    It 'keeps the data written before a non-terminating error' {
        $pair = New-AdapterFile 'pair.safetensors' @{ 'm.lora_A.weight' = @(2, 4); 'm.lora_B.weight' = @(4, 2) }
        $missing = Join-Path $TestDrive 'missing.safetensors'
        $result = Invoke-Swarmps -ArgumentList Get-SwarmAdapter, -Path, "$pair,$missing"
        $result.ExitCode | Should -Be 1
        $result.Envelope.error_id | Should -Be 'SafetensorsFileNotFound'
        $result.Envelope.data.Path | Should -Be @($pair)
    }

    It 'refuses <Case> as the caller''s input with <ErrorId>, via <Via>' -TestCases @(
        @{ Case = 'an unknown parameter'; Via = 'Wrapper'; ErrorId = 'LauncherParameterUnknown'; Arguments = @('Get-SwarmAgentId', '-RunId', 'demo-001', '-Bogus', '1') }
        @{ Case = 'a missing mandatory parameter'; Via = 'File'; ErrorId = 'LauncherParameterMissing'; Arguments = @('Get-SwarmAgentId', '-RunId', 'demo-001') }
        @{ Case = 'Remove-Item'; Via = 'Wrapper'; ErrorId = 'LauncherCommandUnknown'; Arguments = @('Remove-Item', '-Path', '<keep>', '-Recurse') }
        @{ Case = 'an ambiguous prefix'; Via = 'Wrapper'; ErrorId = 'LauncherParameterAmbiguous'; Arguments = @('New-SwarmTaskSet', '-Seed', '2') }
        @{ Case = 'a value the binder refuses'; Via = 'Wrapper'; ErrorId = 'LauncherParameterInvalid'; Arguments = @('Get-SwarmMailbox', '-Id', 'not-a-guid') }
        @{ Case = 'a hashtable that is not JSON'; Via = 'Wrapper'; ErrorId = 'LauncherParameterInvalid'; Arguments = @('New-SwarmTaskSet', '-Axis', '{lr:') }
        @{ Case = 'a positional value'; Via = 'Wrapper'; ErrorId = 'LauncherArgumentUnexpected'; Arguments = @('Get-SwarmAgentId', 'demo-001') }
        @{ Case = 'no arguments'; Via = 'Wrapper'; ErrorId = 'LauncherUsage'; Arguments = @() }
    ) {
        $keep = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'keep') -Force
        $result = Invoke-Swarmps -Via $Via -ArgumentList ($Arguments -replace '^<keep>$', $keep.FullName)
        $result.ExitCode | Should -Be 1
        $result.Envelope.error_id | Should -Be $ErrorId
        $result.Envelope.category | Should -BeIn 'InvalidArgument', 'ObjectNotFound'
        $result.Envelope.retry_safe | Should -BeFalse
        $result.Stdout.Split("`n") | Should -HaveCount 2
        $keep.FullName | Should -Exist -Because 'swarmps never runs Remove-Item'
    }
}

Describe 'swarmps finds pwsh' {
    It 'runs the pwsh that dotnet-tools.json pins when none is on PATH, in the caller''s directory' {
        # PATH without pwsh but with dotnet; the caller is outside the clone, so the wrapper finds the manifest
        # from its own folder, and a relative path still means the caller's file.
        $bin = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'dotnet-bin') -Force
        foreach ($tool in 'dirname', 'grep', 'dotnet') { New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target (Get-Command $tool -CommandType Application)[0].Source -Force | Out-Null }
        $caller = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'caller') -Force
        Copy-Item (New-AdapterFile 'relative.safetensors' @{ 'm.lora_A.weight' = @(2, 4); 'm.lora_B.weight' = @(4, 2) }) $caller
        $result = Invoke-Swarmps -ArgumentList Get-SwarmAdapter, -Path, relative.safetensors -WorkingDirectory $caller.FullName `
            -Environment @{ SWARMPS_PWSH = $null; PATH = $bin.FullName }
        $result.ExitCode | Should -Be 0 -Because $result.Stderr
        $result.Envelope.data.Path | Should -Be @((Join-Path $caller 'relative.safetensors'))
    }

    It 'says on stderr and in an envelope that no pwsh was found, exit 3' {
        # A PATH holding only what the wrapper itself needs: no pwsh, no dotnet.
        $bin = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'bare-bin') -Force
        foreach ($tool in 'dirname', 'grep') { New-Item -ItemType SymbolicLink -Path (Join-Path $bin $tool) -Target (Get-Command $tool -CommandType Application)[0].Source -Force | Out-Null }
        $result = Invoke-Swarmps -ArgumentList Get-SwarmSite -Environment @{ SWARMPS_PWSH = $null; PATH = $bin.FullName }
        $result.ExitCode | Should -Be 3
        $result.Envelope.error_id | Should -Be 'LauncherPwshNotFound'
        $result.Envelope.category | Should -Be 'NotInstalled'
        $result.Stderr | Should -BeLike '*no pwsh*SWARMPS_PWSH*PATH*'
    }
}

Describe 'A Python caller (tests/python/drive_swarmps.py)' {
    It 'parses every envelope and finds schema and exit code in agreement' {
        $saved = Save-Environment 'SWARMPS_PWSH'
        try {
            $env:SWARMPS_PWSH = $PwshPath
            $output = & /usr/bin/python3 (Join-Path $RepoRoot 'tests/python/drive_swarmps.py') --swarmps $Wrapper 2>&1
        }
        finally { Restore-Environment $saved }
        $summary = "$output"
        $LASTEXITCODE | Should -Be 0 -Because $summary
        $output[-1] | Should -Be 'drive_swarmps: 22 cases, 22 agree'
    }
}
