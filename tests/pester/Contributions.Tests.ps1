# Acceptance tests of contributions over the exchange: Send-SwarmContribution and Get-SwarmContribution in
# real pwsh against a real exchange on 127.0.0.1, on contribution directories written here, and one sent by
# the Python client (examples/agents/swarm_exchange.py put_contribution, adapter written with numpy).
# Needs /usr/bin/python3 with numpy. Run after building: Invoke-Pester ./tests/pester/Contributions.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Saved = Save-Environment 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN'
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:StateDirectory = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -StateDirectory $script:StateDirectory -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()

    function Get-Digest([string] $Path) { 'sha256:' + (Get-FileHash $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    # Two contributors of one run, sent through the pipeline as Get-ChildItem gives directories.
    $script:RunId = New-RunId 'contrib'
    $script:SiteA = New-ContributionDirectory -RunId $script:RunId -Contributor 'site-a' -Site alpha -ExampleCount 1200 -LossAfter 0.8125 -Seed 1
    $script:SiteB = New-ContributionDirectory -RunId $script:RunId -Contributor 'site-b' -Site beta -Backend pytorch.cpu -ExampleCount 800 -LossAfter 0.5 -Seed 2
    $script:Sent = @(Get-Item $script:SiteB, $script:SiteA | Send-SwarmContribution -Confirm:$false)
}

AfterAll {
    Stop-SwarmExchange -StateDirectory $script:StateDirectory -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    Restore-Environment $script:Saved
}

Describe 'Send-SwarmContribution' {
    It 'uploads each directory and writes the arrival the exchange keeps' {
        $script:Sent.Count | Should -Be 2
        $script:Sent[0].PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Exchange.ContributionArrival'
        $b = $script:Sent[0]
        $b.RunId | Should -Be $script:RunId
        $b.Contributor | Should -Be 'site-b'
        $b.AdapterDigest | Should -Be (Get-Digest (Join-Path $script:SiteB 'adapter.safetensors'))
        $b.ManifestDigest | Should -Be (Get-Digest (Join-Path $script:SiteB 'manifest.json'))
        $b.AdapterBytes | Should -Be (Get-Item (Join-Path $script:SiteB 'adapter.safetensors')).Length
        $b.ArrivedAt.Offset | Should -Be ([TimeSpan]::Zero)
    }

    It 'answers a second send of the same contribution with the same arrival' {
        $again = Send-SwarmContribution -Path $script:SiteA -Confirm:$false
        $again.ArrivedAt | Should -Be $script:Sent[1].ArrivedAt
        $again.ManifestDigest | Should -Be $script:Sent[1].ManifestDigest
    }

    It 'refuses another contribution under a contributor that has contributed, keeping the first' {
        $other = New-ContributionDirectory -RunId $script:RunId -Contributor 'site-a' -Seed 99
        { Send-SwarmContribution -Path $other -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ContributionConflict,SwarmPS.Cmdlets.SendSwarmContributionCommand'
        (Get-SwarmContribution -RunId $script:RunId -Contributor site-a).AdapterDigest | Should -Be $script:Sent[1].AdapterDigest
    }

    It 'refuses <Case> with <ErrorId> and announces nothing' -TestCases @(
        @{ Case = 'a manifest written for another adapter'; ErrorId = 'ContributionDigestMismatch'; Make = {
                param($run) New-ContributionDirectory -RunId $run -Contributor 'site-x' -AdapterDigest ('sha256:' + ('c' * 64)) } }
        @{ Case = 'a truncated adapter'; ErrorId = 'SafetensorsOffsetsOutOfBounds'; Make = {
                param($run)
                $dir = New-ContributionDirectory -RunId $run -Contributor 'site-x'
                $adapter = Join-Path $dir 'adapter.safetensors'
                $bytes = [IO.File]::ReadAllBytes($adapter)
                [IO.File]::WriteAllBytes($adapter, [byte[]]$bytes[0..($bytes.Length - 17)])
                $dir } }
        @{ Case = 'a directory without its adapter'; ErrorId = 'ContributionFileNotFound'; Make = {
                param($run)
                $dir = New-ContributionDirectory -RunId $run -Contributor 'site-x'
                Remove-Item (Join-Path $dir 'adapter.safetensors')
                $dir } }
        @{ Case = 'a manifest missing a field'; ErrorId = 'ContributionManifestInvalid'; Make = {
                param($run)
                $dir = New-ContributionDirectory -RunId $run -Contributor 'site-x'
                $manifest = Join-Path $dir 'manifest.json'
                $json = Get-Content $manifest -Raw | ConvertFrom-Json -AsHashtable
                $json.Remove('seed')
                $json | ConvertTo-Json -Depth 4 | Set-Content $manifest
                $dir } }
    ) {
        param($Case, $ErrorId, $Make)
        $run = New-RunId 'refused'
        $directory = & $Make $run

        { Send-SwarmContribution -Path $directory -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.SendSwarmContributionCommand"
        @(Get-SwarmContribution -RunId $run) | Should -HaveCount 0
    }

    It 'names the fix of a digest mismatch: write the manifest again' {
        $run = New-RunId 'mismatch'
        $directory = New-ContributionDirectory -RunId $run -Contributor 'site-x' -AdapterDigest ('sha256:' + ('d' * 64))
        Send-SwarmContribution -Path $directory -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable refused | Out-Null
        $refused[0].ErrorDetails.RecommendedAction | Should -Match 'write the manifest again'
        $refused[0].Exception.Message | Should -Match ('d' * 64)
    }

    It 'sends nothing under -WhatIf' {
        $run = New-RunId 'whatif'
        $directory = New-ContributionDirectory -RunId $run -Contributor 'site-w'
        Send-SwarmContribution -Path $directory -WhatIf | Should -BeNullOrEmpty
        @(Get-SwarmContribution -RunId $run) | Should -HaveCount 0
    }
}

Describe 'Get-SwarmContribution' {
    It 'lists both contributors, sorted, with the digests of the files that were sent and their manifests' {
        $arrived = @(Get-SwarmContribution -RunId $script:RunId)

        $arrived.Contributor | Should -Be @('site-a', 'site-b')
        $arrived[0].PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.ArrivedContribution'
        foreach ($pair in @(@($arrived[0], $script:SiteA), @($arrived[1], $script:SiteB))) {
            $contribution, $directory = $pair
            $contribution.AdapterDigest | Should -Be (Get-Digest (Join-Path $directory 'adapter.safetensors'))
            $contribution.ManifestDigest | Should -Be (Get-Digest (Join-Path $directory 'manifest.json'))
            [Convert]::ToHexString($contribution.ManifestBytes) | Should -Be ([Convert]::ToHexString([IO.File]::ReadAllBytes((Join-Path $directory 'manifest.json'))))
            $contribution.Problem | Should -BeNullOrEmpty
        }
        $arrived[1].Site | Should -Be 'beta'
        $arrived[1].Backend | Should -Be 'pytorch.cpu'
        $arrived[1].ExampleCount | Should -Be 800
        $arrived[0].LossAfter | Should -Be 0.8125
        $arrived[0].Manifest.Contract.Rank | Should -Be 2
    }

    It 'shows the contributions in their table: <Label>' -TestCases @(
        @{ Label = 'Contributor' }, @{ Label = 'Site' }, @{ Label = 'Backend' }, @{ Label = 'ExampleCount' },
        @{ Label = 'LossAfter' }, @{ Label = 'ArrivedAt (UTC)' }, @{ Label = 'Problem' }
    ) {
        param($Label)
        $table = Get-SwarmContribution -RunId $script:RunId | Format-Table | Out-String -Width 120
        $table | Should -Match ([regex]::Escape($Label))
        $table | Should -Match '0\.8125'
        $table | Should -Not -Match 'ManifestBytes'
    }

    It 'filters by -Contributor <Filter>' -TestCases @(
        @{ Filter = @('site-a'); Expected = @('site-a') }
        @{ Filter = @('site-*'); Expected = @('site-a', 'site-b') }
        @{ Filter = @('SITE-B'); Expected = @('site-b') }
        @{ Filter = @('*-b', 'site-a'); Expected = @('site-a', 'site-b') }
        @{ Filter = @('nobody-*'); Expected = @() }
    ) {
        param($Filter, $Expected)
        $listed = @(Get-SwarmContribution -RunId $script:RunId -Contributor $Filter -ErrorAction Stop)
        $listed.Count | Should -Be $Expected.Count
        ($listed.Contributor -join ',') | Should -Be ($Expected -join ',')
    }

    It 'writes a non-terminating ContributionNotFound naming those that arrived for a name that did not' {
        $listed = @(Get-SwarmContribution -RunId $script:RunId -Contributor 'site-a', 'site-z' -ErrorAction SilentlyContinue -ErrorVariable missing)

        $listed.Contributor | Should -Be @('site-a')
        $missing | Should -HaveCount 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'ContributionNotFound,SwarmPS.Cmdlets.GetSwarmContributionCommand'
        $missing[0].Exception.Message | Should -Match "site-z"
        $missing[0].Exception.Message | Should -Match 'site-a, site-b'
    }

    It 'lists each piped arrival of Send-SwarmContribution once, by its run and contributor' {
        $run = New-RunId 'piped'
        $directories = 'site-p', 'site-q' | ForEach-Object { New-ContributionDirectory -RunId $run -Contributor $_ }
        $listed = @($directories | Send-SwarmContribution -Confirm:$false | Get-SwarmContribution)

        $listed.Contributor | Should -Be @('site-p', 'site-q')
        $listed.RunId | Should -Be @($run, $run)
    }

    It 'returns nothing, and no error, for a run nobody contributed to' {
        $none = @(Get-SwarmContribution -RunId (New-RunId 'nobody') -ErrorVariable failed)
        $none | Should -HaveCount 0
        $failed | Should -HaveCount 0
    }

    It 'refuses a run id that is not one with RunIdInvalid' {
        { Get-SwarmContribution -RunId '../blobs' -ErrorAction Stop } | Should -Throw -ErrorId 'RunIdInvalid,SwarmPS.Cmdlets.GetSwarmContributionCommand'
    }

    It 'lists a contribution the Python client sent with put_contribution' {
        $run = New-RunId 'python'
        $out = Join-Path $TestDrive 'python-contribution'
        New-Item -ItemType Directory $out | Out-Null
        $script = @'
import hashlib, json, struct, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from swarm_exchange import Exchange
run_id, out = sys.argv[2], sys.argv[3]
rng = np.random.default_rng(3)
tensors = {"m.lora_A.weight": rng.standard_normal((2, 4)).astype(np.float32), "m.lora_B.weight": np.zeros((4, 2), dtype=np.float32)}
header, data = {}, b""
for name in sorted(tensors):
    raw = tensors[name].tobytes()
    header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
adapter = struct.pack("<Q", len(text)) + text + data
open(out + "/adapter.safetensors", "wb").write(adapter)
manifest = {"schema_version": 1, "run_id": run_id, "contributor": "py-site", "site": "gamma", "backend": "pytorch.cpu",
            "base_snapshot_digest": "sha256:" + "a" * 64,
            "adapter_contract": {"target_modules": ["m"], "rank": 2, "alpha": 4.0, "dtype": "F32"},
            "data_shard": "shard-py", "example_count": 640, "steps": 20, "seed": 3, "loss_before": 1.25, "loss_after": 0.625,
            "started_at": "2026-12-01T10:00:00.000Z", "ended_at": "2026-12-01T10:02:00.000Z", "heartbeat_count": 4,
            "adapter_digest": "sha256:" + hashlib.sha256(adapter).hexdigest()}
open(out + "/manifest.json", "w").write(json.dumps(manifest, sort_keys=True, indent=2) + "\n")
arrival = Exchange.from_environment().put_contribution(run_id, "py-site", out + "/manifest.json", out + "/adapter.safetensors")
listed = Exchange.from_environment().list_contributions(run_id)
print(json.dumps({"arrival": arrival, "listed": listed}))
'@
        $printed = & /usr/bin/python3 -c $script (Join-Path $RepoRoot 'examples/agents') $run $out
        $LASTEXITCODE | Should -Be 0
        $python = $printed | ConvertFrom-Json

        $arrived = Get-SwarmContribution -RunId $run
        $arrived.Contributor | Should -Be 'py-site'
        $arrived.AdapterDigest | Should -Be (Get-Digest (Join-Path $out 'adapter.safetensors'))
        $arrived.ManifestDigest | Should -Be (Get-Digest (Join-Path $out 'manifest.json'))
        $arrived.ManifestDigest | Should -Be $python.arrival.manifest
        $python.listed[0].contributor | Should -Be 'py-site'
        $arrived.Problem | Should -BeNullOrEmpty
        $arrived.Site | Should -Be 'gamma'
        $arrived.ExampleCount | Should -Be 640
        $arrived.LossAfter | Should -Be 0.625
    }
}
