using System.Globalization;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Checks one contribution (its manifest, its adapter file, the digest its upload arrived under) against
/// the plan's <see cref="ValidationRules"/>, running every check rather than stopping at the first, and
/// concludes: Rejected when any evidence is against it; ReplayRequired when nothing is but its heartbeats
/// went stale or a replay was asked for or sampled (the replay itself is the trainers' part, issue 14: until
/// a replay receipt exists the verdict stays ReplayRequired, never Accepted); otherwise Accepted.
/// </summary>
public static class ContributionValidator
{
    /// <summary>The adapter metadata key under which a trainer records the plan digest of its job.</summary>
    public const string PlanDigestKey = "swarmps_plan_digest";

    public static ContributionVerdict Validate(ContributionManifest manifest, string adapterPath, string? uploadDigest, ValidationRules rules, bool replayRequired = false)
    {
        var checks = new List<ContributionCheck>();
        using var file = SafetensorsFile.Open(adapterPath);
        var fileDigest = "sha256:" + file.ComputeSha256();

        checks.Add(new("adapter_digest", manifest.AdapterDigest == fileDigest,
            manifest.AdapterDigest == fileDigest ? $"the adapter is {fileDigest}, as the manifest says" : $"the adapter is {fileDigest}, the manifest says {manifest.AdapterDigest}"));
        if (uploadDigest is not null)
        {
            // The upload disagreement: what arrived is not what the contributor says it sent.
            checks.Add(new("upload_digest", uploadDigest == fileDigest,
                uploadDigest == fileDigest ? "the upload arrived under the adapter's digest" : $"the upload arrived as {uploadDigest}, the adapter is {fileDigest}"));
        }

        checks.Add(new("base_snapshot", manifest.BaseSnapshotDigest == rules.BaseSnapshotDigest,
            manifest.BaseSnapshotDigest == rules.BaseSnapshotDigest ? "trained from the plan's base snapshot" : $"trained from {manifest.BaseSnapshotDigest}, the plan's base is {rules.BaseSnapshotDigest}"));
        if (rules.PlanDigest is { } planDigest && file.Metadata.TryGetValue(PlanDigestKey, out var trainedUnder))
        {
            // The trainer's record of the plan it was given, inside the adapter whose digest the manifest states:
            // another plan is a drift from the run's contract (docs/trainer-contract.md "Outputs").
            checks.Add(new("plan", trainedUnder == planDigest,
                trainedUnder == planDigest ? "trained under the run's plan" : $"trained under plan {trainedUnder}, the run's plan is {planDigest}: a drift from the run's contract"));
        }

        checks.AddRange(ContractChecks(manifest, file, rules.Contract));
        var (finite, norm) = Values(file, rules.Contract.Scale);
        checks.Add(new("finite", finite is null, finite ?? "every value is finite"));
        if (finite is null)
        {
            checks.Add(new("update_norm", norm <= rules.MaxUpdateNorm, norm <= rules.MaxUpdateNorm
                ? Invariant($"update norm {norm:G6} within the bound {rules.MaxUpdateNorm:G6}")
                : Invariant($"update norm {norm:G6} over the bound {rules.MaxUpdateNorm:G6}")));
        }

        var rejected = checks.Any(check => !check.Passed);
        var interval = (manifest.EndedAt - manifest.StartedAt) / Math.Max(1, manifest.HeartbeatCount);
        var fresh = interval <= rules.StaleAfter;
        var duration = (manifest.EndedAt - manifest.StartedAt).TotalSeconds;
        checks.Add(new("heartbeats", fresh, fresh
            ? Invariant($"{manifest.HeartbeatCount} heartbeat(s) over {duration:0.#} s, within the stale threshold {rules.StaleAfter.TotalMilliseconds:0} ms")
            : Invariant($"{manifest.HeartbeatCount} heartbeat(s) over {duration:0.#} s: one per {interval.TotalMilliseconds:0} ms on average, staler than {rules.StaleAfter.TotalMilliseconds:0} ms, so a replay must confirm the work")));
        if (replayRequired)
        {
            checks.Add(new("replay", false, "a replay is required (asked for, or picked by the plan's sample) and none has run yet"));
        }

        var verdict = rejected ? VerdictKind.Rejected : checks.Any(check => !check.Passed) ? VerdictKind.ReplayRequired : VerdictKind.Accepted;
        return new ContributionVerdict(manifest.RunId, manifest.Contributor, ContributionManifestJson.Digest(manifest), verdict, checks)
        {
            Backend = manifest.Backend,
            AdapterPath = Path.GetFullPath(adapterPath),
            AdapterDigest = fileDigest,
            ExampleCount = manifest.ExampleCount,
        };
    }

