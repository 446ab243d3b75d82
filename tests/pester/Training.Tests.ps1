# Acceptance tests for the training pillar's adapter cmdlet: Get-SwarmAdapter, in real pwsh, on real files
# written by Python (struct + json + numpy, as the safetensors README describes the format; the safetensors
# package is not used) and on hostile files written byte by byte here.
# Needs python3 with numpy (/usr/bin/python3, else the one on PATH). Run after building: Invoke-Pester ./tests/pester/Training.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # A PEFT-style adapter: two rank-8 q/v projections of a 64-wide model, an unpaired lora_A, metadata.
    $script:PeftScript = @'
import json, struct, sys
import numpy as np
rng = np.random.default_rng(7)
tensors = {}
for layer in range(2):
    for proj in ("q_proj", "v_proj"):
        prefix = f"base_model.model.model.layers.{layer}.self_attn.{proj}"
        tensors[prefix + ".lora_A.weight"] = rng.standard_normal((8, 64)).astype(np.float32)
        tensors[prefix + ".lora_B.weight"] = np.zeros((96 if proj == "v_proj" else 64, 8), dtype=np.float32)
if len(sys.argv) > 2:
    tensors["base_model.model.model.layers.9.mlp.up_proj.lora_A.weight"] = np.ones((8, 64), dtype=np.float16)
header = {"__metadata__": {"format": "pt"}}
data = b""
for name in sorted(tensors):
    raw = tensors[name].tobytes()
    header[name] = {"dtype": "F16" if tensors[name].dtype == np.float16 else "F32", "shape": list(tensors[name].shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + data)
'@
    $script:Adapters = Join-Path $TestDrive 'adapters'
    New-Item -ItemType Directory $script:Adapters | Out-Null
    $script:Peft = Join-Path $script:Adapters 'site-a.safetensors'
    $script:Unpaired = Join-Path $script:Adapters 'site-b.safetensors'
    # /usr/bin/python3 first: the distribution's, with numpy (a python3 earlier on PATH may lack it).
    $python = @('/usr/bin/python3', (Get-Command python3 -ErrorAction SilentlyContinue).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    & $python -c $script:PeftScript $script:Peft
    & $python -c $script:PeftScript $script:Unpaired unpaired
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $script:Unpaired)) { throw 'python3 with numpy is needed to write the test adapters.' }

    # A safetensors file byte by byte: the 8-byte little-endian length (or a given one), the header, data.
    function New-SafetensorsFile([string] $Name, [string] $Header, [int] $DataLength = 0, [Nullable[uint64]] $DeclaredLength = $null) {
        $json = [Text.Encoding]::UTF8.GetBytes($Header)
        $length = if ($null -ne $DeclaredLength) { $DeclaredLength } else { [uint64]$json.Length }
        $bytes = [BitConverter]::GetBytes([uint64]$length) + $json + [byte[]]::new($DataLength)
        $path = Join-Path $TestDrive $Name
        [IO.File]::WriteAllBytes($path, [byte[]]$bytes)
        $path
    }
}

