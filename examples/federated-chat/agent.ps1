#Requires -Version 7.4
<#
.SYNOPSIS
    A counter agent for the federated-chat demo, in PowerShell 7: the same program as agent.py.

.DESCRIPTION
    Two of these (or one of these and one agent.py), on two sites, pass a number back and forth through
    the exchange until it reaches -StopAt. Nothing but PowerShell 7 is needed: plain Invoke-RestMethod
    against the wire protocol of docs/exchange-protocol.md; the SwarmPS module is not loaded.

    Everything comes from the environment SwarmPS gives every agent (docs/agent-contract.md):
    SWARM_RUN_ID, SWARM_SITE, SWARM_AGENT, SWARM_AGENT_UID, SWARM_PEERS, SWARM_EXCHANGE_URL,
    SWARM_EXCHANGE_TOKEN, SWARM_RUN_DIR; over https:// also SWARM_EXCHANGE_CA (a PEM file of the
    certificate or CA to trust) or SWARM_EXCHANGE_PIN (the exchange's SHA-256 fingerprint), see docs/exchange.md.

    - The initial agent waits for the kickoff ({"kind": "bootstrap"}), then sends 1 to its peer.
    - On {"kind": "count", "n": n}: if n reached -StopAt it is done; else it sends n + 1, and is done if
      that reached -StopAt.
    - Each message it sends or receives becomes a line in $SWARM_RUN_DIR/events.jsonl (one write of one
      whole line), so the run's merged timeline (Get-SwarmEvent) shows the conversation alternate.
    - Delivery is at least once: a count already seen is acknowledged and ignored, and each count is sent
      with an id derived from (run, sender, n), so a resend after a crash or an outage is stored once.
    - An exchange that goes away is retried until -IdleTimeout; a send to a peer whose site has not
      registered it yet (MailboxNotFound) is retried too. Exit 0 when done, 2 on a bad environment,
      3 when no progress was made for -IdleTimeout seconds, 1 on any other error.

    The launcher heartbeats this agent's mailbox while the process lives; the agent heartbeats as well
    (every 5 s, between receives), as agent.py does from a thread.

.EXAMPLE
    # In a campaign file: argv, one argument per item, never split by a shell.
    command: ["pwsh", "-NoProfile", "-NonInteractive", "-File", "examples/federated-chat/agent.ps1", "-StopAt", "10", "-Pace", "0.2"]
#>
[CmdletBinding()]
param(
    # The count at which both agents finish.
    [ValidateRange(1, 1000000)]
    [int] $StopAt = 10,

    # Seconds without progress before giving up (exit 3).
    [ValidateRange(1, 86400)]
    [double] $IdleTimeout = 120,

    # Seconds to think before each reply (makes the demo watchable).
    [ValidateRange(0, 3600)]
    [double] $Pace = 0,

    # Kept for campaign compatibility with agent.py; only 'counter' exists.
    [ValidateSet('counter')]
    [string] $Role = 'counter'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

# DESIGN.md: ids are UUID v5 in this namespace (mailbox ids over "<run>/<agent>", message ids below).
$SwarmNamespace = '6809ee13-7b98-4004-8bfa-97c58e99a2be'

# The HttpClient that believes SWARM_EXCHANGE_CA / SWARM_EXCHANGE_PIN over https (New-ExchangeClient); null: Invoke-RestMethod.
$script:Http = $null

# An error answer from the exchange (Status > 0, ErrorId from its body) or no answer at all (Status 0).
class ExchangeError : System.Exception {
    [int] $Status
    [string] $ErrorId

    ExchangeError([int] $status, [string] $errorId, [string] $message) : base("${errorId}: $message") {
        $this.Status = $status
        $this.ErrorId = $errorId
    }
}

function New-UuidV5([string] $Namespace, [string] $Name) {
    # RFC 4122 section 4.3: SHA-1 over the namespace's bytes in network order, then the name's UTF-8.
    # Guid.ToByteArray() is little-endian in its first three fields, so the hex text is parsed instead.
    # New-UuidV5 $SwarmNamespace 'demo-001/ping' is 2e95f94e-db15-5ff7-b4a9-d74d534f29b5, as in Python.
    $namespaceBytes = [Convert]::FromHexString($Namespace.Replace('-', ''))
    $nameBytes = [Text.Encoding]::UTF8.GetBytes($Name)
    $hash = [Security.Cryptography.SHA1]::HashData([byte[]] ($namespaceBytes + $nameBytes))
    $hash[6] = ($hash[6] -band 0x0F) -bor 0x50   # version 5
    $hash[8] = ($hash[8] -band 0x3F) -bor 0x80   # RFC 4122 variant
    $hex = [Convert]::ToHexString($hash, 0, 16).ToLowerInvariant()
    '{0}-{1}-{2}-{3}-{4}' -f $hex.Substring(0, 8), $hex.Substring(8, 4), $hex.Substring(12, 4), $hex.Substring(16, 4), $hex.Substring(20, 12)
}

function Get-RequiredVariable([string] $Name) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ([string]::IsNullOrEmpty($value)) {
        [Console]::Error.WriteLine("agent.ps1: $Name is not set; start this agent with Start-SwarmSite (docs/agent-contract.md).")
        exit 2
    }
    $value
}

function Write-SwarmEvent([string] $Kind, [System.Collections.IDictionary] $Fields = @{}) {
    # One event line appended to this site's events.jsonl in a single write, as SwarmPS itself does,
    # so the launcher's lines and ours never interleave mid-line.
    $swarmEvent = [ordered] @{
        ts    = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
        site  = $script:Site
        agent = $script:Name
        kind  = $Kind
    }
    foreach ($key in $Fields.Keys) {
        $swarmEvent[$key] = $Fields[$key]
    }
    $bytes = [Text.Encoding]::UTF8.GetBytes(($swarmEvent | ConvertTo-Json -Compress -Depth 5) + "`n")
    $stream = [IO.FileStream]::new($script:EventsFile, [IO.FileMode]::Append, [IO.FileAccess]::Write,
        [IO.FileShare]::ReadWrite -bor [IO.FileShare]::Delete)
    try {
        $stream.Write($bytes, 0, $bytes.Length)
    }
    finally {
        $stream.Dispose()
    }
}

function Get-PinnedCertificate([uri] $Url, [string] $Pin) {
    # One TLS handshake to fetch the exchange's certificate, compared with the pin before anything is sent.
    # The probe accepts any certificate (the callback runs inline in this synchronous handshake); the
    # fingerprint decides.
    $digits = ($Pin.Trim() -split '=')[-1] -replace '^sha256:', '' -replace ':', ''
    if ($digits -notmatch '^[0-9A-Fa-f]{64}$') {
        throw [ExchangeError]::new(0, 'ExchangePinInvalid', "SWARM_EXCHANGE_PIN is not a SHA-256 fingerprint: '$Pin'")
    }
    $wanted = ($digits.ToUpperInvariant() -split '(..)' -ne '') -join ':'
    $tcp = [Net.Sockets.TcpClient]::new()
    try {
        $tcp.Connect($Url.Host, $Url.Port)
        $tls = [Net.Security.SslStream]::new($tcp.GetStream(), $false, [Net.Security.RemoteCertificateValidationCallback] { $true })
        $tls.AuthenticateAsClient($Url.Host)
        $certificate = [Security.Cryptography.X509Certificates.X509Certificate2]::new($tls.RemoteCertificate)
        $tls.Dispose()
    }
    catch {
        throw [ExchangeError]::new(0, 'ExchangeUnreachable', "Could not reach the exchange at ${Url}: $($_.Exception.GetBaseException().Message)")
    }
    finally {
        $tcp.Dispose()
    }
    $seen = ([Security.Cryptography.SHA256]::HashData($certificate.RawData) | ForEach-Object { $_.ToString('X2') }) -join ':'
    if ($seen -ne $wanted) {
        throw [ExchangeError]::new(0, 'ExchangePinMismatch', "The exchange at $Url presented a certificate with SHA-256 fingerprint $seen, not the pinned $wanted. If this is the exchange you started (Get-SwarmExchange shows its Fingerprint), set SWARM_EXCHANGE_PIN=$seen; otherwise do not send the token there.")
    }
    $certificate
}

function New-ExchangeClient([string] $Url) {
    # Invoke-RestMethod cannot be told which certificate to believe, so over https with SWARM_EXCHANGE_CA or
    # SWARM_EXCHANGE_PIN the agent uses an HttpClient whose chain policy trusts exactly that certificate
    # (a policy, not a callback: a script callback would run on a thread with no runspace). A pin is
    # turned into such a trust once it matched; a certificate that chains to the pinned one needs its key.
    $ca = [Environment]::GetEnvironmentVariable('SWARM_EXCHANGE_CA')
    $pin = [Environment]::GetEnvironmentVariable('SWARM_EXCHANGE_PIN')
    if (-not $Url.StartsWith('https://', [StringComparison]::OrdinalIgnoreCase) -or (-not $ca -and -not $pin)) {
        return $null
    }
    $trusted = [Security.Cryptography.X509Certificates.X509Certificate2Collection]::new()
    if ($pin) {
        $null = $trusted.Add((Get-PinnedCertificate $Url $pin))
    }
    else {
        try {
            $trusted.ImportFromPemFile($ca)
        }
        catch {
            throw [ExchangeError]::new(0, 'ExchangeCaFileInvalid', "SWARM_EXCHANGE_CA names '$ca', which could not be read as PEM certificates: $($_.Exception.GetBaseException().Message)")
        }
    }
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    $policy.CustomTrustStore.AddRange($trusted)
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $handler.SslOptions.CertificateChainPolicy = $policy
    [Net.Http.HttpClient]::new($handler)
}

function Invoke-TrustedExchange([string] $Uri, [string] $Json, [int] $TimeoutSec) {
    # Invoke-Exchange through the HttpClient of New-ExchangeClient: the parsed answer, or an ExchangeError.
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, $Uri)
    $request.Headers.Authorization = [Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $script:Token)
    $request.Content = [Net.Http.StringContent]::new($Json, [Text.Encoding]::UTF8, 'application/json')
    $timeout = [Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds($TimeoutSec))
    try {
        $response = $script:Http.SendAsync($request, $timeout.Token).GetAwaiter().GetResult()
        $text = $response.Content.ReadAsStringAsync().GetAwaiter().GetResult()
    }
    catch {
        throw [ExchangeError]::new(0, 'ExchangeUnreachable', $_.Exception.GetBaseException().Message)
    }
    finally {
        $timeout.Dispose()
        $request.Dispose()
    }
    if ($response.IsSuccessStatusCode) {
        return $text | ConvertFrom-Json
    }
    $errorId = 'ExchangeProtocolError'
    $message = "HTTP $([int] $response.StatusCode) without a SwarmPS error body"
    try {
        $parsed = $text | ConvertFrom-Json
        $errorId = $parsed.error
        $message = $parsed.message
    }
    catch {
        # Not JSON (a proxy's page): keep ExchangeProtocolError.
    }
    throw [ExchangeError]::new([int] $response.StatusCode, $errorId, $message)
}

