# Acceptance tests for Merge-SwarmContribution in real pwsh: five LoRA adapters written by Python (struct + json +
# numpy; one of them F16), merged by every method, the merged file read back by Python and compared with numpy's
# own computation from the input files' bytes; the receipt's digests against hashlib; -WhatIf; every refusal.
# Needs python3 with numpy (/usr/bin/python3, else the one on PATH). Run after building: Invoke-Pester ./tests/pester/Merge.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # One script, two commands. "write DIR": five adapters of two rank-4 LoRA pairs and a bias, each with
    # lora_alpha 16 in its metadata, plus two that do not fit them (a shape, a name). "check METHOD MERGED
    # PARAM WEIGHTS FILES...": numpy's merge of FILES against MERGED, printed as JSON with every file's sha256.
    $script:Python = @'
import hashlib, json, struct, sys
import numpy as np

def write(path, tensors, metadata):
    header = {"__metadata__": metadata}
    data = b""
    for name in sorted(tensors):
        a = tensors[name]
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": {"float32": "F32", "float16": "F16"}[a.dtype.name], "shape": list(a.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    open(path, "wb").write(struct.pack("<Q", len(text)) + text + data)

def read(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, t in header.items():
        b, e = t["data_offsets"]
        dt = {"F32": "<f4", "F16": "<f2"}[t["dtype"]]
        out[name] = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=dt).astype(np.float64).reshape(t["shape"])
    return out, meta, t

def adapter(rng, dtype=np.float32, out_q=12):
    t = {}
    for proj, out in (("q_proj", out_q), ("v_proj", 20)):
        p = f"base_model.model.layers.0.self_attn.{proj}"
        t[p + ".lora_A.weight"] = rng.standard_normal((4, 16)).astype(dtype)
        t[p + ".lora_B.weight"] = rng.standard_normal((out, 4)).astype(dtype)
    t["base_model.model.layers.0.mlp.bias"] = rng.standard_normal(8).astype(dtype)
    return t

if sys.argv[1] == "write":
    d = sys.argv[2]
    rng = np.random.default_rng(13)
    for i, site in enumerate("abcde"):
        write(f"{d}/{site}.safetensors", adapter(rng, np.float16 if site == "d" else np.float32), {"format": "pt", "lora_alpha": "16"})
    write(f"{d}/shape.safetensors", adapter(rng, out_q=13), {"format": "pt"})
    t = adapter(rng); t["base_model.model.layers.0.mlp.extra"] = t.pop("base_model.model.layers.0.mlp.bias")
    write(f"{d}/names.safetensors", t, {"format": "pt"})
    sys.exit(0)

method, merged_path, param = sys.argv[2], sys.argv[3], float(sys.argv[4])
weights = np.array([float(w) for w in sys.argv[5].split(",")])
files = sys.argv[6:]
inputs = [read(f)[0] for f in files]
merged, meta, _ = read(merged_path)
w = weights / weights.sum()
worst = 0.0
for name in inputs[0]:
    stack = np.stack([x[name] for x in inputs])
    if method in ("FedAvg", "Exact"):
        expected = np.tensordot(w, stack, axes=1)
        scale = np.maximum(np.abs(expected), np.tensordot(w, np.abs(stack), axes=1))
    elif method == "Median":
        expected = np.median(stack, axis=0)
        scale = np.maximum(np.abs(expected), 1e-30)
    else:
        g = int(np.floor(param * len(files)))
        s = np.sort(stack, axis=0)
        expected = s[g:len(files) - g].mean(axis=0)
        scale = np.maximum(np.abs(expected), 1e-30)
    if method == "Exact" and ".lora_" in name:
        continue
    worst = max(worst, float(np.max(np.abs(merged[name] - expected) / scale)))
exact = []
if method == "Exact":
    for proj in ("q_proj", "v_proj"):
        p = f"base_model.model.layers.0.self_attn.{proj}"
        r = inputs[0][p + ".lora_A.weight"].shape[0]
        s = param / r
        m = sum(wk * s * x[p + ".lora_B.weight"] @ x[p + ".lora_A.weight"] for wk, x in zip(w, inputs))
        u, sv, vt = np.linalg.svd(m)
        best = (u[:, :r] * sv[:r]) @ vt[:r]
        product = s * merged[p + ".lora_B.weight"] @ merged[p + ".lora_A.weight"]
        exact.append({"pair": proj, "error_vs_best": float(np.linalg.norm(product - best) / np.linalg.norm(m)),
                      "relative_error": float(np.linalg.norm(m - product) / np.linalg.norm(m)),
                      "shape_a": list(merged[p + ".lora_A.weight"].shape)})
