# Acceptance tests of the exchange cmdlets against a real, detached exchange on 127.0.0.1.
# Run from the repository root after building: Invoke-Pester ./tests/pester/Exchange.Tests.ps1

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../SwarmPS.psd1') -Force
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:StateDirectory = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -StateDirectory $script:StateDirectory -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()
    $script:RunId = 'pester-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
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
        Get-Process -Id $info.Pid | Should -Not -BeNullOrEmpty
        Join-Path $script:StateDirectory 'exchange.json' | Should -Exist
    }

    It 'keeps the token out of the exchange process command line' {
        $info = Get-SwarmExchange -StateDirectory $script:StateDirectory
        (Get-Content "/proc/$($info.Pid)/cmdline" -Raw) | Should -Not -Match $env:SWARM_EXCHANGE_TOKEN
    }

    It 'refuses a second exchange on the same state directory' {
        { Start-SwarmExchange -StateDirectory $script:StateDirectory -Foreground -Confirm:$false } |
            Should -Throw -ErrorId 'ExchangeAlreadyRunning,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
    }

    It 'fails with ExchangeTokenMissing when the token variable is unset' {
        { Start-SwarmExchange -StateDirectory (Join-Path $TestDrive 'other') -TokenVariable 'SWARM_PESTER_UNSET' -Foreground -Confirm:$false } |
            Should -Throw -ErrorId 'ExchangeTokenMissing,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
    }

    It 'reports ExchangeNotRunning for an empty state directory' {
        { Get-SwarmExchange -StateDirectory (Join-Path $TestDrive 'nothing') } |
            Should -Throw -ErrorId 'ExchangeNotRunning,SwarmPS.Cmdlets.GetSwarmExchangeCommand'
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
        $job = Start-ThreadJob -ScriptBlock {
            param($url, $token, $to)
            $env:SWARM_EXCHANGE_TOKEN = $token
            Start-Sleep -Milliseconds 500
            Send-SwarmMessage -ExchangeUrl $url -To $to -Body 'wake' -Confirm:$false
        } -ArgumentList $env:SWARM_EXCHANGE_URL, $env:SWARM_EXCHANGE_TOKEN, $script:B
        $received = Receive-SwarmMessage -Mailbox $script:B -Wait -TimeoutSeconds 20
        $job | Wait-Job | Remove-Job
        $received.Body | Should -Be 'wake'
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
