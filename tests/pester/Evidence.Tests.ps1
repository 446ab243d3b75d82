# Acceptance tests for Export-SwarmEvidence and Test-SwarmEvidence in real pwsh. A TestDrive git repository set up
# by Initialize-SwarmRepository holds training records as the coordinator writes them: two adapters merged by the
# real Merge-SwarmContribution into the published snapshot, and the plan, manifests, verdicts and receipts written
# as JSON files in the record's documented format (docs/training.md, "The training record"). Each run is exported,
# checked clean, then tampered with, and each tampering must fail its own named check.
# Needs git. Run after building: Invoke-Pester ./tests/pester/Evidence.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Repo = Join-Path $TestDrive 'experiment'
    New-Item -ItemType Directory $script:Repo | Out-Null
    git -C $script:Repo init --quiet
    Initialize-SwarmRepository -Path $script:Repo -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null

    function Get-Sha256([string] $Path) { 'sha256:' + (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

    function Write-Json([string] $Path, $Value) {
        New-Item -ItemType Directory (Split-Path $Path) -Force | Out-Null
        [IO.File]::WriteAllText($Path, ($Value | ConvertTo-Json -Depth 12) + "`n")
    }

    # A two-tensor LoRA adapter written byte by byte (8-byte header length, header, little-endian F32 data).
    function New-Adapter([string] $Path, [float] $Value) {
        $header = [Text.Encoding]::UTF8.GetBytes('{"m.lora_A.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]},"m.lora_B.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[32,64]}}')
        $data = [byte[]]@(1..16 | ForEach-Object { [BitConverter]::GetBytes([float]($Value * $_)) } | ForEach-Object { $_ })
        [IO.File]::WriteAllBytes($Path, [byte[]]([BitConverter]::GetBytes([uint64]$header.Length) + $header + $data))
    }

    $script:Adapters = Join-Path $TestDrive 'adapters'
    New-Item -ItemType Directory $script:Adapters | Out-Null
    New-Adapter (Join-Path $script:Adapters 'a.safetensors') 0.5
    New-Adapter (Join-Path $script:Adapters 'b.safetensors') 0.25
    $script:Standard = 'adapter_digest', 'base_snapshot', 'manifest_contract', 'dtype', 'lora_layout', 'finite', 'update_norm', 'heartbeats'

    # One training run's record: two accepted contributions, their FedAvg merge (the real cmdlet's receipt), and a
    # publication that published the merged adapter, or was refused (-Refused). -FailedCheck accepts contrib-b
    # although its heartbeats check failed; -OtherPublishedFile publishes a file that is not the merged adapter.
    function New-TrainingRun([string] $RunId, [switch] $Refused, [switch] $FailedCheck, [switch] $OtherPublishedFile) {
        $record = Join-Path $script:Repo ".swarm/training/$RunId"
        New-Item -ItemType Directory $record -Force | Out-Null
        Set-Content -LiteralPath (Join-Path $record 'plan.json') -Value "{`n  `"namespace`": `"$RunId`"`n}" -NoNewline
        $planDigest = Get-Sha256 (Join-Path $record 'plan.json')
        $published = Join-Path $TestDrive "published-$RunId"
        New-Item -ItemType Directory $published | Out-Null
        $merge = Merge-SwarmContribution -Path (Join-Path $script:Adapters 'a.safetensors'), (Join-Path $script:Adapters 'b.safetensors') -Weight 3, 1 `
            -OutputPath (Join-Path $published 'adapter_model.safetensors') -Confirm:$false

        $i = 0
        foreach ($contributor in 'contrib-a', 'contrib-b') {
            $manifest = Join-Path $record "contributions/$contributor/manifest.json"
            New-Item -ItemType Directory (Split-Path $manifest) -Force | Out-Null
            Set-Content -LiteralPath $manifest -Value "{`"contributor`": `"$contributor`"}"
            $failed = $FailedCheck -and $contributor -eq 'contrib-b'
            Write-Json (Join-Path $record "verdicts/$contributor.json") ([ordered]@{
                schema_version = 1; run_id = $RunId; contributor = $contributor; manifest_digest = (Get-Sha256 $manifest); verdict = 'Accepted'
                checks = @($script:Standard | ForEach-Object { [ordered]@{ name = $_; passed = -not ($failed -and $_ -eq 'heartbeats'); detail = "$_ checked" } })
                backend = 'dotnet.cpu'; adapter_path = $merge.Inputs[$i].Path; adapter_digest = 'sha256:' + $merge.Inputs[$i].Sha256
                example_count = 100; replay_checked = $false
            })
            $i++
        }

        Write-Json (Join-Path $record "aggregations/$($merge.OutputDigest).json") ([ordered]@{
            schema_version = 1; run_id = $RunId; method = "$($merge.Method)"; output_path = $merge.OutputPath; output_digest = 'sha256:' + $merge.OutputDigest; lora_alpha = $merge.LoraAlpha
            inputs = @($merge.Inputs | ForEach-Object { [ordered]@{ path = $_.Path; digest = 'sha256:' + $_.Sha256; weight = $_.Weight; weight_used = $_.WeightUsed } })
            aggregation = [ordered]@{
                method = "$($merge.Aggregation.Method)"; trim_fraction = $null; trimmed_per_side = $null; approximations = @()
                inputs = @($merge.Aggregation.Inputs | ForEach-Object { [ordered]@{ id = $_.Id; digest = $_.Digest; weight = $_.Weight; weight_used = $_.WeightUsed } })
                outputs = @($merge.Outputs | ForEach-Object { [ordered]@{ name = $_.Name; shape = @($_.Shape); bytes = $_.Bytes; digest = 'sha256:' + $_.Sha256 } })
            }
        })

        if ($OtherPublishedFile) {
            New-Adapter (Join-Path $published 'adapter_model.safetensors') 9
        }

        $adapter = Get-Item (Join-Path $published 'adapter_model.safetensors')
        $files = $Refused ? @() : @([ordered]@{ name = 'adapter_model.safetensors'; digest = (Get-Sha256 $adapter.FullName); bytes = $adapter.Length })
        Write-Json (Join-Path $record "publications/20261201T093000125Z-$($merge.OutputDigest.Substring(0, 12)).json") ([ordered]@{
            schema_version = 1; run_id = $RunId; plan_digest = $planDigest; aggregation_output_digest = 'sha256:' + $merge.OutputDigest
            evidence = [ordered]@{ accepted = 2; replay_checked = 0; validator_findings = @(); base_held_out_loss = 2.0; merged_held_out_loss = 1.5 }
            decision = $Refused `
                ? [ordered]@{ merge = 'Merged'; publish = 'Refused'; promotion = 'Held'; result = 'Refused'; held = $true; reasons = @('0 contribution(s) checked by replay, the plan asks for at least 1') } `
                : [ordered]@{ merge = 'Merged'; publish = 'Published'; promotion = 'Promoted'; result = 'BoundedSuccess'; held = $false; reasons = @() }
            destination = $Refused ? $null : $published
            files = $files
            decided_at = '2026-12-01T09:30:00.125Z'
        })
        [pscustomobject]@{ RunId = $RunId; Merge = $merge; Published = $published; Stem = "20261201T093000125Z-$($merge.OutputDigest.Substring(0, 12))" }
    }

    function Get-Failed($Report, [string] $Name) { @($Report.Checks | Where-Object { $_.Name -eq $Name -and -not $_.Passed }) }

    $script:Good = New-TrainingRun 'ft-good'
    $script:Refused = New-TrainingRun 'ft-refused' -Refused
}

