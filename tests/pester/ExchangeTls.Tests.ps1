# The exchange over HTTPS in real pwsh: Start-SwarmExchange -SelfSigned (detached), its fingerprint shown,
# the module's own client and the pwsh example agent pinning it, and refusals of bad certificate input.
# Run from the repository root after building: Invoke-Pester ./tests/pester/ExchangeTls.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:StateDirectory = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -SelfSigned -StateDirectory $script:StateDirectory -PassThru -Confirm:$false
    $script:Url = $script:Exchange.Url.ToString()
    $script:RunId = 'tls-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
}

AfterAll {
    Stop-SwarmExchange -StateDirectory $script:StateDirectory -Confirm:$false -ErrorAction SilentlyContinue
    Remove-Item Env:SWARM_EXCHANGE_TOKEN, Env:SWARM_EXCHANGE_PIN, Env:SWARM_EXCHANGE_URL -ErrorAction SilentlyContinue
}

Describe 'Start-SwarmExchange -SelfSigned' {
    It 'serves https and shows the SHA-256 fingerprint and certificate file, as Get-SwarmExchange does' {
        $script:Exchange.Url.Scheme | Should -Be 'https'
        $script:Exchange.Fingerprint | Should -Match '^([0-9A-F]{2}:){31}[0-9A-F]{2}$'
        $script:Exchange.CertificateFile | Should -Be (Join-Path $script:StateDirectory 'tls/exchange.crt')
        $script:Exchange.CertificateFile | Should -Exist
        (Get-Item (Join-Path $script:StateDirectory 'tls/exchange.key')).UnixFileMode | Should -Be ([IO.UnixFileMode] 'UserRead, UserWrite')
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory
        $info.Fingerprint | Should -Be $script:Exchange.Fingerprint
        $info.Url | Should -Be $script:Exchange.Url
    }

    It 'shows the fingerprint in Get-SwarmExchange''s table, shortened to its first and last four bytes, full in the object; empty for plain HTTP' {
        $fingerprint = $script:Exchange.Fingerprint
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory

        # The Fingerprint cell of the first data row: the text under the header, from its column on.
        function Get-FingerprintCell($Object) {
            $lines = ($Object | Format-Table | Out-String -Width 200) -split "`n" | Where-Object { $_.Trim() }
            $header = $lines | Where-Object { $_ -match '^Url\s' } | Select-Object -First 1
            $header | Should -Match '\bFingerprint\b'
            $row = $lines | Where-Object { $_ -match '^https?://' } | Select-Object -First 1
            $column = $header.IndexOf('Fingerprint')
            $row.Length -gt $column ? $row.Substring($column).Trim() : ''
        }

        $short = $fingerprint.Substring(0, 11) + '..' + $fingerprint.Substring($fingerprint.Length - 11)
        Get-FingerprintCell $info | Should -BeExactly $short -Because 'the 95-character pin is shortened to its first and last four bytes in the table'
        $info.Fingerprint | Should -BeExactly $fingerprint
        $info.Fingerprint.Length | Should -Be 95
        # At 120 columns the row, https URL and shortened pin included, is whole.
        $narrow = @(($info | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        $narrow[2] | Should -Match ([regex]::Escape($short) + '$')
        $narrow | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }

        $plainState = Join-Path $TestDrive 'plain-exchange'
        $null = Start-SwarmExchange -StateDirectory $plainState -Confirm:$false
        try {
            $plain = Get-SwarmExchange -StateDirectory $plainState
            $plain.Url.Scheme | Should -Be 'http'
            $plain.Fingerprint | Should -BeNullOrEmpty
            Get-FingerprintCell $plain | Should -BeExactly ''
        }
        finally {
            Stop-SwarmExchange -StateDirectory $plainState -Confirm:$false
        }
    }

    It 'lets a client pinning the fingerprint register, send and receive' {
        $env:SWARM_EXCHANGE_PIN = $script:Exchange.Fingerprint
        try {
            $box = Register-SwarmMailbox -RunId $script:RunId -Name pinned -ExchangeUrl $script:Url -Confirm:$false
            'over tls' | Send-SwarmMessage -To $box.Id -ExchangeUrl $script:Url -Confirm:$false | Out-Null
            (Receive-SwarmMessage -Mailbox $box.Id -ExchangeUrl $script:Url).Body | Should -Be 'over tls'
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_PIN
        }
    }

    It 'refuses a wrong pin with ExchangePinMismatch naming the fingerprint it saw' {
        $env:SWARM_EXCHANGE_PIN = (@('AB') * 32) -join ':'
        try {
            { Get-SwarmMailbox -RunId $script:RunId -Name pinned -ExchangeUrl $script:Url -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExchangePinMismatch,*' -ExpectedMessage "*$($script:Exchange.Fingerprint)*"
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_PIN
        }
    }

    It 'refuses a SWARM_EXCHANGE_PIN that is not a fingerprint with ExchangePinInvalid' {
        $env:SWARM_EXCHANGE_PIN = 'not-a-fingerprint'
        try {
            { Get-SwarmMailbox -RunId $script:RunId -Name pinned -ExchangeUrl $script:Url -ErrorAction Stop } |
                Should -Throw -ErrorId 'ExchangePinInvalid,*'
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_PIN
        }
    }

    It 'refuses the self-signed certificate with ExchangeCertificateUntrusted when nothing is pinned or trusted' {
        { Get-SwarmMailbox -RunId $script:RunId -Name pinned -ExchangeUrl $script:Url -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExchangeCertificateUntrusted,*'
    }

    It 'keeps the same certificate when restarted on the same state directory' {
        $directory = Join-Path $TestDrive 'restart'
        $first = Start-SwarmExchange -SelfSigned -StateDirectory $directory -PassThru -Confirm:$false
        Stop-SwarmExchange -StateDirectory $directory -Confirm:$false
        $second = Start-SwarmExchange -SelfSigned -StateDirectory $directory -PassThru -Confirm:$false
        try {
            $second.Fingerprint | Should -Be $first.Fingerprint
        }
        finally {
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }
}

Describe 'The pwsh example agent over https' {
    It 'counts to 3 with its peer, both pinning the self-signed fingerprint; a wrong pin stops it with ExchangePinMismatch' {
        $env:SWARM_EXCHANGE_PIN = $script:Exchange.Fingerprint
        $runId = 'tls-agents-' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
        try {
            $ids = @{}
            foreach ($name in 'a', 'b') {
                $ids[$name] = (Register-SwarmMailbox -RunId $runId -Name $name -ExchangeUrl $script:Url -Confirm:$false).Id
            }
            $agents = foreach ($name in 'a', 'b') {
                $peer = $name -eq 'a' ? 'b' : 'a'
                $start = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
                foreach ($argument in '-NoProfile', '-NonInteractive', '-File', (Join-Path $ExamplesRoot 'federated-chat/agent.ps1'), '-StopAt', '3', '-IdleTimeout', '60') {
                    $start.ArgumentList.Add($argument)
                }
                $runDir = New-Item -ItemType Directory -Force (Join-Path $TestDrive "agent-$name")
                $variables = @{
                    SWARM_RUN_ID = $runId; SWARM_SITE = 'local'; SWARM_AGENT = $name; SWARM_AGENT_UID = "$($ids[$name])"
                    SWARM_PEERS = "$peer=$($ids[$peer])"; SWARM_EXCHANGE_URL = $script:Url; SWARM_RUN_DIR = $runDir.FullName
                }
                foreach ($key in $variables.Keys) { $start.Environment[$key] = $variables[$key] }
                $start.UseShellExecute = $false
                $start.RedirectStandardOutput = $true
                $start.RedirectStandardError = $true
                [pscustomobject]@{ Name = $name; Process = [Diagnostics.Process]::Start($start) }
            }
            '{"kind":"bootstrap"}' | Send-SwarmMessage -To $ids['a'] -ExchangeUrl $script:Url -Confirm:$false | Out-Null
            foreach ($agent in $agents) {
                $stderr = $agent.Process.StandardError.ReadToEndAsync()
                $exited = $agent.Process.WaitForExit(90000)
                if (-not $exited) { $agent.Process.Kill($true) }
                $exited | Should -BeTrue
                $agent.Process.ExitCode | Should -Be 0 -Because "agent $($agent.Name) wrote: $($stderr.Result)"
                $agent.Process.StandardOutput.ReadToEnd() | Should -Match 'done at 3'
            }

            $start = [Diagnostics.ProcessStartInfo]::new($script:Pwsh)
            foreach ($argument in '-NoProfile', '-NonInteractive', '-File', (Join-Path $ExamplesRoot 'federated-chat/agent.ps1'), '-IdleTimeout', '5') {
                $start.ArgumentList.Add($argument)
            }
            $variables = @{
                SWARM_RUN_ID = $runId; SWARM_SITE = 'local'; SWARM_AGENT = 'a'; SWARM_AGENT_UID = "$($ids['a'])"; SWARM_PEERS = "b=$($ids['b'])"
                SWARM_EXCHANGE_URL = $script:Url; SWARM_RUN_DIR = "$TestDrive"; SWARM_EXCHANGE_PIN = (@('01') * 32) -join ':'
            }
            foreach ($key in $variables.Keys) { $start.Environment[$key] = $variables[$key] }
            $start.UseShellExecute = $false
            $start.RedirectStandardError = $true
            $wrong = [Diagnostics.Process]::Start($start)
            $stderr = $wrong.StandardError.ReadToEndAsync()
            $wrong.WaitForExit(60000) | Should -BeTrue
            $wrong.ExitCode | Should -Be 1
            $stderr.Result | Should -Match 'ExchangePinMismatch'
            $stderr.Result | Should -Match ([regex]::Escape($script:Exchange.Fingerprint))
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_PIN -ErrorAction SilentlyContinue
            foreach ($agent in @($agents)) { if ($agent -and -not $agent.Process.HasExited) { $agent.Process.Kill($true) } }
        }
    }
}

Describe 'Start-SwarmExchange with certificate files' {
    BeforeAll {
        $script:Certificate = Join-Path $TestDrive 'op.crt'
        $script:Key = Join-Path $TestDrive 'op.key'
        & openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj '/CN=127.0.0.1' `
            -addext 'subjectAltName=IP:127.0.0.1' -keyout $script:Key -out $script:Certificate 2>$null
        chmod 600 $script:Key
    }

    It 'serves the operator''s certificate, trusted by a client with SWARM_EXCHANGE_CA' {
        $directory = Join-Path $TestDrive 'files'
        $info = Start-SwarmExchange -CertificateFile $script:Certificate -KeyFile $script:Key -StateDirectory $directory -PassThru -Confirm:$false
        $env:SWARM_EXCHANGE_CA = $script:Certificate
        try {
            $info.Url.Scheme | Should -Be 'https'
            $info.CertificateFile | Should -Be $script:Certificate
            (Register-SwarmMailbox -RunId $script:RunId -Name ca-trusted -ExchangeUrl $info.Url -Confirm:$false).Name | Should -Be 'ca-trusted'
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_CA
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'refuses <Case> with <ErrorId> before launching anything' -TestCases @(
        @{ Case = 'a missing key file'; ErrorId = 'ExchangeCertificateNotFound'; Key = 'absent.key'; Mode = $null }
        @{ Case = 'a key others can read'; ErrorId = 'ExchangeKeyExposed'; Key = 'loose.key'; Mode = '644' }
        @{ Case = 'a key that is not the certificate''s'; ErrorId = 'ExchangeCertificateInvalid'; Key = 'other.key'; Mode = '600' }
    ) {
        $keyFile = Join-Path $TestDrive $Key
        if ($Key -eq 'loose.key') { Copy-Item $script:Key $keyFile }
        if ($Key -eq 'other.key') { & openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $keyFile 2>$null }
        if ($Mode) { chmod $Mode $keyFile }
        $directory = Join-Path $TestDrive "refused-$($Key)"
        { Start-SwarmExchange -CertificateFile $script:Certificate -KeyFile $keyFile -StateDirectory $directory -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.StartSwarmExchangeCommand"
        Join-Path $directory 'exchange.json' | Should -Not -Exist
    }
}