print(json.dumps({"worst": worst, "exact": exact, "metadata": meta, "dtypes": sorted({t["dtype"] for t in json.loads(open(merged_path, "rb").read()[8:8 + struct.unpack("<Q", open(merged_path, "rb").read(8))[0]]).values() if "dtype" in t}),
                  "digests": [hashlib.sha256(open(f, "rb").read()).hexdigest() for f in files + [merged_path]]}))
'@
    $script:PythonExe = @('/usr/bin/python3', (Get-Command python3 -ErrorAction SilentlyContinue).Source) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    $script:Dir = Join-Path $TestDrive 'adapters'
    New-Item -ItemType Directory $script:Dir | Out-Null
    & $script:PythonExe -c $script:Python write $script:Dir
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path (Join-Path $script:Dir 'names.safetensors'))) { throw 'python3 with numpy is needed to write the test adapters.' }
    $script:Inputs = 'a', 'b', 'c', 'd', 'e' | ForEach-Object { Join-Path $script:Dir "$_.safetensors" }
    $script:Weights = [double[]](1200, 800, 3000, 500, 1500)

    function Test-WithNumpy([string] $Method, [string] $Merged, [double] $Param = 0, [double[]] $Weights = $script:Weights) {
        $json = & $script:PythonExe -c $script:Python check $Method $Merged $Param ($Weights -join ',') @script:Inputs
        if ($LASTEXITCODE -ne 0) { throw "the numpy check failed: $json" }
        $json | ConvertFrom-Json
    }

    function Get-MergeError([scriptblock] $Block) {
        try { & $Block; $null } catch { $_.FullyQualifiedErrorId.Split(',')[0] }
    }
}

