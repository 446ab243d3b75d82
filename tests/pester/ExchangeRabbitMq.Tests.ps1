# The exchange on the RabbitMQ backend, in real pwsh: two detached gateways (Start-SwarmExchange -Backend
# RabbitMq) in front of the real broker of tests/infra/start-rabbitmq.sh (127.0.0.1:5673, .ci/run starts
# it; started here when it is not running), used through the ordinary exchange cmdlets.
# Run from the repository root after building: Invoke-Pester ./tests/pester/ExchangeRabbitMq.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $started = & bash (Join-Path $RepoRoot 'tests/infra/start-rabbitmq.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "The RabbitMQ broker could not be started: $started" }
    $script:Ctl = ($started | Select-String -Pattern '^ctl=(\S+)').Matches[0].Groups[1].Value
    $script:BrokerUri = 'amqp://127.0.0.1:5673/test'
    $env:SWARM_BROKER_USER = 'test'
    $env:SWARM_BROKER_PASSWORD = 'test'
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:BrokerName = 'pester-' + [Guid]::NewGuid().ToString('N').Substring(0, 10)
    $script:StateA = Join-Path $TestDrive 'gateway-a'
    $script:StateB = Join-Path $TestDrive 'gateway-b'
    $script:A = Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerName $script:BrokerName -StateDirectory $script:StateA -PassThru -Confirm:$false
    $script:B = Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerName $script:BrokerName -StateDirectory $script:StateB -PassThru -Confirm:$false
    $script:RunId = 'pester-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
}

AfterAll {
    foreach ($state in $script:StateA, $script:StateB) {
        Stop-SwarmExchange -StateDirectory $state -Confirm:$false -ErrorAction SilentlyContinue
    }
    # The broker is shared: this file's queues go with it.
    foreach ($queue in & $script:Ctl -q list_queues -p test name | Where-Object { $_ -like "$($script:BrokerName).*" }) {
        & $script:Ctl -q delete_queue -p test $queue | Out-Null
    }
    Remove-Item Env:SWARM_EXCHANGE_URL, Env:SWARM_EXCHANGE_TOKEN, Env:SWARM_BROKER_USER, Env:SWARM_BROKER_PASSWORD -ErrorAction SilentlyContinue
}

