using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Validation of real adapter files written with the safetensors writer: a good contribution is Accepted
/// with every check listed; each kind of evidence against it is Rejected naming it; stale heartbeats and a
/// required replay are ReplayRequired; and the update norm is the Frobenius norm of scale·B·A computed here
/// directly, product by product.
/// </summary>
public sealed class ContributionValidatorTests : IDisposable
{
    private const int Rank = LoraSamples.Rank;
    private const int In = LoraSamples.In;
    private const int Out = LoraSamples.Out;

    private static readonly AdapterContract Contract = LoraSamples.Contract;

    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-validate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ValidationRules Rules(double maxNorm = 1000) => new()
    {
        BaseSnapshotDigest = "sha256:" + new string('c', 64),
        Contract = Contract,
        MaxUpdateNorm = maxNorm,
        StaleAfter = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void A_contribution_that_meets_every_rule_is_Accepted_with_every_check_listed()
    {
        var (path, manifest) = Write(LoraSamples.Factors());

        var verdict = ContributionValidator.Validate(manifest, path, manifest.AdapterDigest, Rules());

        Assert.True(verdict.Verdict == VerdictKind.Accepted, string.Join("; ", verdict.Reasons));
        Assert.Equal(new[] { "adapter_digest", "upload_digest", "base_snapshot", "manifest_contract", "dtype", "lora_layout", "finite", "update_norm", "heartbeats" },
            verdict.Checks.Select(c => c.Name));
        Assert.Equal(ContributionManifestJson.Digest(manifest), verdict.ManifestDigest);
    }

    [Fact]
    public void An_adapter_trained_under_another_plan_is_a_drift_and_Rejected_and_one_under_the_run_s_plan_passes_the_plan_check()
    {
        var runPlan = "sha256:" + new string('7', 64);
        var rules = Rules() with { PlanDigest = runPlan };
        var (same, sameManifest) = LoraSamples.Write(_directory, LoraSamples.Factors(), metadata: new Dictionary<string, string> { [ContributionValidator.PlanDigestKey] = runPlan });
        var (other, otherManifest) = LoraSamples.Write(_directory, LoraSamples.Factors(), metadata: new Dictionary<string, string> { [ContributionValidator.PlanDigestKey] = "sha256:" + new string('8', 64) });
        var (silent, silentManifest) = Write(LoraSamples.Factors());

        var accepted = ContributionValidator.Validate(sameManifest, same, null, rules);
        var drifted = ContributionValidator.Validate(otherManifest, other, null, rules);
        var unstated = ContributionValidator.Validate(silentManifest, silent, null, rules);

        Assert.Equal(VerdictKind.Accepted, accepted.Verdict);
        Assert.Equal("trained under the run's plan", Assert.Single(accepted.Checks, c => c.Name == "plan").Detail);
        Assert.Equal(VerdictKind.Rejected, drifted.Verdict);
        Assert.Contains($"the run's plan is {runPlan}: a drift", Assert.Single(drifted.Reasons));
        // An adapter made by a tool that records no plan is judged by every other check.
        Assert.DoesNotContain(unstated.Checks, c => c.Name == "plan");
        Assert.Equal(VerdictKind.Accepted, unstated.Verdict);
    }

    [Fact]
    public void The_update_norm_is_the_norm_of_the_scaled_products_and_over_the_bound_is_Rejected()
    {
        var factors = LoraSamples.Factors();
        var (path, manifest) = Write(factors);
        double squares = 0;
        foreach (var module in new[] { "model.q_proj", "model.lm_head" })
        {
            var a = factors[module + ".lora_A.weight"];
            var b = factors[module + ".lora_B.weight"];
            for (var o = 0; o < Out; o++)
            {
                for (var i = 0; i < In; i++)
                {
                    double sum = 0;
                    for (var r = 0; r < Rank; r++)
                    {
                        sum += (double)b[o * Rank + r] * a[r * In + i];
                    }

                    squares += Math.Pow(Contract.Scale * sum, 2);
                }
            }
        }

        var norm = Math.Sqrt(squares);
        var within = ContributionValidator.Validate(manifest, path, null, Rules(maxNorm: norm * 1.0001));
        var over = ContributionValidator.Validate(manifest, path, null, Rules(maxNorm: norm * 0.9999));

        Assert.Equal(VerdictKind.Accepted, within.Verdict);
        Assert.Equal(VerdictKind.Rejected, over.Verdict);
        Assert.Equal(FormattableString.Invariant($"update norm {norm:G6} over the bound {norm * 0.9999:G6}"), Assert.Single(over.Reasons));
    }

    [Fact]
    public void An_upload_that_arrived_under_another_digest_is_Rejected_as_the_upload_disagreement()
    {
        var (path, manifest) = Write(LoraSamples.Factors());

        var verdict = ContributionValidator.Validate(manifest, path, "sha256:" + new string('0', 64), Rules());

        Assert.Equal(VerdictKind.Rejected, verdict.Verdict);
        Assert.StartsWith("the upload arrived as sha256:0000", Assert.Single(verdict.Reasons), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Evidence => new()
    {
        { "manifest digest", "the manifest says" },
        { "base", "the plan's base is" },
        { "rank", "has rank 3, the contract says 2" },
        { "missing module", "no LoRA pair for target module 'lm_head'" },
        { "stray tensor", "model.extra is not a LoRA factor" },
        { "dtype", "not F32: " },
        { "nan", "is NaN" },
    };

    [Theory]
    [MemberData(nameof(Evidence))]
    public void Evidence_against_a_contribution_Rejects_it_naming_what(string what, string reason)
    {
        var factors = LoraSamples.Factors();
        var manifestEdit = (Func<ContributionManifest, ContributionManifest>)(m => m);
        var dtype = TensorDType.F32;
        switch (what)
        {
            case "manifest digest": manifestEdit = m => m with { AdapterDigest = "sha256:" + new string('d', 64) }; break;
            case "base": manifestEdit = m => m with { BaseSnapshotDigest = "sha256:" + new string('e', 64) }; break;
            case "rank":
                factors["model.q_proj.lora_A.weight"] = new float[3 * In];
                factors["model.q_proj.lora_B.weight"] = new float[Out * 3];
                break;
            case "missing module": factors.Remove("model.lm_head.lora_A.weight"); factors.Remove("model.lm_head.lora_B.weight"); break;
            case "stray tensor": factors["model.extra"] = new float[4]; break;
            case "dtype": dtype = TensorDType.F64; break;
            case "nan": factors["model.q_proj.lora_B.weight"][4] = float.NaN; break;
        }

        var (path, manifest) = Write(factors, dtype);
        manifest = manifestEdit(manifest);

        var verdict = ContributionValidator.Validate(manifest, path, null, Rules());

        Assert.Equal(VerdictKind.Rejected, verdict.Verdict);
        Assert.Contains(verdict.Reasons, r => r.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Stale_heartbeats_or_a_required_replay_make_it_ReplayRequired_never_Accepted()
    {
        var (path, manifest) = Write(LoraSamples.Factors());
        var stale = manifest with { HeartbeatCount = 2, EndedAt = manifest.StartedAt.AddSeconds(60) };

        var staleVerdict = ContributionValidator.Validate(stale, path, null, Rules());
        var replayVerdict = ContributionValidator.Validate(manifest, path, null, Rules(), replayRequired: true);

        Assert.Equal(VerdictKind.ReplayRequired, staleVerdict.Verdict);
        Assert.Contains("one per 30000 ms on average, staler than 5000 ms", Assert.Single(staleVerdict.Reasons), StringComparison.Ordinal);
        Assert.Equal(VerdictKind.ReplayRequired, replayVerdict.Verdict);
        Assert.Equal("a replay is required (asked for, or picked by the plan's sample) and none has run yet", Assert.Single(replayVerdict.Reasons));
    }

    private (string Path, ContributionManifest Manifest) Write(Dictionary<string, float[]> factors, TensorDType dtype = TensorDType.F32) =>
        LoraSamples.Write(_directory, factors, dtype);
}