function Invoke-Exchange([string] $Path, [object] $Body = @{}, [int] $TimeoutSec = 30) {
    # POST to a v1 route; the parsed answer, or an ExchangeError. The token goes in a header only
    # (Invoke-RestMethod -Token would refuse plain http without -AllowUnencryptedAuthentication).
    if ($script:Http) {
        return Invoke-TrustedExchange ($script:ExchangeUrl + $Path) ($Body | ConvertTo-Json -Compress -Depth 5) $TimeoutSec
    }
    $request = @{
        Method      = 'Post'
        Uri         = $script:ExchangeUrl + $Path
        Headers     = @{ Authorization = "Bearer $script:Token" }
        ContentType = 'application/json'
        Body        = ($Body | ConvertTo-Json -Compress -Depth 5)
        TimeoutSec  = $TimeoutSec
    }
    try {
        Invoke-RestMethod @request
    }
    catch [Microsoft.PowerShell.Commands.HttpResponseException] {
        # Listed before HttpRequestException, which it derives from: the exchange answered 4xx/5xx.
        $status = [int] $_.Exception.Response.StatusCode
        $errorId = 'ExchangeProtocolError'
        $message = "HTTP $status without a SwarmPS error body"
        if ($_.ErrorDetails -and $_.ErrorDetails.Message) {
            try {
                $parsed = $_.ErrorDetails.Message | ConvertFrom-Json
                $errorId = $parsed.error
                $message = $parsed.message
            }
            catch {
                # Not JSON (a proxy's page): keep ExchangeProtocolError.
            }
        }
        if ($status -eq 503) { Step-Gateway }
        throw [ExchangeError]::new($status, $errorId, $message)
    }
    catch [System.Net.Http.HttpRequestException], [System.TimeoutException], [System.Threading.Tasks.TaskCanceledException], [System.IO.IOException] {
        Step-Gateway
        throw [ExchangeError]::new(0, 'ExchangeUnreachable', $_.Exception.Message)
    }
}