Describe 'Start-SwarmExchange -Backend RabbitMq' {
    It 'runs two detached gateways on the broker, each found by Get-SwarmExchange' {
        $script:A.Url | Should -Not -Be $script:B.Url
        (Get-SwarmExchange -StateDirectory $script:StateA).Pid | Should -Be $script:A.Pid
        $b = Get-SwarmExchange -StateDirectory $script:StateB
        $b.Pid | Should -Be $script:B.Pid
        $b.Backend | Should -Be "RabbitMq $($script:BrokerName)"
        Get-Content (Join-Path $script:StateA 'exchange.log') -Raw | Should -Match "store=rabbitmq:amqp://127.0.0.1:5673/test name=$($script:BrokerName)"
    }

    It 'keeps the broker password out of the gateways'' command lines and logs' {
        foreach ($gateway in $script:A, $script:B) {
            (Get-Content "/proc/$($gateway.Pid)/cmdline" -Raw) -replace "`0", ' ' | Should -Not -Match 'SWARM_BROKER_PASSWORD|:test@'
        }
        Get-Content (Join-Path $script:StateA 'exchange.log') -Raw | Should -Not -Match 'password'
    }

    It 'serves one exchange through both: registered through A, sent through B, received through A' {
        $mailbox = Register-SwarmMailbox -RunId $script:RunId -Name agent-a -ExchangeUrl $script:A.Url -Confirm:$false
        (Get-SwarmMailbox -Id $mailbox.Id -ExchangeUrl $script:B.Url).Name | Should -Be 'agent-a'
        'one', 'two', 'three' | Send-SwarmMessage -To $mailbox.Id -ExchangeUrl $script:B.Url -Confirm:$false | Out-Null

        $received = Receive-SwarmMessage -Mailbox $mailbox.Id -MaxMessages 10 -ExchangeUrl $script:A.Url

        $received.Body | Should -Be @('one', 'two', 'three')
        (Get-SwarmMailbox -Id $mailbox.Id -ExchangeUrl $script:B.Url).Pending | Should -Be 0
    }

    It 'stores a message id sent through both gateways once' {
        $mailbox = Register-SwarmMailbox -RunId $script:RunId -Name agent-b -ExchangeUrl $script:A.Url -Confirm:$false
        $id = [Guid]::NewGuid()

        (Send-SwarmMessage -To $mailbox.Id -Body 'x' -MessageId $id -ExchangeUrl $script:A.Url -Confirm:$false).Duplicate | Should -BeFalse
        (Send-SwarmMessage -To $mailbox.Id -Body 'x' -MessageId $id -ExchangeUrl $script:B.Url -Confirm:$false).Duplicate | Should -BeTrue
        (Receive-SwarmMessage -Mailbox $mailbox.Id -MaxMessages 10 -ExchangeUrl $script:B.Url).Count | Should -Be 1
    }

    It 'moves to the next gateway of a comma-separated SWARM_EXCHANGE_URL when the first is gone' {
        $directory = Join-Path $TestDrive 'gateway-c'
        $c = Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerName $script:BrokerName -StateDirectory $directory -PassThru -Confirm:$false
        $mailbox = Register-SwarmMailbox -RunId $script:RunId -Name agent-c -ExchangeUrl $script:B.Url -Confirm:$false
        Stop-Process -Id $c.Pid -Force   # kill -9: no goodbye
        Wait-Until { -not (Get-Process -Id $c.Pid -ErrorAction SilentlyContinue) }
        $env:SWARM_EXCHANGE_URL = "$($c.Url),$($script:B.Url)"
        try {
            (Send-SwarmMessage -To $mailbox.Id -Body 'still delivered' -Confirm:$false).Duplicate | Should -BeFalse
            (Receive-SwarmMessage -Mailbox $mailbox.Id -MaxMessages 1).Body | Should -Be 'still delivered'
        }
        finally {
            Remove-Item Env:SWARM_EXCHANGE_URL
        }
    }
}

