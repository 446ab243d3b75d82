# Acceptance tests for the pytorch.cpu trainer (trainers/pytorch_cpu/train.py, docs/trainer-contract.md): the
# real trainer in a child process on files in TestDrive, its adapter read by Get-SwarmAdapter. The base
# snapshot comes from tests/pester/tiny-base.py, a stdlib writer of the contract's base independent of the
# trainer. Needs /usr/bin/python3 with python3-torch (Debian; .ci/run installs it): without it every test
# here fails, saying so, rather than skip.
# Run after building: Invoke-Pester ./tests/pester/TrainerPytorch.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Python = '/usr/bin/python3'
    $script:Trainer = Join-Path $RepoRoot 'trainers/pytorch_cpu/train.py'
    $script:Helper = Join-Path $PSScriptRoot 'tiny-base.py'
    $script:Corpus = Join-Path $RepoRoot 'examples/training/corpus'
    $torch = & $script:Python -c 'import torch; print(torch.__version__)' 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw "PyTorch is missing for ${script:Python} ($torch): install Debian's python3-torch (apt-get install python3-torch; .ci/run installs it)."
    }

    $script:Base = Join-Path $TestDrive 'base.safetensors'
    & $script:Python $script:Helper base $script:Base 1
    if ($LASTEXITCODE -ne 0) { throw 'tests/pester/tiny-base.py could not write the base snapshot.' }
    $script:BaseDigest = 'sha256:' + (Get-FileHash $script:Base -Algorithm SHA256).Hash.ToLowerInvariant()
    $script:PlanDigest = 'sha256:' + ('ab' * 32)

    # A train job on shard-0 (base_seed 1, rank 4, alpha 8, seed 7, lr 0.5; 1000 steps, heartbeats every 200 ms
    # at most, so that even a quiet machine beats between the first and the last) into a fresh output
    # directory; -Set replaces or adds fields, -Remove drops some. Returns the job file's path.
    $script:JobNumber = 0
    function New-TrainerJob([hashtable] $Set = @{}, [string[]] $Remove = @(), [string] $Mode = 'train') {
        $script:JobNumber++
        $job = [ordered]@{
            schema_version       = 1
            mode                 = $Mode
            backend              = 'pytorch.cpu'
            base_snapshot_path   = $script:Base
            base_snapshot_digest = $script:BaseDigest
            adapter_contract     = [ordered]@{ target_modules = @('lm_head'); rank = 4; alpha = 8; dtype = 'F32' }
            output_directory     = Join-Path $TestDrive "out-$($script:JobNumber)"
        }
        if ($Mode -eq 'train') {
            $job.run_id = 'tiny-run.1'; $job.contributor = 'alice'; $job.site = 'alpha'; $job.plan_digest = $script:PlanDigest
            $job.data_shard = 'shard-0'; $job.data_path = Join-Path $script:Corpus 'shard-0.txt'
            $job.steps = 1000; $job.seed = 7; $job.learning_rate = 0.5; $job.heartbeat_interval_ms = 200
        }
        else {
            $job.data_shard = 'held-out'; $job.data_path = Join-Path $script:Corpus 'held-out.txt'
        }
        foreach ($name in $Set.Keys) { $job[$name] = $Set[$name] }
        foreach ($name in $Remove) { $job.Remove($name) }
        $path = Join-Path $TestDrive "job-$($script:JobNumber).json"
        Set-Content -Path $path -Value ($job | ConvertTo-Json -Depth 5) -NoNewline
        $path
    }

    # Runs the trainer on a job in a child process: its exit code, its stdout lines parsed, its stderr, and
    # the job (for the output directory).
    function Invoke-Trainer([string] $JobPath) {
        $errors = Join-Path $TestDrive "stderr-$([IO.Path]::GetFileNameWithoutExtension($JobPath)).txt"
        $lines = @(& $script:Python $script:Trainer $JobPath 2> $errors)
        [pscustomobject]@{
            ExitCode = $LASTEXITCODE
            Events   = @($lines | ForEach-Object { $_ | ConvertFrom-Json -DateKind String })
            Stderr   = (Get-Content -Raw $errors)
            Job      = Get-Content -Raw $JobPath | ConvertFrom-Json -DateKind String
        }
    }

    function Get-Sha256([string] $Path) { 'sha256:' + (Get-FileHash $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    $script:Trained = Invoke-Trainer (New-TrainerJob)
    $script:TrainedOutput = $script:Trained.Job.output_directory
}

Describe 'SplitMix64 and the base snapshot' {
    It 'gives the contract''s known outputs, in the test helper and in the trainer' {
        # Seed 1's first output is the one docs/trainer-contract.md's readers check; seed 0's are SplitMix64's
        # published reference values; the dotnet.cpu trainer's tests assert seed 1's first output too.
        $seed1 = '0x910A2DEC89025CC1', '0xBEEB8DA1658EEC67', '0xF893A2EEFB32555E', '0x71C18690EE42C90B', '0x71BB54D8D101B5B9'
        $seed0 = '0xE220A8397B1DCDAF', '0x6E789E6AA1B965F4'

        & $script:Python $script:Helper splitmix 1 5 | Should -Be $seed1
        & $script:Python $script:Helper splitmix 0 2 | Should -Be $seed0
        $module = Join-Path $RepoRoot 'trainers/pytorch_cpu'
        $trainer = & $script:Python -B -c "import sys; sys.path.insert(0, '$module'); from splitmix64 import SplitMix64
for seed, n in ((1, 5), (0, 2)):
    g = SplitMix64(seed); print(*['0x%016X' % g.next() for _ in range(n)])"
        $trainer | Should -Be @(($seed1 -join ' '), ($seed0 -join ' '))
    }

    It 'writes the base of base_seed 1 with a pinned digest (the one the dotnet.cpu base mode must match)' {
        # Metadata {"format": "pt"}, tensors in the reference order: the bytes every writer of this base agrees on.
        $script:BaseDigest | Should -Be 'sha256:7691528e6735ff68cd77c460fb969d836dcb808296a6b62a9f131cb3774a34c7'
    }
}

Describe 'pytorch.cpu trainer: train' {
    It 'trains a rank-4 LoRA pair on lm_head that Get-SwarmAdapter reads, with the contract''s metadata' {
        $script:Trained.ExitCode | Should -Be 0 -Because $script:Trained.Stderr
        $adapterPath = Join-Path $script:TrainedOutput 'adapter.safetensors'
        $adapter = Get-SwarmAdapter -Path $adapterPath

        $adapter.Rank | Should -Be 4
        $adapter.LoraModules | Should -HaveCount 1
        $adapter.LoraModules[0].Module | Should -Be 'base_model.model.lm_head'
        $adapter.LoraModules[0].InFeatures | Should -Be 128
        $adapter.LoraModules[0].OutFeatures | Should -Be 32
        $adapter.LoraProblems | Should -BeNullOrEmpty
        @($adapter.Tensors | ForEach-Object { "$($_.DType)" } | Sort-Object -Unique) | Should -Be @('F32')
        $adapter.Metadata['format'] | Should -Be 'pt'
        $adapter.Metadata['lora_alpha'] | Should -Be '8'
        $adapter.Metadata['swarmps_backend'] | Should -Be 'pytorch.cpu'
        $adapter.Metadata['swarmps_plan_digest'] | Should -Be $script:PlanDigest
    }

    It 'writes the manifest of docs/training.md in canonical JSON, its adapter_digest the file''s sha256' {
        $manifestPath = Join-Path $script:TrainedOutput 'manifest.json'
        $text = [IO.File]::ReadAllText($manifestPath)
        $manifest = $text | ConvertFrom-Json -AsHashtable -DateKind String

        $manifest.Keys | Sort-Object | Should -Be (@('schema_version', 'run_id', 'contributor', 'site', 'backend', 'base_snapshot_digest',
                'adapter_contract', 'data_shard', 'example_count', 'steps', 'seed', 'loss_before', 'loss_after', 'started_at', 'ended_at',
                'heartbeat_count', 'adapter_digest') | Sort-Object)
        $manifest.adapter_digest | Should -Be (Get-Sha256 (Join-Path $script:TrainedOutput 'adapter.safetensors'))
        # The output directory was created owner-only; each file was a 0600 temporary renamed into place.
        (Get-Item $script:TrainedOutput).UnixMode | Should -Be 'drwx------'
        (Get-Item $manifestPath).UnixMode | Should -Be '-rw-------'
        @(Get-ChildItem -Force $script:TrainedOutput).Name | Sort-Object | Should -Be @('adapter.safetensors', 'manifest.json')
        $manifest.schema_version | Should -Be 1
        $manifest.run_id, $manifest.contributor, $manifest.site, $manifest.data_shard | Should -Be 'tiny-run.1', 'alice', 'alpha', 'shard-0'
        $manifest.backend | Should -Be 'pytorch.cpu'
        $manifest.base_snapshot_digest | Should -Be $script:BaseDigest
        $manifest.adapter_contract.target_modules | Should -Be @('lm_head')
        $manifest.adapter_contract.rank, $manifest.adapter_contract.alpha, $manifest.adapter_contract.dtype | Should -Be 4, 8, 'F32'
        $manifest.steps, $manifest.seed | Should -Be 1000, 7
        # One example per character of a non-empty line, plus its end of line: counted here independently.
        $expected = (Get-Content (Join-Path $script:Corpus 'shard-0.txt') | Where-Object { $_ } | ForEach-Object { $_.Length + 1 } | Measure-Object -Sum).Sum
        $manifest.example_count | Should -Be $expected
        $manifest.loss_after | Should -BeLessThan ($manifest.loss_before - 1)
        $manifest.started_at, $manifest.ended_at | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$'
        $manifest.ended_at | Should -BeGreaterOrEqual $manifest.started_at

        # Canonical: the bytes Python's json.dumps(sort_keys=True, indent=2) + "\n" writes for the same object,
        # alpha a float (SwarmPS reads it as a double and writes 8.0).
        $text | Should -Match '"alpha": 8\.0,'
        $again = & $script:Python -c "import json, sys; m = json.load(open(sys.argv[1])); sys.stdout.write(json.dumps(m, sort_keys=True, indent=2) + '\n')" $manifestPath
        ($again -join "`n") + "`n" | Should -BeExactly $text
    }

    It 'writes a manifest SwarmPS''s own reader accepts and writes back to the same bytes' {
        # No cmdlet reads a manifest yet, so the engine's reader (ContributionManifestJson, every field checked
        # as from a hostile site) is called from a few lines of C#; the engine resolves to the module's copy.
        if (-not ('TrainerPytorchManifestCheck' -as [type])) {
            Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies (Join-Path $RepoRoot 'bin/dependencies/SwarmPS.Engine.dll') -TypeDefinition @'
public static class TrainerPytorchManifestCheck
{
    public static string[] ReadAndWrite(byte[] bytes, string source)
    {
        var manifest = SwarmPS.Engine.Training.ContributionManifestJson.Parse(bytes, source);
        var again = SwarmPS.Engine.Training.ContributionManifestJson.Serialize(manifest);
        return new[] { manifest.Backend, manifest.AdapterDigest, System.Convert.ToHexString(again) };
    }
}
'@
        }
        $manifestPath = Join-Path $script:TrainedOutput 'manifest.json'
        $bytes = [IO.File]::ReadAllBytes($manifestPath)

        $backend, $adapterDigest, $written = [TrainerPytorchManifestCheck]::ReadAndWrite($bytes, $manifestPath)
        $backend | Should -Be 'pytorch.cpu'
        $adapterDigest | Should -Be (Get-Sha256 (Join-Path $script:TrainedOutput 'adapter.safetensors'))
        $written | Should -BeExactly ([Convert]::ToHexString($bytes))
    }

    It 'prints training heartbeats from step 0 to the last step, at least every heartbeat_interval_ms, then done' {
        $events = $script:Trained.Events
        $beats = @($events | Where-Object { $_.event -eq 'heartbeat' -and $_.phase -eq 'train' })
        $manifest = Get-Content -Raw (Join-Path $script:TrainedOutput 'manifest.json') | ConvertFrom-Json -DateKind String

        $beats[0].step | Should -Be 0
        $beats[0].loss | Should -Be $manifest.loss_before
        $beats[-1].step | Should -Be 1000
        # Exactly the contract's fields: a third trainer's author reads the same line here as in the contract.
        $beats | ForEach-Object { @($_.PSObject.Properties.Name | Sort-Object) | Should -Be @('at', 'event', 'loss', 'phase', 'step') }
        # 1000 steps take about half a second on a quiet core: beats between the first and the last.
        $beats.Count | Should -BeGreaterOrEqual 3
        ($beats | ForEach-Object step) | Should -Be (($beats | ForEach-Object step) | Sort-Object) -Because 'steps only go forward'
        $times = $beats | ForEach-Object { [DateTime]::ParseExact($_.at, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture) }
        for ($i = 1; $i -lt $times.Count; $i++) {
            ($times[$i] - $times[$i - 1]).TotalMilliseconds | Should -BeLessOrEqual 200 -Because "beat $i (step $($beats[$i].step)) follows the one before"
        }
        $events[-1].event | Should -Be 'done'
        $events[-1].output | Should -Be (Join-Path $script:TrainedOutput 'manifest.json')
    }

    It 'prints setup heartbeats from the moment the job is read until step 0, counted in heartbeat_count, so the manifest does not look stale' {
        $events = $script:Trained.Events
        $manifest = Get-Content -Raw (Join-Path $script:TrainedOutput 'manifest.json') | ConvertFrom-Json -DateKind String
        $stepZero = [array]::FindIndex([object[]] $events, [Predicate[object]] { param($e) $e.event -eq 'heartbeat' -and $e.phase -eq 'train' })
        $setup = @($events[0..($stepZero - 1)])

        # Every line before step 0 is a setup heartbeat (the first is printed as soon as the job is read, so
        # there is always one), none comes after, and each has exactly the contract's fields: no step, no loss.
        $stepZero | Should -BeGreaterOrEqual 1
        $setup | ForEach-Object { $_.event, $_.phase | Should -Be 'heartbeat', 'setup' }
        $setup | ForEach-Object { @($_.PSObject.Properties.Name | Sort-Object) | Should -Be @('at', 'event', 'phase') }
        @($events[$stepZero..($events.Count - 1)] | Where-Object phase -eq 'setup') | Should -BeNullOrEmpty
        $at = { param($e) [DateTime]::ParseExact($e.at, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture) }
        $times = @($events[0..$stepZero] | ForEach-Object { & $at $_ })
        for ($i = 1; $i -lt $times.Count; $i++) { $times[$i] | Should -BeGreaterOrEqual $times[$i - 1] -Because 'setup beats are in time order' }

        # started_at is taken when the job is read, before the first setup beat; heartbeat_count counts every
        # heartbeat line, setup ones too; so the validator's average, (ended_at - started_at) / heartbeat_count,
        # stays within the interval although setup (reading, import torch, h) took most of the run.
        @($events | Where-Object event -eq 'heartbeat').Count | Should -Be $manifest.heartbeat_count
        $started = & $at ([pscustomobject]@{ at = $manifest.started_at })
        $ended = & $at ([pscustomobject]@{ at = $manifest.ended_at })
        $started | Should -BeLessOrEqual $times[0]
        ($ended - $started).TotalMilliseconds / $manifest.heartbeat_count | Should -BeLessOrEqual 200
        # On average the setup beats keep to the interval; single gaps are not measured, a loaded machine may delay one.
        if ($times.Count -gt 2) { ($times[-1] - $times[0]).TotalMilliseconds / ($times.Count - 1) | Should -BeLessOrEqual 200 }
    }

    It 'writes the same adapter, bit for bit, when the same job runs again' {
        $job = New-TrainerJob
        $again = Invoke-Trainer $job

        $again.ExitCode | Should -Be 0 -Because $again.Stderr
        Get-Sha256 (Join-Path $again.Job.output_directory 'adapter.safetensors') |
            Should -Be (Get-Sha256 (Join-Path $script:TrainedOutput 'adapter.safetensors'))
        $first = Get-Content -Raw (Join-Path $script:TrainedOutput 'manifest.json') | ConvertFrom-Json -DateKind String
        $second = Get-Content -Raw (Join-Path $again.Job.output_directory 'manifest.json') | ConvertFrom-Json -DateKind String
        $second.loss_after | Should -Be $first.loss_after
    }
}

Describe 'pytorch.cpu trainer: evaluate' {
    It 'measures a lower held-out loss with the trained adapter than with the base alone' {
        $adapterPath = Join-Path $script:TrainedOutput 'adapter.safetensors'
        $run = Invoke-Trainer (New-TrainerJob -Mode evaluate -Set @{ adapter_path = $adapterPath })

        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $path = Join-Path $run.Job.output_directory 'evaluation.json'
        $run.Events[-1].output | Should -Be $path
        $evaluation = Get-Content -Raw $path | ConvertFrom-Json -AsHashtable -DateKind String
        $evaluation.Keys | Sort-Object | Should -Be @('adapter_digest', 'adapter_loss', 'backend', 'base_loss', 'base_snapshot_digest', 'held_out_shard')
        $evaluation.adapter_digest | Should -Be (Get-Sha256 $adapterPath)
        $evaluation.base_snapshot_digest | Should -Be $script:BaseDigest
        $evaluation.held_out_shard | Should -Be 'held-out'
        $evaluation.backend | Should -Be 'pytorch.cpu'
        $evaluation.adapter_loss | Should -BeLessThan ($evaluation.base_loss - 1)
    }

    It 'evaluates the base alone when the job names no adapter' {
        $run = Invoke-Trainer (New-TrainerJob -Mode evaluate)

        $run.ExitCode | Should -Be 0 -Because $run.Stderr
        $evaluation = Get-Content -Raw (Join-Path $run.Job.output_directory 'evaluation.json') | ConvertFrom-Json -DateKind String
        $evaluation.base_loss | Should -BeGreaterThan 3
        $evaluation.adapter_digest | Should -BeNullOrEmpty
        $evaluation.adapter_loss | Should -BeNullOrEmpty
    }
}

Describe 'pytorch.cpu trainer: refusals' {
    BeforeAll {
        $script:NotSafetensors = Join-Path $TestDrive 'not-a-base.safetensors'
        [IO.File]::WriteAllBytes($script:NotSafetensors, [Text.Encoding]::ASCII.GetBytes('this is not a safetensors file'))
        $script:BadData = Join-Path $TestDrive 'bad-data.txt'
        Set-Content -Path $script:BadData -Value "a cat sees a dog.`n`nthe dog sees Me.`n" -NoNewline
    }

    It 'refuses <Case> with <ErrorId>, exit 2, one error line and a sentence, no manifest or adapter' -TestCases @(
        @{ Case = 'a missing field'; ErrorId = 'TrainerJobInvalid'; Remove = @('seed'); Names = "'seed'" }
        @{ Case = 'an unknown field'; ErrorId = 'TrainerJobInvalid'; Set = @{ learning_rat = 0.5 }; Names = "'learning_rat'" }
        @{ Case = 'another backend''s job'; ErrorId = 'TrainerJobInvalid'; Set = @{ backend = 'dotnet.cpu' }; Names = "'backend'" }
        @{ Case = 'the base mode'; ErrorId = 'TrainerJobInvalid'; Set = @{ mode = 'base'; base_seed = 1 }; Names = "'mode'" }
        @{ Case = 'a base with another digest'; ErrorId = 'BaseSnapshotMismatch'; Set = @{ base_snapshot_digest = 'sha256:' + ('0' * 64) }; Names = 'base.safetensors'; Read = $true }
        @{ Case = 'a base that is not safetensors'; ErrorId = 'BaseSnapshotInvalid'; NotSafetensors = $true; Names = 'not-a-base.safetensors'; Read = $true }
        @{ Case = 'another target module'; ErrorId = 'AdapterContractUnsupported'; Contract = @{ target_modules = @('q_proj') }; Names = 'lm_head' }
        @{ Case = 'an F16 contract'; ErrorId = 'AdapterContractUnsupported'; Contract = @{ dtype = 'F16' }; Names = 'F16' }
        @{ Case = 'a character with no token'; ErrorId = 'DataFileInvalid'; BadData = $true; Names = 'line 3'; Read = $true }
    ) {
        param($Case, $ErrorId, $Remove, $Set, $Contract, $NotSafetensors, $BadData, $Names, $Read)
        $fields = if ($Set) { $Set.Clone() } else { @{} }
        if ($Contract) {
            $contractFields = [ordered]@{ target_modules = @('lm_head'); rank = 4; alpha = 8; dtype = 'F32' }
            foreach ($name in $Contract.Keys) { $contractFields[$name] = $Contract[$name] }
            $fields.adapter_contract = $contractFields
        }
        if ($NotSafetensors) { $fields.base_snapshot_path = $script:NotSafetensors; $fields.base_snapshot_digest = Get-Sha256 $script:NotSafetensors }
        if ($BadData) { $fields.data_path = $script:BadData }
        $run = Invoke-Trainer (New-TrainerJob -Set $fields -Remove @($Remove | Where-Object { $_ }))

        $run.ExitCode | Should -Be 2
        # A job refused as it is read prints the error alone; one refused after (its base, its data) had begun
        # its setup heartbeats, which stop before the error: the error is the last line and the only other kind.
        $beats = @($run.Events | Select-Object -SkipLast 1)
        if ($Read) { $beats.Count | Should -BeGreaterOrEqual 1 } else { $beats | Should -BeNullOrEmpty }
        $beats | ForEach-Object { $_.event, $_.phase | Should -Be 'heartbeat', 'setup' }
        $run.Events[-1].event | Should -Be 'error'
        $run.Events[-1].error_id | Should -Be $ErrorId
        $run.Events[-1].message | Should -BeLike "*$Names*"
        $run.Stderr | Should -BeLike "*$Names*"
        Test-Path (Join-Path $run.Job.output_directory 'manifest.json') | Should -BeFalse
        Test-Path (Join-Path $run.Job.output_directory 'adapter.safetensors') | Should -BeFalse
    }

    It 'refuses to evaluate a file that is not the contract''s LoRA pair with TrainerAdapterInvalid, and writes no evaluation' {
        $run = Invoke-Trainer (New-TrainerJob -Mode evaluate -Set @{ adapter_path = $script:Base })

        $run.ExitCode | Should -Be 2
        $run.Events | Should -HaveCount 1
        $run.Events[0].error_id | Should -Be 'TrainerAdapterInvalid'
        $run.Events[0].message | Should -BeLike '*base_model.model.lm_head.lora_A.weight*'
        Test-Path (Join-Path $run.Job.output_directory 'evaluation.json') | Should -BeFalse
    }

    It 'removes an earlier run''s manifest before it starts, so a refused rerun does not look done' {
        $job = New-TrainerJob -Set @{ data_path = $script:BadData; output_directory = $script:TrainedOutput + '-copy' }
        Copy-Item -Recurse $script:TrainedOutput ($script:TrainedOutput + '-copy')
        $run = Invoke-Trainer $job

        $run.ExitCode | Should -Be 2
        $run.Events[-1].error_id | Should -Be 'DataFileInvalid'
        Test-Path (Join-Path $run.Job.output_directory 'manifest.json') | Should -BeFalse
    }
}