    /// <summary>The adapter against the contract: the manifest's own contract, the dtype, the rank, and LoRA pairs on exactly the target modules.</summary>
    private static IEnumerable<ContributionCheck> ContractChecks(ContributionManifest manifest, SafetensorsFile file, AdapterContract contract)
    {
        var same = manifest.Contract.Rank == contract.Rank && manifest.Contract.Alpha.Equals(contract.Alpha) && manifest.Contract.DType == contract.DType
            && manifest.Contract.TargetModules.Order(StringComparer.Ordinal).SequenceEqual(contract.TargetModules.Order(StringComparer.Ordinal));
        yield return new("manifest_contract", same, same ? "the manifest states the plan's adapter contract" : "the manifest states another adapter contract than the plan's");

        var otherTypes = file.Tensors.Where(t => t.DType.HeaderName() != contract.DType).Select(t => $"{t.Name} is {t.DType.HeaderName()}").ToList();
        yield return new("dtype", otherTypes.Count == 0, otherTypes.Count == 0 ? $"every tensor is {contract.DType}" : $"not {contract.DType}: {string.Join(", ", otherTypes.Take(5))}");

        var layout = LoraLayout.Find(file.Tensors);
        var problems = layout.Problems.Select(p => $"{p.Module}: {p.Detail}").ToList();
        problems.AddRange(layout.Modules.Where(m => m.Rank != contract.Rank).Select(m => $"{m.Module} has rank {m.Rank}, the contract says {contract.Rank}"));
        var outside = layout.Modules.Where(m => !contract.TargetModules.Any(target => Targets(m.Module, target))).Select(m => $"{m.Module} is not a target module").ToList();
        var missing = contract.TargetModules.Where(target => !layout.Modules.Any(m => Targets(m.Module, target))).Select(target => $"no LoRA pair for target module '{target}'").ToList();
        var paired = layout.Modules.SelectMany(m => new[] { m.A, m.B }).ToHashSet(StringComparer.Ordinal);
        var strays = file.Tensors.Where(t => !paired.Contains(t.Name)).Select(t => $"{t.Name} is not a LoRA factor").ToList();
        var all = problems.Concat(outside).Concat(missing).Concat(strays).ToList();
        yield return new("lora_layout", all.Count == 0,
            all.Count == 0 ? $"{layout.Modules.Count} LoRA pair(s) of rank {contract.Rank} on the target modules" : string.Join("; ", all.Take(8)));
    }

    /// <summary>PEFT names modules by their full path: a target module is its last segment(s).</summary>
    private static bool Targets(string module, string target) =>
        module == target || module.EndsWith("." + target, StringComparison.Ordinal);

    /// <summary>The first non-finite value, if any; else the Frobenius norm of every module's scale·B·A together.</summary>
    private static (string? NonFinite, double Norm) Values(SafetensorsFile file, double scale)
    {
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var tensor in file.Tensors)
        {
            var data = new float[checked((int)tensor.ElementCount)];
            TensorConversion.ToSingle(file, tensor, data);
            var bad = Array.FindIndex(data, v => !float.IsFinite(v));
            if (bad >= 0)
            {
                return (Invariant($"{tensor.Name}[{bad}] is {data[bad]}"), double.NaN);
            }

            values[tensor.Name] = data;
        }

        double squares = 0;
        foreach (var module in LoraLayout.Find(file.Tensors).Modules)
        {
            squares += scale * scale * ProductNormSquared(values[module.B], values[module.A], (int)module.OutFeatures, (int)module.Rank, (int)module.InFeatures);
        }

        return (null, Math.Sqrt(squares));
    }

    /// <summary>‖B·A‖²_F = Σ_ij (BᵀB)_ij (A·Aᵀ)_ij: two r×r Gram matrices instead of the out×in product.</summary>
    private static double ProductNormSquared(float[] b, float[] a, int outFeatures, int rank, int inFeatures)
    {
        var btb = new double[rank, rank];
        var aat = new double[rank, rank];
        for (var i = 0; i < rank; i++)
        {
            for (var j = i; j < rank; j++)
            {
                double sb = 0, sa = 0;
                for (var o = 0; o < outFeatures; o++)
                {
                    sb += (double)b[o * rank + i] * b[o * rank + j];
                }

                // A's first two dimensions are [rank, in]; a convolution's kernel dimensions ride along in "in".
                var width = a.Length / rank;
                for (var k = 0; k < width; k++)
                {
                    sa += (double)a[i * width + k] * a[j * width + k];
                }

                btb[i, j] = btb[j, i] = sb;
                aat[i, j] = aat[j, i] = sa;
            }
        }

        double sum = 0;
        for (var i = 0; i < rank; i++)
        {
            for (var j = 0; j < rank; j++)
            {
                sum += btb[i, j] * aat[i, j];
            }
        }

        return sum;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