Describe 'The example agents on a list of gateways whose first is gone' {
    It 'count to 3 between the pwsh agent and the Python agent, both moving to the gateway that answers' {
        $probe = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
        $probe.Start()
        $dead = "http://127.0.0.1:$($probe.LocalEndpoint.Port)/"   # nothing listens there once the probe stops
        $probe.Stop()
        $runId = 'gateways-' + [Guid]::NewGuid().ToString('N').Substring(0, 6)
        $ids = @{}
        foreach ($name in 'a', 'b') {
            $ids[$name] = (Register-SwarmMailbox -RunId $runId -Name $name -ExchangeUrl $script:B.Url -Confirm:$false).Id
        }
        $agents = foreach ($name in 'a', 'b') {
            $peer = $name -eq 'a' ? 'b' : 'a'
            # a: the pwsh example agent; b: the Python one (examples/agents/swarm_exchange.py).
            $start = $name -eq 'a' ? [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh')) : [Diagnostics.ProcessStartInfo]::new('python3')
            $arguments = $name -eq 'a' ? @('-NoProfile', '-NonInteractive', '-File', (Join-Path $ExamplesRoot 'federated-chat/agent.ps1'), '-StopAt', '3', '-IdleTimeout', '60') : @((Join-Path $ExamplesRoot 'federated-chat/agent.py'), '--stop-at', '3', '--idle-timeout', '60')
            foreach ($argument in $arguments) { $start.ArgumentList.Add($argument) }
            $runDir = New-Item -ItemType Directory -Force (Join-Path $TestDrive "gateways-$name")
            $variables = @{
                SWARM_RUN_ID = $runId; SWARM_SITE = 'local'; SWARM_AGENT = $name; SWARM_AGENT_UID = "$($ids[$name])"
                SWARM_PEERS = "$peer=$($ids[$peer])"; SWARM_EXCHANGE_URL = "$dead,$($script:B.Url)"; SWARM_RUN_DIR = $runDir.FullName
            }
            foreach ($key in $variables.Keys) { $start.Environment[$key] = $variables[$key] }
            $start.UseShellExecute = $false
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            [pscustomobject]@{ Name = $name; Process = [Diagnostics.Process]::Start($start) }
        }
        try {
            '{"kind":"bootstrap"}' | Send-SwarmMessage -To $ids['a'] -ExchangeUrl $script:A.Url -Confirm:$false | Out-Null
            foreach ($agent in $agents) {
                $stdout = $agent.Process.StandardOutput.ReadToEndAsync()
                $stderr = $agent.Process.StandardError.ReadToEndAsync()
                $agent.Process.WaitForExit(90000) | Should -BeTrue -Because "agent $($agent.Name) should finish"
                $agent.Process.ExitCode | Should -Be 0 -Because "agent $($agent.Name) wrote: $($stderr.Result)"
            }
            Get-Content (Join-Path $TestDrive 'gateways-a/events.jsonl') -Raw | Should -Match '"agent_finished"|"n":3'
        }
        finally {
            foreach ($agent in $agents) { if (-not $agent.Process.HasExited) { $agent.Process.Kill($true) } }
        }
    }
}

Describe 'Start-SwarmExchange -Site: the exchange a site profile describes' {
    BeforeAll {
        $script:SavedSitePath = $env:SWARMPS_SITE_PATH
        $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
        $env:SWARMPS_SITE_PATH = $sites.FullName
        Set-Content -LiteralPath (Join-Path $sites 'mq-centre.yaml') -Value @"
scheduler: local
run_root: $(Join-Path $TestDrive 'runs')
exchange:
  backend: rabbitmq
  broker_uri: $($script:BrokerUri)
  broker_name: $($script:BrokerName)
"@
        Set-Content -LiteralPath (Join-Path $sites 'no-broker.yaml') -Value @"
scheduler: local
run_root: $(Join-Path $TestDrive 'runs')
exchange:
  backend: rabbitmq
"@
    }

    AfterAll {
        $env:SWARMPS_SITE_PATH = $script:SavedSitePath
    }

    It 'starts a gateway of the broker and exchange name the profile names, serving the same mailboxes' {
        $directory = Join-Path $TestDrive 'site-gateway'
        try {
            $gateway = Start-SwarmExchange -Site mq-centre -StateDirectory $directory -PassThru -Confirm:$false
            Get-Content (Join-Path $directory 'exchange.log') -Raw | Should -Match "store=rabbitmq:amqp://127.0.0.1:5673/test name=$($script:BrokerName)"
            $mailbox = Register-SwarmMailbox -RunId $script:RunId -Name agent-site -ExchangeUrl $gateway.Url -Confirm:$false
            (Get-SwarmMailbox -Id $mailbox.Id -ExchangeUrl $script:A.Url).Name | Should -Be 'agent-site'
        }
        finally {
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'lets -Backend on the command line win over the profile' {
        $directory = Join-Path $TestDrive 'site-sqlite'
        try {
            $null = Start-SwarmExchange -Site mq-centre -Backend Sqlite -StateDirectory $directory -PassThru -Confirm:$false
            Get-Content (Join-Path $directory 'exchange.log') -Raw | Should -Match 'store=\S+exchange\.db'
        }
        finally {
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'refuses a profile whose rabbitmq exchange names no broker, at the profile''s line, launching nothing' {
        $failure = { Start-SwarmExchange -Site no-broker -StateDirectory (Join-Path $TestDrive 'no-broker') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigValueInvalid,SwarmPS.Cmdlets.StartSwarmExchangeCommand' -PassThru
        $failure.Exception.Message | Should -Match 'no-broker\.yaml'
        $failure.Exception.Message | Should -Match 'broker'
        Join-Path $TestDrive 'no-broker/exchange.json' | Should -Not -Exist
    }
}

Describe 'Start-SwarmExchange -Backend RabbitMq refuses bad broker settings before launching anything' {
    It 'refuses a broker URI carrying credentials with BrokerUriHasCredentials' {
        $directory = Join-Path $TestDrive 'refused-uri'
        { Start-SwarmExchange -Backend RabbitMq -BrokerUri 'amqp://test:secret@127.0.0.1:5673/test' -StateDirectory $directory -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerUriHasCredentials,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
        Join-Path $directory 'exchange.json' | Should -Not -Exist
    }

    It 'refuses a missing broker URI with BrokerUriMissing, and a non-amqp one with BrokerUriInvalid' {
        { Start-SwarmExchange -Backend RabbitMq -StateDirectory (Join-Path $TestDrive 'no-uri') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerUriMissing,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
        { Start-SwarmExchange -Backend RabbitMq -BrokerUri 'http://127.0.0.1:5673/' -StateDirectory (Join-Path $TestDrive 'bad-uri') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerUriInvalid,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
    }

    It 'refuses to start without credentials with BrokerCredentialsMissing' {
        $user = $env:SWARM_BROKER_USER
        Remove-Item Env:SWARM_BROKER_USER
        try {
            { Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -StateDirectory (Join-Path $TestDrive 'no-user') -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'BrokerCredentialsMissing,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
        }
        finally {
            $env:SWARM_BROKER_USER = $user
        }
    }

    It 'refuses a credentials file others can read with BrokerCredentialsFileExposed, and one without user:password with BrokerCredentialsInvalid' {
        $exposed = Join-Path $TestDrive 'broker-exposed.cred'
        Set-Content -LiteralPath $exposed -Value 'test:test'
        chmod 644 $exposed
        { Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerCredentialFile $exposed -StateDirectory (Join-Path $TestDrive 'exposed') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerCredentialsFileExposed,SwarmPS.Cmdlets.StartSwarmExchangeCommand'

        $empty = Join-Path $TestDrive 'broker-empty.cred'
        Set-Content -LiteralPath $empty -Value 'only-a-user'
        chmod 600 $empty
        { Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerCredentialFile $empty -StateDirectory (Join-Path $TestDrive 'empty') -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerCredentialsInvalid,SwarmPS.Cmdlets.StartSwarmExchangeCommand'
    }

    It 'starts with the credentials from a mode-600 file, the environment unset' {
        $file = Join-Path $TestDrive 'broker.cred'
        Set-Content -LiteralPath $file -Value 'test:test'
        chmod 600 $file
        $user, $password = $env:SWARM_BROKER_USER, $env:SWARM_BROKER_PASSWORD
        Remove-Item Env:SWARM_BROKER_USER, Env:SWARM_BROKER_PASSWORD
        $directory = Join-Path $TestDrive 'from-file'
        try {
            $gateway = Start-SwarmExchange -Backend RabbitMq -BrokerUri $script:BrokerUri -BrokerCredentialFile $file -BrokerName $script:BrokerName -StateDirectory $directory -PassThru -Confirm:$false
            (Get-SwarmExchange -ExchangeUrl $gateway.Url).Pid | Should -Be $gateway.Pid
        }
        finally {
            $env:SWARM_BROKER_USER, $env:SWARM_BROKER_PASSWORD = $user, $password
            Stop-SwarmExchange -StateDirectory $directory -Confirm:$false -ErrorAction SilentlyContinue
        }
    }

    It 'reports an unreachable broker with the gateway''s own BrokerUnavailable, naming the broker' {
        $directory = Join-Path $TestDrive 'unreachable'
        $failure = { Start-SwarmExchange -Backend RabbitMq -BrokerUri 'amqp://127.0.0.1:1/test' -StateDirectory $directory -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'BrokerUnavailable,SwarmPS.Cmdlets.StartSwarmExchangeCommand' -PassThru
        $failure.Exception.Message | Should -Match '127\.0\.0\.1:1'
    }
}