Describe 'Export-SwarmEvidence' {
    It 'writes the bundle of a published run: plan, manifests, documents, the snapshot and its index' {
        $bundle = Join-Path $TestDrive 'bundle-good'
        $result = Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo -ErrorVariable failed

        $failed | Should -BeNullOrEmpty
        $result.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.EvidenceExportResult'
        $result.RunId | Should -Be 'ft-good'
        $result.PlanDigest | Should -Be (Get-Sha256 (Join-Path $bundle 'plan.json'))
        $names = @(Get-ChildItem $bundle -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($bundle, $_.FullName) } | Sort-Object)
        $names | Should -Contain 'manifests/contrib-a.json'
        $names | Should -Contain 'verdicts/contrib-b.json'
        $names | Should -Contain "snapshots/$($script:Good.Stem)/adapter_model.safetensors"
        $names | Should -Not -Contain 'contributions/contrib-a/adapter.safetensors'
        $result.Files | Should -Be ($names.Count - 1) -Because 'index.json lists every other file'
        $result.Bytes | Should -Be ((Get-ChildItem $bundle -Recurse -File | Where-Object Name -ne 'index.json' | Measure-Object Length -Sum).Sum)
        (Get-Content (Join-Path $bundle 'bundle.json') -Raw | ConvertFrom-Json).plan_digest | Should -Be $result.PlanDigest
    }

    It 'refuses a non-empty destination, and with -Force replaces the earlier bundle' {
        $bundle = Join-Path $TestDrive 'bundle-twice'
        Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo | Out-Null
        { Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo } |
            Should -Throw -ErrorId 'EvidenceDestinationNotEmpty,SwarmPS.Cmdlets.ExportSwarmEvidenceCommand'

        Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo -Force | Out-Null
        (Test-SwarmEvidence -Path $bundle).Passed | Should -BeTrue

        Set-Content (Join-Path $bundle 'notes.txt') 'mine'
        { Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo -Force } |
            Should -Throw -ErrorId 'EvidenceDestinationNotEmpty,SwarmPS.Cmdlets.ExportSwarmEvidenceCommand'
        Get-Content (Join-Path $bundle 'notes.txt') | Should -Be 'mine'
    }

    It 'names the run and where it looked when the run has no record' {
        $thrown = { Export-SwarmEvidence -RunId no-such-run -Path (Join-Path $TestDrive 'bundle-none') -Repository $script:Repo } |
            Should -Throw -ErrorId 'TrainingRunNotFound,SwarmPS.Cmdlets.ExportSwarmEvidenceCommand' -PassThru
        $thrown.Exception.Message | Should -Match ([regex]::Escape('.swarm/training/no-such-run'))
        Test-Path (Join-Path $TestDrive 'bundle-none') | Should -BeFalse
    }

    It 'reports a published file changed since publication as an error, and the bundle then fails its check' {
        $run = New-TrainingRun 'ft-changed'
        New-Adapter (Join-Path $run.Published 'adapter_model.safetensors') 7
        $bundle = Join-Path $TestDrive 'bundle-changed'

        Export-SwarmEvidence -RunId ft-changed -Path $bundle -Repository $script:Repo -ErrorVariable failed -ErrorAction SilentlyContinue | Out-Null

        $failed.FullyQualifiedErrorId | Should -Be 'EvidenceExportIncomplete,SwarmPS.Cmdlets.ExportSwarmEvidenceCommand'
        $failed[0].Exception.Message | Should -Match 'adapter_model.safetensors'
        $report = Test-SwarmEvidence -Path $bundle
        $report.Passed | Should -BeFalse
        Get-Failed $report 'published_snapshot' | Should -Not -BeNullOrEmpty
    }
}