function Step-Gateway {
    # The next gateway of SWARM_EXCHANGE_URL for the next call (the caller's retry); one gateway: no change.
    if ($script:ExchangeUrls.Count -gt 1) {
        $script:ExchangeUrl = $script:ExchangeUrls[([array]::IndexOf($script:ExchangeUrls, $script:ExchangeUrl) + 1) % $script:ExchangeUrls.Count]
    }
}

function Test-Transient([System.Management.Automation.ErrorRecord] $Failure, [switch] $PeerMayBeStarting) {
    # Worth retrying: no connection, the exchange answering 5xx, or (for sends) a peer whose site has
    # not registered it yet: sites start in any order, and the kickoff only waits for us.
    $exception = $Failure.Exception
    if ($exception -is [ExchangeError]) {
        if ($PeerMayBeStarting -and $exception.ErrorId -eq 'MailboxNotFound') {
            return $true
        }
        return $exception.Status -eq 0 -or $exception.Status -ge 500
    }
    return $exception -is [System.IO.IOException] -or $exception -is [System.Net.Sockets.SocketException]
}

function Invoke-Retrying([scriptblock] $Call, [datetime] $Deadline, [switch] $PeerMayBeStarting) {
    while ($true) {
        try {
            return & $Call
        }
        catch {
            if (-not (Test-Transient $_ -PeerMayBeStarting:$PeerMayBeStarting) -or [datetime]::UtcNow -gt $Deadline) {
                throw
            }
            Start-Sleep -Milliseconds 200
        }
    }
}

