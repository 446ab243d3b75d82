#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests of the in-process SSH transport (ssh.client: sshnet) in real pwsh against the built module:
# SSH.NET and its dependencies load into the module's own load context from bin/dependencies/, and a site
# profile with client: sshnet is reached through it (Test-SwarmSite logs in, runs the scheduler command
# lookup, writes the run root and reads the clock over SSH.NET). The real sshd of tests/infra/start-sshd.sh
# (127.0.0.1, port $env:SSHD_PORT or 2222) is reused when it runs; one started here is stopped at the end.
#   pwsh -c 'Invoke-Pester ./tests/pester/SshNet.Tests.ps1 -Output Detailed'

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:savedConfigHome = $env:XDG_CONFIG_HOME
    $script:savedCacheHome = $env:XDG_CACHE_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    $env:XDG_CACHE_HOME = Join-Path $TestDrive 'cache'
    $script:sites = Join-Path $env:XDG_CONFIG_HOME 'swarmps/sites'
    New-Item -ItemType Directory -Path $script:sites -Force | Out-Null

    $script:stateDir = '/tmp/swarmps-test/sshd'
    $startLog = Join-Path $TestDrive 'start-sshd.err'
    $info = & bash (Join-Path $PSScriptRoot '../infra/start-sshd.sh') $script:stateDir 2>$startLog
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-sshd.sh failed: $info $(Get-Content -Raw $startLog)" }
    $script:startedSshd = -not (Select-String -Path $startLog -Pattern 'already running' -Quiet)
    $script:sshPort = [int](($info -split ' ' | Where-Object { $_ -like 'port=*' }) -replace '^port=')
    $script:user = [Environment]::UserName

    function New-SshNetSite([string] $Name, [string] $KnownHosts, [string] $Extra = '') {
        Set-Content -Path (Join-Path $script:sites "$Name.yaml") -Encoding utf8NoBOM -Value @"
name: $Name
scheduler: local
run_root: $TestDrive/$Name-runs
ssh:
  client: sshnet
  host: 127.0.0.1
  port: $($script:sshPort)
  user: $($script:user)
  identity_file: $($script:stateDir)/id_ed25519
  connect_timeout: 5
  options:
    UserKnownHostsFile: $KnownHosts
$Extra
"@
    }

    New-SshNetSite 'pester-sshnet' "$($script:stateDir)/known_hosts"
    $script:emptyKnownHosts = Join-Path $TestDrive 'empty_known_hosts'
    Set-Content -Path $script:emptyKnownHosts -Value '# nothing known'
    New-SshNetSite 'pester-sshnet-unknown' $script:emptyKnownHosts
    New-SshNetSite 'pester-sshnet-jump' "$($script:stateDir)/known_hosts" '    ProxyJump: bastion.example.org'
    Set-Content -Path (Join-Path $script:sites 'pester-sshnet-bad.yaml') -Encoding utf8NoBOM -Value @"
scheduler: local
run_root: /tmp/never
ssh:
  client: putty
  host: 127.0.0.1
"@
}

AfterAll {
    if ($script:startedSshd) {
        & bash (Join-Path $PSScriptRoot '../infra/stop-sshd.sh') $script:stateDir | Out-Null
    }
    $env:XDG_CONFIG_HOME = $script:savedConfigHome
    $env:XDG_CACHE_HOME = $script:savedCacheHome
}

Describe 'A site with ssh.client: sshnet' {
    It 'passes every Test-SwarmSite check through the in-process client' {
        $checks = Test-SwarmSite -Name pester-sshnet -Force

        $checks.Name | Should -Be @('SSH client', 'SSH key', 'TCP reach', 'SSH login', 'Scheduler commands', 'Run root writable', 'Clock skew')
        $checks | Where-Object Status -ne 'Pass' | ForEach-Object { "$($_.Name): $($_.Detail)" } | Should -BeNullOrEmpty
        ($checks | Where-Object Name -eq 'SSH client').Detail | Should -BeLike '*in-process SSH.NET 2026.0.0* (ssh.client: sshnet)*'
        ($checks | Where-Object Name -eq 'SSH login').Detail | Should -BeLike "*Logged in to $($script:user)@127.0.0.1*"
        # The run root check wrote and removed a file there over SSH.NET.
        Join-Path $TestDrive 'pester-sshnet-runs' | Should -Exist
    }

    It 'loaded SSH.NET and its dependencies from bin/dependencies into the module''s own load context' {
        Test-SwarmSite -Name pester-sshnet -Force | Out-Null
        $context = [System.Runtime.Loader.AssemblyLoadContext]::All | Where-Object Name -eq 'SwarmPS.Dependencies'
        $loaded = @($context.Assemblies)
        foreach ($name in 'Renci.SshNet', 'BouncyCastle.Cryptography', 'Microsoft.Extensions.Logging.Abstractions') {
            $assembly = $loaded | Where-Object { $_.GetName().Name -eq $name }
            $assembly | Should -Not -BeNullOrEmpty -Because "$name is what SSH.NET needs"
            $assembly.Location | Should -Be (Join-Path $RepoRoot "bin/dependencies/$name.dll")
        }
        # SSH.NET 2026.0.0 stamps its assembly 2026.0.0.1.
        ($loaded | Where-Object { $_.GetName().Name -eq 'Renci.SshNet' }).GetName().Version.ToString() | Should -BeLike '2026.0.0.*'
        [System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies.GetName().Name | Should -Not -Contain 'Renci.SshNet'
    }

    It 'refuses an unknown host key and names the command that adds it' {
        $checks = Test-SwarmSite -Name pester-sshnet-unknown -Force

        $login = $checks | Where-Object Name -eq 'SSH login'
        $login.Status | Should -Be 'Fail'
        $login.Detail | Should -BeLike '*not in known_hosts*'
        $login.Detail | Should -BeLike "*ssh-keyscan -p $($script:sshPort) 127.0.0.1 >> ~/.ssh/known_hosts*"
        ($checks | Where-Object Name -eq 'Run root writable').Detail | Should -BeLike "*Skipped because 'SSH login' failed*"
    }

    It 'refuses an OpenSSH-only option when the profile loads' {
        $site = Get-SwarmSite -Name pester-sshnet-jump

        $site.Ready | Should -BeFalse
        $site.Problem | Should -BeLike "*'ProxyJump' is not supported with client: sshnet*"
    }

    It 'names the allowed clients for an unknown one' {
        $site = Get-SwarmSite -Name pester-sshnet-bad

        $site.Ready | Should -BeFalse
        $site.Problem | Should -BeLike "*'putty' is not an SSH client*openssh, sshnet*"
    }
}