Describe 'Get-SwarmAdapter' {
    It 'reads a file Python wrote: digest, tensors, parameters, metadata' {
        $adapter = Get-SwarmAdapter -Path $script:Peft

        $adapter.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.Adapter'
        $adapter.Path | Should -Be $script:Peft
        $adapter.Sha256 | Should -Be (Get-FileHash $script:Peft -Algorithm SHA256).Hash.ToLowerInvariant()
        $adapter.Tensors.Count | Should -Be 8
        $adapter.ParameterCount | Should -Be (4 * 8 * 64 + 2 * 64 * 8 + 2 * 96 * 8)
        $adapter.Metadata['format'] | Should -Be 'pt'
        $q = $adapter.Tensors | Where-Object Name -eq 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'
        "$($q.DType)" | Should -Be 'F32'
        $q.Shape | Should -Be @(8, 64)
        $q.ByteCount | Should -Be (8 * 64 * 4)
    }

    It 'finds the LoRA modules, their rank and feature sizes' {
        $adapter = Get-SwarmAdapter $script:Peft

        $adapter.Rank | Should -Be 8
        $adapter.LoraModules.Count | Should -Be 4
        $v = $adapter.LoraModules | Where-Object Module -eq 'base_model.model.model.layers.1.self_attn.v_proj'
        $v.Rank | Should -Be 8
        $v.InFeatures | Should -Be 64
        $v.OutFeatures | Should -Be 96
        $adapter.LoraProblems | Should -BeNullOrEmpty
    }

    It 'reports an unpaired lora_A as a problem and a warning, and still returns the adapter' {
        $adapter = Get-SwarmAdapter $script:Unpaired -WarningVariable warnings -WarningAction SilentlyContinue

        $adapter.LoraModules.Count | Should -Be 4
        $adapter.LoraProblems | Should -HaveCount 1
        $problem = $adapter.LoraProblems[0]
        $problem.Module | Should -Be 'base_model.model.model.layers.9.mlp.up_proj'
        "$($problem.Kind)" | Should -Be 'Unpaired'
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match 'up_proj.*Unpaired.*no lora_B'
    }

    It 'takes files from Get-ChildItem by pipeline, and wildcard paths' {
        $fromPipeline = @(Get-ChildItem $script:Adapters -Filter *.safetensors | Get-SwarmAdapter -WarningAction SilentlyContinue)
        $fromPipeline.Path | Should -Be @($script:Peft, $script:Unpaired)

        $fromPattern = @(Get-SwarmAdapter (Join-Path $script:Adapters 'site-*.safetensors') -WarningAction SilentlyContinue)
        $fromPattern.Sha256 | Should -Be $fromPipeline.Sha256

        Push-Location $script:Adapters
        try {
            (Get-SwarmAdapter ./site-a.safetensors).Path | Should -Be $script:Peft
        }
        finally {
            Pop-Location
        }
    }

    It 'refuses a hostile file with <ErrorId>' -TestCases @(
        @{ ErrorId = 'SafetensorsTrailingData'; Header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; Data = 12 }
        @{ ErrorId = 'SafetensorsDuplicateName'; Header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; Data = 8 }
        @{ ErrorId = 'SafetensorsOffsetsOverlap'; Header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'; Data = 8 }
        @{ ErrorId = 'SafetensorsByteCountMismatch'; Header = '{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}'; Data = 8 }
        @{ ErrorId = 'SafetensorsUnknownDType'; Header = '{"a":{"dtype":"F8_E5M2","shape":[8],"data_offsets":[0,8]}}'; Data = 8 }
        @{ ErrorId = 'SafetensorsHeaderNotJson'; Header = '{"a":'; Data = 0 }
        @{ ErrorId = 'SafetensorsHeaderTooLarge'; Header = '{}'; Data = 0; Declared = [uint64]4e9 }
    ) {
        param($ErrorId, $Header, $Data, $Declared)
        $path = New-SafetensorsFile -Name "$ErrorId.safetensors" -Header $Header -DataLength $Data -DeclaredLength $Declared

        { Get-SwarmAdapter $path -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.GetSwarmAdapterCommand"
        $record = $null
        Get-SwarmAdapter $path -ErrorVariable record -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        "$($record[0])" | Should -Match ([regex]::Escape("'$ErrorId.safetensors'"))
        $record[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $record[0].TargetObject | Should -Be $path
    }

    It 'refuses a FIFO and a link to /dev/zero in a fresh pwsh, without opening either (no hang, no endless read)' -Skip:$IsWindows {
        $fifo = Join-Path $TestDrive 'fifo.safetensors'
        & mkfifo $fifo
        $zero = Join-Path $TestDrive 'zero.safetensors'
        New-Item -ItemType SymbolicLink -Path $zero -Target /dev/zero | Out-Null
        $script = Join-Path $TestDrive 'attack.ps1'
        $out = Join-Path $TestDrive 'attack.out'
        Set-Content $script @"
Import-Module '$ModuleManifest'
Get-SwarmAdapter '$fifo', '$zero' -ErrorVariable failures -ErrorAction SilentlyContinue | Out-Null
`$failures.FullyQualifiedErrorId
"@
        $child = Start-Process -FilePath $PwshPath -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script -RedirectStandardOutput $out -PassThru
        if (-not $child.WaitForExit(60000)) {
            $child.Kill($true)
            throw 'Get-SwarmAdapter did not return within 60 s on a FIFO or /dev/zero'
        }

        Get-Content $out | Should -Be @(
            'SafetensorsFileNotRegular,SwarmPS.Cmdlets.GetSwarmAdapterCommand'
            'SafetensorsFileNotRegular,SwarmPS.Cmdlets.GetSwarmAdapterCommand')
    }

    It 'writes one error for a bad file and still reads the good ones' {
        $bad = New-SafetensorsFile -Name 'short.safetensors' -Header '' -DeclaredLength 0
        [IO.File]::WriteAllBytes($bad, [byte[]](1, 2, 3))

        $read = @(Get-SwarmAdapter $bad, $script:Peft, (Join-Path $TestDrive 'missing.safetensors') -ErrorVariable errors -ErrorAction SilentlyContinue)

        $read.Path | Should -Be @($script:Peft)
        $errors.FullyQualifiedErrorId | Should -Be @(
            'SafetensorsFileTooShort,SwarmPS.Cmdlets.GetSwarmAdapterCommand'
            'SafetensorsFileNotFound,SwarmPS.Cmdlets.GetSwarmAdapterCommand')
    }

    It 'shows the adapter table at 120 columns' {
        $adapter = Get-SwarmAdapter $script:Peft
        $lines = @(($adapter | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })

        $lines[0] | Should -Match '^Sha256\s+Tensors\s+Parameters\s+Modules\s+Rank\s+Problems\s+Path$'
        $lines.Count | Should -Be 3
        $lines[2] | Should -Match ('^' + $adapter.Sha256.Substring(0, 12) + '\s+8\s+4,608\s+4\s+8\s+0\s+')
        # The path takes the room left; a long one (TestDrive's) is cut at the right edge only.
        $lines[2] | Should -Match ([regex]::Escape($adapter.Path.Substring(0, 50)))
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }

        $tensorLines = @(($adapter.Tensors[0] | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        $tensorLines[0] | Should -Match '^DType\s+Shape\s+Bytes\s+Name$'
        $tensorLines[2] | Should -Match '^F32\s+\[8, 64\]\s+2,048\s+base_model\.model\.model\.layers\.0\.self_attn\.q_proj\.lora_A\.weight'
    }
}