function Send-Count([int] $N) {
    if ($Pace -gt 0) {
        Start-Sleep -Milliseconds ([int] ($Pace * 1000))
    }
    $message = @{
        id   = New-UuidV5 $SwarmNamespace "$script:RunId/$script:Name/count/$N"
        from = $script:Me
        body = (@{ kind = 'count'; n = $N } | ConvertTo-Json -Compress)
    }
    # Recorded as the send begins: the peer may receive and answer before our call returns, and the
    # merged timeline must still show our message first. A send that fails for good ends the agent with
    # an error right after, so the timeline does not mislead. bytes: what the dashboard shows as its size.
    Write-SwarmEvent 'message_sent' ([ordered] @{ n = $N; to = $script:PeerName; bytes = [Text.Encoding]::UTF8.GetByteCount($message.body) })
    Invoke-Retrying { Invoke-Exchange "v1/mailboxes/$script:PeerId/messages" $message } ([datetime]::UtcNow.AddSeconds($IdleTimeout)) -PeerMayBeStarting | Out-Null
}

function Invoke-Heartbeat {
    # Best effort: the launcher heartbeats this mailbox too while the process lives.
    if ([datetime]::UtcNow -lt $script:NextHeartbeat) {
        return
    }
    $script:NextHeartbeat = [datetime]::UtcNow.AddSeconds(5)
    try {
        Invoke-Exchange "v1/mailboxes/$script:Me/heartbeat" -TimeoutSec 10 | Out-Null
    }
    catch {
        # Keep trying quietly at the next turn.
    }
}

