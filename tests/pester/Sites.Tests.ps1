#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests for the sites pillar, run in a fresh pwsh against the built module:
#   pwsh -c 'Invoke-Pester ./tests/pester/Sites.Tests.ps1 -Output Detailed'
# The remote cases use the real sshd from tests/infra/start-sshd.sh (127.0.0.1, port $env:SSHD_PORT or 2222).
# Site profiles are written as YAML under a TestDrive XDG_CONFIG_HOME, in the schema of docs/sites.md.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:savedConfigHome = $env:XDG_CONFIG_HOME
    $script:savedCacheHome = $env:XDG_CACHE_HOME
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    $env:XDG_CACHE_HOME = Join-Path $TestDrive 'cache'
    $script:sites = Join-Path $env:XDG_CONFIG_HOME 'swarmps/sites'
    New-Item -ItemType Directory -Path $script:sites -Force | Out-Null

    $script:stateDir = '/tmp/swarmps-test/sshd'
    # Reuse the sshd that .ci/run started; one this file starts itself it also stops (AfterAll).
    $startLog = Join-Path $TestDrive 'start-sshd.err'
    $info = & bash (Join-Path $PSScriptRoot '../infra/start-sshd.sh') $script:stateDir 2>$startLog
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-sshd.sh failed: $info $(Get-Content -Raw $startLog)" }
    $script:startedSshd = -not (Select-String -Path $startLog -Pattern 'already running' -Quiet)
    $script:sshPort = [int](($info -split ' ' | Where-Object { $_ -like 'port=*' }) -replace '^port=')
    $script:user = [Environment]::UserName

    function New-SiteFile([string] $Name, [string] $Body) {
        Set-Content -Path (Join-Path $script:sites "$Name.yaml") -Value $Body -Encoding utf8NoBOM
    }

    New-SiteFile 'pester-local' @"
name: pester-local
scheduler: local
run_root: $TestDrive/local-runs
"@

    New-SiteFile 'pester-ssh' @"
name: pester-ssh
scheduler: local
run_root: $TestDrive/ssh-runs
ssh:
  host: 127.0.0.1
  port: $($script:sshPort)
  user: $($script:user)
  identity_file: $($script:stateDir)/id_ed25519
  config_file: /dev/null
  control_path: $($script:stateDir)/mux/%C
  connect_timeout: 5
  options:
    UserKnownHostsFile: $($script:stateDir)/known_hosts
    StrictHostKeyChecking: 'yes'
"@

    # Bind, then release: nothing listens on this port for the next moments.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
    New-SiteFile 'pester-closed' @"
name: pester-closed
scheduler: slurm
run_root: /tmp/never
ssh:
  host: 127.0.0.1
  port: $closedPort
  user: $($script:user)
  identity_file: $($script:stateDir)/id_ed25519
  config_file: /dev/null
  connect_timeout: 3
"@
}

AfterAll {
    if ($script:startedSshd) {
        & bash (Join-Path $PSScriptRoot '../infra/stop-sshd.sh') $script:stateDir | Out-Null
    }
    $env:XDG_CONFIG_HOME = $script:savedConfigHome
    $env:XDG_CACHE_HOME = $script:savedCacheHome
}