Describe 'Test-SwarmEvidence' {
    It 'passes a clean bundle of a published run and lists every check' {
        $bundle = Join-Path $TestDrive 'check-good'
        Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo | Out-Null

        # From outside any repository: the bundle is all it needs.
        Push-Location ([IO.Path]::GetTempPath())
        try { $report = Test-SwarmEvidence -Path $bundle } finally { Pop-Location }

        $report.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.EvidenceReport'
        $report.Passed | Should -BeTrue -Because ($report.Problems -join "`n")
        $report.RunId | Should -Be 'ft-good'
        $report.Published | Should -Be 1
        @($report.Checks | Where-Object Name -eq 'accepted_verdict').Count | Should -Be 2
        @($report.Checks.Name | Sort-Object -Unique) | Should -Be @('accepted_verdict', 'aggregation_inputs', 'document_names', 'documents', 'index', 'plan_digest', 'published_snapshot')
    }

    It 'passes a refused run saying nothing was published' {
        $bundle = Join-Path $TestDrive 'check-refused'
        Export-SwarmEvidence -RunId ft-refused -Path $bundle -Repository $script:Repo | Out-Null

        $report = Test-SwarmEvidence -Path $bundle

        $report.Passed | Should -BeTrue -Because ($report.Problems -join "`n")
        $report.Published | Should -Be 0
        $report.Summary | Should -Match '^nothing published'
        ($report.Checks | Where-Object Name -eq 'unpublished_snapshot').Passed | Should -BeTrue
    }

    It 'takes the bundle from Export-SwarmEvidence down the pipeline' {
        $report = Export-SwarmEvidence -RunId ft-refused -Path (Join-Path $TestDrive 'check-piped') -Repository $script:Repo | Test-SwarmEvidence

        $report.Path | Should -Be (Join-Path $TestDrive 'check-piped')
        $report.Passed | Should -BeTrue
    }

    It 'fails <Check> when <Case>' -TestCases @(
        @{ Case = 'a byte of a verdict changed'; Check = 'index'; Run = 'ft-good'; Tamper = {
                param($Bundle)
                $path = Join-Path $Bundle 'verdicts/contrib-a.json'
                $bytes = [IO.File]::ReadAllBytes($path); $bytes[$bytes.Length - 3] = [byte][char]'X'; [IO.File]::WriteAllBytes($path, $bytes) } }
        @{ Case = 'a manifest was deleted'; Check = 'accepted_verdict'; Run = 'ft-good'; Tamper = {
                param($Bundle) Remove-Item (Join-Path $Bundle 'manifests/contrib-b.json') } }
        @{ Case = 'a snapshot was added to a refused run'; Check = 'unpublished_snapshot'; Run = 'ft-refused'; Tamper = {
                param($Bundle, $Stem)
                New-Item -ItemType Directory (Join-Path $Bundle "snapshots/$Stem") | Out-Null
                Copy-Item (Join-Path $script:Adapters 'a.safetensors') (Join-Path $Bundle "snapshots/$Stem/adapter_model.safetensors") } }
        @{ Case = 'the plan is not the one bundle.json states'; Check = 'plan_digest'; Run = 'ft-good'; Tamper = {
                param($Bundle) Set-Content (Join-Path $Bundle 'plan.json') '{"namespace": "other"}' } }
        @{ Case = 'a document does not parse'; Check = 'documents'; Run = 'ft-good'; Tamper = {
                param($Bundle) Set-Content (Join-Path $Bundle 'verdicts/contrib-a.json') '{"schema_version": 1, "extra": [' } }
    ) {
        param($Case, $Check, $Run, $Tamper)
        $bundle = Join-Path $TestDrive ("tamper-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
        Export-SwarmEvidence -RunId $Run -Path $bundle -Repository $script:Repo | Out-Null
        (Test-SwarmEvidence -Path $bundle).Passed | Should -BeTrue -Because 'the bundle is clean before it is tampered with'
        $stem = (Get-ChildItem (Join-Path $bundle 'publications')).BaseName

        & $Tamper $bundle $stem
        $report = Test-SwarmEvidence -Path $bundle

        $report.Passed | Should -BeFalse
        Get-Failed $report $Check | Should -Not -BeNullOrEmpty -Because "the $Check check must fail: $($report.Problems -join '; ')"
        $report.Problems.Count | Should -BeGreaterThan 0
    }

    It 'fails published_snapshot when the published adapter is not the merged one, though every digest matches' {
        New-TrainingRun 'ft-other' -OtherPublishedFile | Out-Null
        $bundle = Join-Path $TestDrive 'check-other'
        Export-SwarmEvidence -RunId ft-other -Path $bundle -Repository $script:Repo -ErrorVariable failed | Out-Null

        $failed | Should -BeNullOrEmpty -Because 'the published file is what its receipt lists'
        $report = Test-SwarmEvidence -Path $bundle
        $report.Passed | Should -BeFalse
        (Get-Failed $report 'published_snapshot').Detail | Should -Match 'not the merged adapter'
        Get-Failed $report 'index' | Should -BeNullOrEmpty
    }

    It 'fails accepted_verdict when an accepted contribution has a failed check' {
        New-TrainingRun 'ft-failed-check' -FailedCheck | Out-Null
        $bundle = Join-Path $TestDrive 'check-failed-check'
        Export-SwarmEvidence -RunId ft-failed-check -Path $bundle -Repository $script:Repo | Out-Null

        $report = Test-SwarmEvidence -Path $bundle

        $report.Passed | Should -BeFalse
        $failed = Get-Failed $report 'accepted_verdict'
        @($failed).Count | Should -Be 1
        $failed.Detail | Should -Match 'contrib-b.*heartbeats failed'
    }

    It 'fails aggregation_inputs when a merged adapter is no accepted contribution''s' {
        $bundle = Join-Path $TestDrive 'check-foreign-input'
        Export-SwarmEvidence -RunId ft-good -Path $bundle -Repository $script:Repo | Out-Null
        $verdict = Join-Path $bundle 'verdicts/contrib-b.json'
        (Get-Content $verdict -Raw).Replace('"verdict": "Accepted"', '"verdict": "Rejected"') | Set-Content $verdict -NoNewline

        $report = Test-SwarmEvidence -Path $bundle

        Get-Failed $report 'aggregation_inputs' | Should -Not -BeNullOrEmpty
    }

    It 'reports a bundle that is not a directory as EvidenceBundleNotFound' {
        { Test-SwarmEvidence -Path (Join-Path $TestDrive 'no-bundle') -ErrorAction Stop } |
            Should -Throw -ErrorId 'EvidenceBundleNotFound,SwarmPS.Cmdlets.TestSwarmEvidenceCommand'
    }
}