function Invoke-CounterAgent {
    $script:RunId = Get-RequiredVariable 'SWARM_RUN_ID'
    $script:Site = Get-RequiredVariable 'SWARM_SITE'
    $script:Name = Get-RequiredVariable 'SWARM_AGENT'
    $script:Me = Get-RequiredVariable 'SWARM_AGENT_UID'
    # SWARM_EXCHANGE_URL may list several gateways of one exchange, comma-separated (the RabbitMQ backend):
    # calls go to one, and a gateway that cannot be reached or answers 503 hands the next retry to the next.
    $script:ExchangeUrls = @((Get-RequiredVariable 'SWARM_EXCHANGE_URL').Split(',', [StringSplitOptions]::RemoveEmptyEntries -bor [StringSplitOptions]::TrimEntries) |
        ForEach-Object { if ($_.EndsWith('/')) { $_ } else { "$_/" } })
    $script:ExchangeUrl = $script:ExchangeUrls[0]
    $script:Token = Get-RequiredVariable 'SWARM_EXCHANGE_TOKEN'   # never printed, never logged
    $script:Http = New-ExchangeClient $script:ExchangeUrl
    $script:EventsFile = Join-Path (Get-RequiredVariable 'SWARM_RUN_DIR') 'events.jsonl'
    $script:NextHeartbeat = [datetime]::MinValue

    # SWARM_PEERS is "name=uid,name=uid"; the counter needs exactly one peer.
    $peers = [ordered] @{}
    foreach ($pair in ([Environment]::GetEnvironmentVariable('SWARM_PEERS') ?? '').Split(',', [StringSplitOptions]::RemoveEmptyEntries)) {
        $name, $uid = $pair.Split([char[]] '=', 2)
        $peers[$name] = $uid
    }
    if ($peers.Count -ne 1) {
        [Console]::Error.WriteLine("$($script:Name): expected exactly one peer in SWARM_PEERS, got [$(@($peers.Keys | Sort-Object) -join ', ')]")
        return 2
    }
    $script:PeerName = @($peers.Keys)[0]
    $script:PeerId = $peers[$script:PeerName]

    $highestSeen = 0
    $deadline = [datetime]::UtcNow.AddSeconds($IdleTimeout)
    while ([datetime]::UtcNow -lt $deadline) {
        Invoke-Heartbeat
        try {
            # Long poll: held up to 2 s until a message arrives; allow the wait plus the usual timeout.
            $answer = Invoke-Exchange "v1/mailboxes/$script:Me/receive" @{ maxMessages = 10; leaseMilliseconds = 30000; waitMilliseconds = 2000 } -TimeoutSec 32
        }
        catch {
            if (-not (Test-Transient $_)) {
                throw
            }
            Start-Sleep -Milliseconds 200
            continue
        }

        foreach ($message in @($answer.messages)) {
            # A hashtable: a body without 'kind' or 'n' reads as $null instead of failing strict mode.
            $body = $message.body | ConvertFrom-Json -AsHashtable
            $done = $false
            if ($body['kind'] -eq 'bootstrap') {
                Write-SwarmEvent 'message_received' ([ordered] @{ n = 0; kind_received = 'bootstrap' })
                if ($highestSeen -eq 0) {
                    Send-Count 1
                    $done = 1 -ge $StopAt
                }
            }
            elseif ($body['kind'] -eq 'count' -and $body['n'] -gt $highestSeen) {
                $n = $highestSeen = [int] $body['n']
                Write-SwarmEvent 'message_received' ([ordered] @{ n = $n; from = $script:PeerName })
                if ($n -ge $StopAt) {
                    $done = $true
                }
                else {
                    Send-Count ($n + 1)
                    $done = ($n + 1) -ge $StopAt
                }
            }
            $acknowledge = @{ ids = @($message.id) }
            Invoke-Retrying { Invoke-Exchange "v1/mailboxes/$script:Me/acknowledge" $acknowledge } ([datetime]::UtcNow.AddSeconds($IdleTimeout)) | Out-Null
            $deadline = [datetime]::UtcNow.AddSeconds($IdleTimeout)
            if ($done) {
                [Console]::Out.WriteLine("$($script:Name): done at $StopAt")
                return 0
            }
        }
    }
    [Console]::Error.WriteLine("$($script:Name): no progress for $IdleTimeout s; giving up")
    return 3
}

try {
    # Text goes straight to stdout/stderr (agents/<name>/*.log); the function's output is the exit code.
    exit @(Invoke-CounterAgent)[-1]
}
catch {
    [Console]::Error.WriteLine("$($_.Exception.Message)`n$($_.ScriptStackTrace)")
    exit 1
}