Describe 'Get-SwarmSite' {
    It 'lists the built-in sites and the user profiles, sorted' {
        $names = (Get-SwarmSite).Name
        foreach ($name in 'aurora', 'crux', 'hoffman2', 'local', 'perlmutter', 'polaris', 'pester-local', 'pester-ssh') {
            $names | Should -Contain $name
        }
        $names | Should -Be ($names | Sort-Object -CaseSensitive)
    }

    It 'selects by wildcard' {
        (Get-SwarmSite -Name 'pester-*').Name | Should -Be @('pester-closed', 'pester-local', 'pester-ssh')
    }

    It 'shows a template as not ready, with the variables to set' {
        $saved = $env:ALCF_USER, $env:ALCF_SSH_USER
        $env:ALCF_USER = $null; $env:ALCF_SSH_USER = $null
        try {
            $polaris = Get-SwarmSite -Name polaris
            $polaris.Ready | Should -BeFalse
            $polaris.Problem | Should -Match 'ALCF_SSH_USER or ALCF_USER'
            # What the template says regardless of the variables.
            "$($polaris.Scheduler)" | Should -Be 'Pbs'
            $polaris.LoginHost | Should -Be 'polaris.alcf.anl.gov'
            "$((Get-SwarmSite -Name aurora).Scheduler)" | Should -Be 'Pbs'
        }
        finally { $env:ALCF_USER, $env:ALCF_SSH_USER = $saved }
    }

    It 'lets a user profile replace the built-in of the same name' {
        New-SiteFile 'perlmutter' "scheduler: slurm`nrun_root: $TestDrive/pm`nssh:`n  host: pm.example`n  user: bob`n"
        try {
            $site = Get-SwarmSite -Name perlmutter
            $site.Ready | Should -BeTrue
            $site.LoginHost | Should -Be 'pm.example'
            $site.Source | Should -BeLike '*perlmutter.yaml'
        }
        finally { Remove-Item (Join-Path $script:sites 'perlmutter.yaml') }
    }

    It 'names the nearest site for a typo' {
        { Get-SwarmSite -Name polars -ErrorAction Stop } | Should -Throw -ErrorId 'SiteNotFound,SwarmPS.Cmdlets.GetSwarmSiteCommand'
    }
}

Describe 'Test-SwarmSite surface' {
    It 'is exported with a mandatory, pipeline-bound -Name and a -Force switch' {
        $command = Get-Command Test-SwarmSite -Module SwarmPS
        $command.Parameters['Name'].Attributes.Where({ $_ -is [Parameter] }).Mandatory | Should -Contain $true
        $command.Parameters['Name'].Attributes.Where({ $_ -is [Parameter] }).ValueFromPipelineByPropertyName | Should -Contain $true
        $command.Parameters['Force'].ParameterType | Should -Be ([switch])
        $command.OutputType.Type.FullName | Should -Contain 'SwarmPS.Engine.Sites.PreflightCheck'
    }
}

Describe 'Test-SwarmSite on a site without ssh' {
    It 'checks the scheduler commands and run root locally' {
        $checks = Test-SwarmSite -Name pester-local -Force
        $checks.Name | Should -Be @('Scheduler commands', 'Run root writable')
        $checks.Status | Should -Not -Contain 'Fail'
        $checks.Site | Sort-Object -Unique | Should -Be 'pester-local'
        Join-Path $TestDrive 'local-runs' | Should -Exist
    }
}

Describe 'Test-SwarmSite looks for the programs the scheduler adapter runs' {
    BeforeAll {
        New-SiteFile 'pester-slurm-here' @"
name: pester-slurm-here
scheduler: slurm
run_root: $TestDrive/slurm-runs
"@
        # A PATH with SLURM's client programs but scontrol, which the adapter runs for the array limit and
        # when accounting is off; sh and the run-root check's tools beside them.
        $script:fakeBin = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'fake-slurm-bin')
        foreach ($tool in 'sh', 'mkdir', 'rm') {
            New-Item -ItemType SymbolicLink -Path (Join-Path $fakeBin $tool) -Target (Get-Command $tool -CommandType Application)[0].Source | Out-Null
        }
        # scontrol waits under another name, so the test can put it in place without chmod on PATH.
        foreach ($program in 'sbatch', 'squeue', 'sacct', 'scancel', 'scontrol.later') {
            Set-Content -Path (Join-Path $fakeBin $program) -Value "#!/bin/sh`nexit 0"
            chmod 700 (Join-Path $fakeBin $program)
        }
    }

    It 'fails a SLURM site without scontrol and names it, then passes once it is there' {
        $savedPath = $env:PATH
        try {
            $env:PATH = $fakeBin.FullName
            $missing = Test-SwarmSite -Name pester-slurm-here -Force | Where-Object Name -eq 'Scheduler commands'
            Move-Item -Path (Join-Path $fakeBin 'scontrol.later') -Destination (Join-Path $fakeBin 'scontrol')
            $present = Test-SwarmSite -Name pester-slurm-here -Force | Where-Object Name -eq 'Scheduler commands'
        }
        finally {
            $env:PATH = $savedPath
        }

        "$($missing.Status)" | Should -Be 'Fail'
        $missing.Detail | Should -Match '^scontrol not found on PATH'
        "$($present.Status)" | Should -Be 'Pass'
        $present.Detail | Should -Match 'sbatch, squeue, sacct, scontrol, scancel found'
    }
}

