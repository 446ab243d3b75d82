# Acceptance tests of Sync-SwarmCode: an experiment's git repository (on TestDrive) shipped to a local site
# and to a remote site, user swarmps-remote behind a real sshd on 127.0.0.1 (tests/infra/start-remote-user.sh),
# by rsync and by the tar stream. The remote tree is read back over the same ssh as that user.
# Needs root (the infra script creates the user), git and rsync. Run after building:
#   Invoke-Pester ./tests/pester/CodeSync.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH'
    $script:Remote = Start-RemoteUser

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    $script:LocalRoot = Join-Path $TestDrive 'local-runs'
    Set-Content -Path (Join-Path $sites 'here.yaml') -Value "scheduler: local`nrun_root: $script:LocalRoot`n"
    Set-Content -Path (Join-Path $sites 'far.yaml') -Value "scheduler: local`nrun_root: ~/swarm-code-pester`n$($script:Remote.SshYaml)"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    # Runs a shell snippet on the remote site as its user; returns its output lines.
    function Invoke-Far([string] $Script) { Invoke-RemoteUser $script:Remote $Script }

    # The remote user's home outlives a test run: start from no shipped code, so the first sync ships.
    Invoke-Far 'rm -rf ~/swarm-code-pester'

    # A fresh experiment repository: tracked code, an ignored output, an untracked new file, an executable.
    function New-Experiment([string] $Name) {
        $repo = New-Item -ItemType Directory -Path (Join-Path $TestDrive $Name)
        Push-Location $repo
        try {
            git init -q .
            Set-Content train.py "print('v1')"
            New-Item -ItemType Directory src | Out-Null
            Set-Content src/model.py 'LAYERS = 2'
            Set-Content run.sh "#!/bin/sh`necho run"
            chmod 755 run.sh
            Set-Content .gitignore "outputs/`n*.ckpt"
            New-Item -ItemType Directory outputs | Out-Null
            Set-Content outputs/result.txt 'big'
            Set-Content weights.ckpt 'weights'
            Set-Content notes.tmp 'scratch'
            git add train.py src .gitignore run.sh
            git -c user.email=t@t -c user.name=t commit -qm init
            Set-Content untracked.py 'NEW = 1'
        }
        finally {
            Pop-Location
        }
        $repo.FullName
    }
}

AfterAll {
    Stop-RemoteUser $script:Remote
    Restore-Environment $script:Saved
}