Describe 'Merge-SwarmContribution' {
    It 'FedAvg: the weighted mean numpy computes, F32 out, digests as hashlib gives them' {
        $out = Join-Path $TestDrive 'fedavg.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Weight $script:Weights -Method FedAvg -OutputPath $out

        $receipt.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.AdapterMergeReceipt'
        $check = Test-WithNumpy FedAvg $out
        $check.worst | Should -BeLessOrEqual 1e-6
        $check.dtypes | Should -Be @('F32')
        $receipt.Method.ToString() | Should -Be 'FedAvg'
        $receipt.OutputPath | Should -Be $out
        $receipt.OutputDigest | Should -Be $check.digests[5]
        @($receipt.Inputs.Sha256) | Should -Be @($check.digests[0..4])
        @($receipt.Inputs.Path) | Should -Be $script:Inputs
        @($receipt.Inputs.Weight) | Should -Be $script:Weights
        $receipt.Outputs.Count | Should -Be 5
        $receipt.AbsoluteError | Should -BeNullOrEmpty
        $check.metadata.swarmps_merge_method | Should -Be 'FedAvg'
        @(($check.metadata.swarmps_merge_inputs | ConvertFrom-Json).sha256) | Should -Be @($check.digests[0..4])
    }

    It 'FedAvg with no -Weight weighs every adapter 1, and takes files from the pipeline (FullName)' {
        $out = Join-Path $TestDrive 'equal.safetensors'
        $receipt = Get-ChildItem $script:Inputs | Merge-SwarmContribution -OutputPath $out

        (Test-WithNumpy FedAvg $out -Weights 1, 1, 1, 1, 1).worst | Should -BeLessOrEqual 1e-6
        @($receipt.Inputs.Weight) | Should -Be @(1, 1, 1, 1, 1)
    }

    It 'Median: numpy''s median of five, unweighted' {
        $out = Join-Path $TestDrive 'median.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Weight $script:Weights -Method Median -OutputPath $out

        (Test-WithNumpy Median $out).worst | Should -BeLessOrEqual 1e-6
        @($receipt.Inputs.WeightUsed) | Should -Not -Contain $true
    }

    It 'TrimmedMean: one value trimmed at each end of five (fraction 0.2), then the mean' {
        $out = Join-Path $TestDrive 'trimmed.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Method TrimmedMean -TrimFraction 0.2 -OutputPath $out

        (Test-WithNumpy TrimmedMean $out 0.2).worst | Should -BeLessOrEqual 1e-6
        $receipt.TrimmedPerSide | Should -Be 1
    }

    It 'Exact: scale·B''·A'' is numpy''s rank-r SVD approximation of the weighted mean of scale·B·A (alpha from the metadata)' {
        $out = Join-Path $TestDrive 'exact.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Weight $script:Weights -Method Exact -OutputPath $out

        $check = Test-WithNumpy Exact $out 16
        $check.worst | Should -BeLessOrEqual 1e-6
        $check.exact.Count | Should -Be 2
        foreach ($pair in $check.exact) {
            $pair.error_vs_best | Should -BeLessOrEqual 1e-6
            $pair.shape_a | Should -Be @(4, 16)
            $pair.relative_error | Should -BeGreaterThan 0.01
        }
        $receipt.LoraAlpha | Should -Be 16
        $receipt.Approximations.Count | Should -Be 2
        $numpy = [Math]::Sqrt(($check.exact | ForEach-Object { $_.relative_error * $_.relative_error } | Measure-Object -Sum).Sum / 2)
        [Math]::Abs($receipt.RelativeError - $numpy) / $numpy | Should -BeLessOrEqual 0.05
        $check.metadata.lora_alpha | Should -Be '16'
        $receipt.OutputDigest | Should -Be $check.digests[5]
    }

    It 'Exact: -LoraAlpha overrides the metadata' {
        $out = Join-Path $TestDrive 'exact-8.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Weight $script:Weights -Method Exact -LoraAlpha 8 -OutputPath $out

        $receipt.LoraAlpha | Should -Be 8
        ((Test-WithNumpy Exact $out 8).exact | ForEach-Object error_vs_best | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 1e-6
    }

    It 'shows the receipt as a table with the short digest and, for Exact, the error' {
        $out = Join-Path $TestDrive 'view.safetensors'
        $receipt = Merge-SwarmContribution -Path $script:Inputs -Method Exact -OutputPath $out
        $text = $receipt | Format-Table | Out-String -Width 120

        $text | Should -Match 'Method\s+Inputs\s+OutputDigest\s+Error\s+Output'
        $text | Should -Match ('Exact\s+5\s+' + $receipt.OutputDigest.Substring(0, 12) + '\s+\d\.\d\de-\d+\s+')
    }

    It '-WhatIf writes nothing' {
        $out = Join-Path $TestDrive 'whatif.safetensors'
        Merge-SwarmContribution -Path $script:Inputs -OutputPath $out -WhatIf | Should -BeNullOrEmpty
        Test-Path $out | Should -BeFalse
    }

    It 'refuses to replace an existing file without -Force, and replaces it with -Force' {
        $out = Join-Path $TestDrive 'exists.safetensors'
        Set-Content $out 'keep me'
        Get-MergeError { Merge-SwarmContribution -Path $script:Inputs -OutputPath $out -ErrorAction Stop } | Should -Be 'MergeOutputExists'
        Get-Content $out | Should -Be 'keep me'

        $receipt = Merge-SwarmContribution -Path $script:Inputs -OutputPath $out -Force
        $receipt.OutputDigest | Should -Be (Get-FileHash $out -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'refuses <Case> with <ErrorId>, writing nothing' -TestCases @(
        @{ Case = 'no paths'; ErrorId = 'MergeNoPaths'; Arguments = @{ Path = @() } }
        @{ Case = 'a pattern that matches nothing'; ErrorId = 'SafetensorsFileNotFound'; Arguments = @{ Path = @('nowhere/*.safetensors') } }
        @{ Case = 'a weight count that differs from the files'; ErrorId = 'MergeWeightCountMismatch'; Arguments = @{ Weight = [double[]](1, 2) } }
        @{ Case = 'a zero weight'; ErrorId = 'MergeWeightInvalid'; Arguments = @{ Weight = [double[]](1, 0, 1, 1, 1) } }
        @{ Case = 'a negative weight'; ErrorId = 'MergeWeightInvalid'; Arguments = @{ Weight = [double[]](1, 1, -3, 1, 1) } }
        @{ Case = '-TrimFraction with FedAvg'; ErrorId = 'MergeTrimFractionNotApplicable'; Arguments = @{ TrimFraction = 0.2 } }
        @{ Case = '-LoraAlpha with Median'; ErrorId = 'MergeLoraAlphaNotApplicable'; Arguments = @{ Method = 'Median'; LoraAlpha = 16 } }
        @{ Case = 'TrimmedMean without -TrimFraction'; ErrorId = 'MergeTrimFractionMissing'; Arguments = @{ Method = 'TrimmedMean' } }
        @{ Case = 'a trim fraction of 0.5'; ErrorId = 'AggregationTrimFractionInvalid'; Arguments = @{ Method = 'TrimmedMean'; TrimFraction = 0.5 } }
        @{ Case = 'a non-positive -LoraAlpha'; ErrorId = 'AggregationLoraAlphaInvalid'; Arguments = @{ Method = 'Exact'; LoraAlpha = 0 } }
    ) {
        param($Case, $ErrorId, $Arguments)
        $out = Join-Path $TestDrive "refused-$([Guid]::NewGuid().ToString('N')).safetensors"
        $splat = @{ Path = $script:Inputs; OutputPath = $out; ErrorAction = 'Stop' }
        foreach ($key in $Arguments.Keys) { $splat[$key] = $Arguments[$key] }
        Push-Location $TestDrive
        try { Get-MergeError { Merge-SwarmContribution @splat } | Should -Be $ErrorId }
        finally { Pop-Location }
        Test-Path $out | Should -BeFalse
    }

    It 'passes the reader''s and the aggregation''s refusals through: <Case>' -TestCases @(
        @{ Case = 'a file that is not safetensors'; File = 'junk.safetensors'; ErrorId = 'SafetensorsFileTooShort' }
        @{ Case = 'a tensor of another shape'; File = 'shape.safetensors'; ErrorId = 'AggregationShapeMismatch' }
        @{ Case = 'a tensor of another name'; File = 'names.safetensors'; ErrorId = 'AggregationTensorMissing' }
        @{ Case = 'one adapter twice'; File = 'a.safetensors'; ErrorId = 'AggregationContributionDuplicate' }
    ) {
        param($Case, $File, $ErrorId)
        Set-Content (Join-Path $script:Dir 'junk.safetensors') 'abc' -NoNewline
        $out = Join-Path $TestDrive "refused-$([Guid]::NewGuid().ToString('N')).safetensors"
        Get-MergeError { Merge-SwarmContribution -Path ($script:Inputs + (Join-Path $script:Dir $File)) -OutputPath $out -ErrorAction Stop } | Should -Be $ErrorId
        Test-Path $out | Should -BeFalse
    }

    It 'Exact without an alpha anywhere is refused (MergeLoraAlphaMissing); PEFT''s adapter_config.json supplies one' {
        $peft = Join-Path $TestDrive 'peft'
        $noAlpha = Join-Path $TestDrive 'noalpha'
        foreach ($site in 'a', 'b') {
            New-Item -ItemType Directory (Join-Path $peft $site), (Join-Path $noAlpha $site) -Force | Out-Null
        }
        # shape.safetensors and names.safetensors carry no lora_alpha; shape.safetensors fits itself.
        Copy-Item (Join-Path $script:Dir 'shape.safetensors') (Join-Path $noAlpha 'a/adapter_model.safetensors')
        Copy-Item (Join-Path $script:Dir 'shape.safetensors') (Join-Path $noAlpha 'b/other.safetensors')
        Get-MergeError {
            Merge-SwarmContribution -Path (Join-Path $noAlpha 'a/adapter_model.safetensors'), (Join-Path $noAlpha 'b/other.safetensors') -Method Exact -OutputPath (Join-Path $TestDrive 'none.safetensors') -ErrorAction Stop
        } | Should -Be 'MergeLoraAlphaMissing'

        foreach ($site in 'a', 'b') {
            Copy-Item (Join-Path $script:Dir 'shape.safetensors') (Join-Path $peft "$site/adapter_model.safetensors")
            Set-Content (Join-Path $peft "$site/adapter_config.json") '{"peft_type": "LORA", "r": 4, "lora_alpha": 32}'
        }
        $receipt = Merge-SwarmContribution -Path (Join-Path $peft '*/adapter_model.safetensors') -Method Exact -OutputPath (Join-Path $TestDrive 'peft.safetensors')
        $receipt.LoraAlpha | Should -Be 32
        $receipt.Inputs.Count | Should -Be 2

        Set-Content (Join-Path $peft 'b/adapter_config.json') '{"lora_alpha": 8}'
        Get-MergeError {
            Merge-SwarmContribution -Path (Join-Path $peft '*/adapter_model.safetensors') -Method Exact -OutputPath (Join-Path $TestDrive 'peft-2.safetensors') -ErrorAction Stop
        } | Should -Be 'MergeLoraAlphaDisagrees'
    }
}