Describe 'Test-SwarmSite against a real sshd' {
    It 'passes every check' {
        $checks = Test-SwarmSite -Name pester-ssh -Force
        $checks.Name | Should -Be @('SSH client', 'SSH key', 'TCP reach', 'SSH login', 'Scheduler commands', 'Run root writable', 'Clock skew')
        $checks | Where-Object Status -ne 'Pass' | ForEach-Object { "$($_.Name): $($_.Detail)" } | Should -BeNullOrEmpty
    }

    It 'serves a green result from the cache, and -Force re-probes' {
        Test-SwarmSite -Name pester-ssh -Force | Out-Null
        (Test-SwarmSite -Name pester-ssh).FromCache | Should -Not -Contain $false
        (Test-SwarmSite -Name pester-ssh -Force).FromCache | Should -Not -Contain $true
        Join-Path $env:XDG_CACHE_HOME 'swarmps/preflight/pester-ssh.json' | Should -Exist
    }

    It 'takes site names from the pipeline by property name' {
        $checks = [pscustomobject]@{ Name = 'pester-ssh' }, [pscustomobject]@{ Name = 'pester-local' } | Test-SwarmSite
        $checks.Site | Sort-Object -Unique | Should -Be @('pester-local', 'pester-ssh')
    }
}

Describe 'Test-SwarmSite on an unreachable site' {
    It 'fails <Check> quickly with a fix instead of hanging' -TestCases @(
        @{ Check = 'TCP reach'; Expect = 'refused' }
        @{ Check = 'SSH login'; Expect = "Skipped because 'TCP reach' failed" }
        @{ Check = 'Scheduler commands'; Expect = 'Skipped because' }
        @{ Check = 'Clock skew'; Expect = 'Skipped because' }
    ) {
        param($Check, $Expect)
        $elapsed = Measure-Command { $script:checks = Test-SwarmSite -Name pester-closed -Force }
        $elapsed.TotalSeconds | Should -BeLessThan 30
        $row = $script:checks | Where-Object Name -eq $Check
        $row.Status | Should -Be 'Fail'
        $row.Detail | Should -BeLike "*$Expect*"
        $row.Detail | Should -BeLike '*Fix:*'
    }

    It 'never caches a failing result' {
        Test-SwarmSite -Name pester-closed | Out-Null
        Join-Path $env:XDG_CACHE_HOME 'swarmps/preflight/pester-closed.json' | Should -Not -Exist
    }
}

Describe 'Test-SwarmSite with a bad name' {
    It 'reports an unknown site as SiteNotFound and goes on with the next name' {
        $checks = Test-SwarmSite -Name no-such-site, pester-local -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems.FullyQualifiedErrorId | Should -Be 'SiteNotFound,SwarmPS.Cmdlets.TestSwarmSiteCommand'
        $checks.Site | Sort-Object -Unique | Should -Be 'pester-local'
    }

    It 'stops with SiteNotFound under -ErrorAction Stop' {
        { Test-SwarmSite -Name no-such-site -ErrorAction Stop } |
            Should -Throw -ErrorId 'SiteNotFound,SwarmPS.Cmdlets.TestSwarmSiteCommand'
    }
}