Describe 'Sync-SwarmCode to a local site' {
    It 'ships first, skips an unchanged tree, ships a changed one, and honours .gitignore and -Exclude' {
        $repo = New-Experiment 'exp-local'
        $first = Sync-SwarmCode -Site here -Path $repo -Exclude '*.tmp' -Confirm:$false
        $first.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.CodeSync.CodeSyncResult'
        $first.Shipped | Should -BeTrue
        $first.Transport | Should -Be 'local'
        $first.Destination | Should -Be (Join-Path $script:LocalRoot 'code/exp-local')
        $first.TreeHash | Should -Match '^[0-9a-f]{64}$'
        $shipped = @(Get-ChildItem -Path $first.Destination -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($first.Destination, $_.FullName) } | Sort-Object)
        $shipped | Should -Be @('.gitignore', '.swarm-code.json', 'run.sh', 'src/model.py', 'train.py', 'untracked.py')
        $first.Files | Should -Be 5
        (Get-Content (Join-Path $first.Destination '.swarm-code.json') -Raw | ConvertFrom-Json).tree_hash | Should -Be $first.TreeHash
        # Owner-only on a shared host; the executable stays executable for its owner.
        [int] (Get-Item (Join-Path $first.Destination 'train.py')).UnixFileMode | Should -Be 0x180 -Because 'files are 0600'
        [int] (Get-Item (Join-Path $first.Destination 'run.sh')).UnixFileMode | Should -Be 0x1C0 -Because 'executables are 0700'
        [int] (Get-Item $first.Destination).UnixFileMode | Should -Be 0x1C0 -Because 'folders are 0700'
        [int] (Get-Item (Join-Path $first.Destination 'src')).UnixFileMode | Should -Be 0x1C0 -Because 'folders are 0700'

        $second = Sync-SwarmCode -Site here -Path $repo -Exclude '*.tmp' -Confirm:$false
        $second.Shipped | Should -BeFalse
        $second.TreeHash | Should -Be $first.TreeHash

        Set-Content (Join-Path $repo 'train.py') "print('v2')"
        $third = Sync-SwarmCode -Site here -Path $repo -Exclude '*.tmp' -Confirm:$false
        $third.Shipped | Should -BeTrue
        $third.TreeHash | Should -Not -Be $first.TreeHash
        Get-Content (Join-Path $third.Destination 'train.py') | Should -Be "print('v2')"

        (Sync-SwarmCode -Site here -Path $repo -Exclude '*.tmp' -Force -Confirm:$false).Shipped | Should -BeTrue
    }

    It '-WhatIf shows the tree and changes nothing' {
        $repo = New-Experiment 'exp-whatif'
        # What if: text goes to the host, so a child pwsh shows it on its stdout.
        $pwsh = $PwshPath
        $script = "Import-Module '$ModuleManifest'; `$env:SWARMPS_SITE_PATH = '$env:SWARMPS_SITE_PATH'; Sync-SwarmCode -Site here -Path '$repo' -WhatIf"
        $out = & $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $out | Should -Match 'Ship code'
        $out | Should -Match '6 file\(s\), \d+ bytes, tree [0-9a-f]{64}, to .*code/exp-whatif on site here by local'
        Test-Path (Join-Path $script:LocalRoot 'code/exp-whatif') | Should -BeFalse

        Sync-SwarmCode -Site here -Path $repo -Confirm:$false | Out-Null
        $again = & $pwsh -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $again | Should -Match 'unchanged on the site: skip'
    }

    It 'takes the site from Get-SwarmSite and the folder name from -CodeName' {
        $repo = New-Experiment 'exp-named'
        $result = Get-SwarmSite here | Sync-SwarmCode -Path $repo -CodeName renamed -Confirm:$false
        $result.Site | Should -Be 'here'
        $result.Destination | Should -Be (Join-Path $script:LocalRoot 'code/renamed')
    }

    It 'refuses <Case> with <ErrorId>' -TestCases @(
        @{ Case = 'a missing folder'; ErrorId = 'CodePathNotFound'; Arguments = @{ Site = 'here'; Path = 'TestDrive:/nowhere' } }
        @{ Case = 'an unknown site'; ErrorId = 'SiteNotFound'; Arguments = @{ Site = 'no-such-site'; Path = 'TestDrive:/' } }
        @{ Case = 'a bad code name'; ErrorId = 'CodeNameInvalid'; Arguments = @{ Site = 'here'; Path = 'TestDrive:/'; CodeName = '../up' } }
        @{ Case = 'an empty exclude'; ErrorId = 'CodeExcludeInvalid'; Arguments = @{ Site = 'here'; Path = 'TestDrive:/'; Exclude = '/' } }
    ) {
        param($Case, $ErrorId, $Arguments)
        { Sync-SwarmCode @Arguments -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.SyncSwarmCodeCommand"
    }

    It 'refuses a symbolic link that points outside the tree, and ships one inside it as a link' {
        $repo = New-Experiment 'exp-links'
        New-Item -ItemType SymbolicLink -Path (Join-Path $repo 'inside.py') -Target 'train.py' | Out-Null
        $result = Sync-SwarmCode -Site here -Path $repo -Confirm:$false
        (Get-Item (Join-Path $result.Destination 'inside.py')).LinkTarget | Should -Be 'train.py'

        New-Item -ItemType SymbolicLink -Path (Join-Path $repo 'passwd') -Target '/etc/passwd' | Out-Null
        { Sync-SwarmCode -Site here -Path $repo -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'CodeLinkOutsideTree,SwarmPS.Cmdlets.SyncSwarmCodeCommand'
    }
}

Describe 'Sync-SwarmCode to a remote site over ssh' {
    It 'ships by <Transport>, skips an unchanged tree, ships a change, and the remote files match' -TestCases @(
        @{ Transport = 'rsync' }
        @{ Transport = 'tar' }
    ) {
        param($Transport)
        $repo = New-Experiment "exp-far-$Transport"
        $first = Sync-SwarmCode -Site far -Path $repo -Transport $Transport -Exclude 'notes.*' -Confirm:$false
        $first.Shipped | Should -BeTrue
        $first.Transport | Should -Be $Transport
        $first.Destination | Should -Be "$($script:Remote.Home)/swarm-code-pester/code/exp-far-$Transport"
        $listing = @(Invoke-Far "cd '$($first.Destination)' && find . -type f | sort")
        $listing | Should -Be @('./.gitignore', './.swarm-code.json', './run.sh', './src/model.py', './train.py', './untracked.py')
        $d = $first.Destination
        @(Invoke-Far "stat -c '%a %U' '$d' '$d/src' '$d/train.py' '$d/run.sh' '$d/.swarm-code.json' '$d/..'") |
            Should -Be @('700', '700', '600', '700', '600', '700' | ForEach-Object { "$_ $($script:Remote.User)" })

        (Sync-SwarmCode -Site far -Path $repo -Transport $Transport -Exclude 'notes.*' -Confirm:$false).Shipped | Should -BeFalse

        Set-Content (Join-Path $repo 'src/model.py') 'LAYERS = 3'
        Remove-Item (Join-Path $repo 'untracked.py')
        $changed = Sync-SwarmCode -Site far -Path $repo -Transport $Transport -Exclude 'notes.*' -Confirm:$false
        $changed.Shipped | Should -BeTrue
        Invoke-Far "cat '$($first.Destination)/src/model.py'" | Should -Be 'LAYERS = 3'
        Invoke-Far "test -e '$($first.Destination)/untracked.py' && echo present || echo gone" | Should -Be 'gone'
        (Invoke-Far "cat '$($first.Destination)/.swarm-code.json'" | ConvertFrom-Json).tree_hash | Should -Be $changed.TreeHash
        # No staging or old trees are left beside the code folder.
        @(Invoke-Far "ls -A '$($script:Remote.Home)/swarm-code-pester/code'") -match 'swarm-(tmp|old)' | Should -BeNullOrEmpty
    }

    It 'picks rsync by default when both ends have it' {
        $repo = New-Experiment 'exp-far-auto'
        (Sync-SwarmCode -Site far -Path $repo -Confirm:$false).Transport | Should -Be 'rsync'
    }

    It 'names the unreachable site when ssh cannot connect' {
        Set-Content -Path (Join-Path $env:SWARMPS_SITE_PATH 'gone.yaml') -Value ("scheduler: local`nrun_root: ~/x`n" + ($script:Remote.SshYaml -replace "port: $($script:Remote.Port)", 'port: 1'))
        $repo = New-Experiment 'exp-gone'
        { Sync-SwarmCode -Site gone -Path $repo -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SiteUnreachable,SwarmPS.Cmdlets.SyncSwarmCodeCommand'
    }
}

Describe 'A job plan that runs shipped code (New-SwarmJobPlan -Code)' {
    It 'keys and records the job by the shipped tree hash, gives the tasks SWARM_CODE_DIR, and makes changed code a new job' {
        $repo = New-Experiment 'planned-code'
        $first = Sync-SwarmCode -Site here -Path $repo -CodeName planned
        Push-Location $TestDrive
        try {
            $tasks = New-SwarmTaskSet -Seeds 2
            $plan = $tasks | New-SwarmJobPlan -Site here -Code planned -Command 'sh', '-c', 'cat "$SWARM_CODE_DIR/src/model.py" > seen.txt'
            $plain = $tasks | New-SwarmJobPlan -Site here -Command 'sh', '-c', 'cat "$SWARM_CODE_DIR/src/model.py" > seen.txt'
            $plan.Code.TreeHash | Should -Be $first.TreeHash
            $plan.Code.Directory | Should -Be (Join-Path $script:LocalRoot 'code/planned')
            $plan.Key | Should -Not -Be $plain.Key

            $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
            $job.State | Should -Be 'Succeeded'
            Get-Content (Join-Path $job.JobRoot 'results/1/seen.txt') | Should -Be 'LAYERS = 2'
            (Get-Content -Raw (Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json") | ConvertFrom-Json).CodeHash | Should -Be $first.TreeHash

            Set-Content (Join-Path $repo 'src/model.py') 'LAYERS = 3'
            $second = Sync-SwarmCode -Site here -Path $repo -CodeName planned
            $second.TreeHash | Should -Not -Be $first.TreeHash
            $changed = $tasks | New-SwarmJobPlan -Site here -Code planned -Command 'sh', '-c', 'cat "$SWARM_CODE_DIR/src/model.py" > seen.txt'
            $changed.Key | Should -Not -Be $plan.Key
        }
        finally {
            Pop-Location
        }
    }

    It 'refuses -Resume after the code changed (JobCodeChanged), and -Resume -Force reruns only the failed task with the new code' {
        $repo = New-Experiment 'resumed-code'
        # Version 1 of the code fails task 1; version 2 fixes it.
        Set-Content (Join-Path $repo 'check.sh') "cat `"`$SWARM_CODE_DIR/src/model.py`" > seen.txt`n[ `"`$SWARM_TASK_INDEX`" != 1 ]"
        $first = Sync-SwarmCode -Site here -Path $repo -CodeName resumed
        Push-Location $TestDrive
        try {
            $tasks = New-SwarmTaskSet -Seeds 3
            $command = 'sh', '-c', 'sh "$SWARM_CODE_DIR/check.sh"'
            $plan = $tasks | New-SwarmJobPlan -Site here -Code resumed -Command $command
            $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 -ErrorAction SilentlyContinue
            $job.State | Should -Be 'Failed'
            @($job.Tasks | Where-Object State -eq Failed).Task | Should -Be @(1)

            Set-Content (Join-Path $repo 'check.sh') "cat `"`$SWARM_CODE_DIR/src/model.py`" > seen.txt"
            Set-Content (Join-Path $repo 'src/model.py') 'LAYERS = 3'
            $second = Sync-SwarmCode -Site here -Path $repo -CodeName resumed
            $changed = $tasks | New-SwarmJobPlan -Site here -Code resumed -Command $command
            $changed.Key | Should -Not -Be $plan.Key

            $refused = $null
            try { $changed | Submit-SwarmJob -Resume -ErrorAction Stop } catch { $refused = $_ }
            $refused.FullyQualifiedErrorId | Should -Be 'JobCodeChanged,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
            $refused.Exception.Message | Should -Match "job $($plan.Key) with code $($first.TreeHash.Substring(0, 12))"
            $refused.ErrorDetails.RecommendedAction + $refused.Exception.Message | Should -Match '-Force'
            Join-Path $TestDrive ".swarm/jobs/$($changed.Key).json" | Should -Not -Exist

            $resumed = $changed | Submit-SwarmJob -Resume -Force | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
            $resumed.Id | Should -Be $plan.Key
            $resumed.State | Should -Be 'Succeeded'
            Get-Content (Join-Path $resumed.JobRoot 'results/1/seen.txt') | Should -Be 'LAYERS = 3'
            Get-Content (Join-Path $resumed.JobRoot 'results/0/seen.txt') | Should -Be 'LAYERS = 2'   # not run again
            $record = Get-Content -Raw (Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json") | ConvertFrom-Json
            $record.CodeHash | Should -Be $second.TreeHash
            @($record.Attempts.CodeHash) | Should -Be @($first.TreeHash, $second.TreeHash)
            @($record.Attempts[1].Selection) | Should -Be @(1)
            Join-Path $TestDrive ".swarm/jobs/$($changed.Key).json" | Should -Not -Exist
        }
        finally {
            Pop-Location
        }
    }

    It '-Force without -Resume is refused' {
        { New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site here -Command 'true' | Submit-SwarmJob -Force -ErrorAction Stop } |
            Should -Throw -ErrorId 'ForceNeedsResume,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
    }

    It 'refuses code that was never shipped under that name' {
        { New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site here -Code never-shipped -Command 'true' } |
            Should -Throw -ErrorId 'CodeNotShipped,SwarmPS.Cmdlets.NewSwarmJobPlanCommand'
    }
}
