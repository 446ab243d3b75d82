using System.Globalization;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// The replay sample: none at 0, all at 1, about the share asked in between, the same answer every time,
/// and the same answer Python gives from the documented rule (so a drill written in Python agrees).
/// </summary>
public sealed class ReplaySelectionTests
{
    private static readonly TrainingPlan Plan = new()
    {
        Namespace = "ft-demo",
        CoordinatorSite = "alpha",
        Contributors = new[] { new PlanContributor("c1", "alpha", "dotnet.cpu", "cpu:0", "shard-0") },
        BaseSnapshotPath = "/data/base.safetensors",
        BaseSnapshotDigest = "sha256:" + new string('a', 64),
        Contract = new AdapterContract { TargetModules = new[] { "lm_head" }, Rank = 4, Alpha = 8, DType = "F32" },
        Steps = 50,
        Seed = 7,
        LearningRate = 0.01,
        AdmissionTokenVariable = "SWARM_TRAINING_TOKEN",
        MaxUpdateNorm = 10,
        ReplaySample = 0.5,
        Digest = "sha256:" + new string('0', 63) + "1",
    };

    private static readonly string[] Ids = Enumerable.Range(0, 1000).Select(i => $"contrib-{i}").ToArray();

    [Fact]
    public void A_sample_of_0_picks_none_and_of_1_picks_all()
    {
        Assert.DoesNotContain(Ids, id => ReplaySelection.Picks(Plan with { ReplaySample = 0 }, id));
        Assert.All(Ids, id => Assert.True(ReplaySelection.Picks(Plan with { ReplaySample = 1 }, id)));
    }

    [Fact]
    public void A_sample_of_one_half_picks_about_half_and_the_same_ones_every_time()
    {
        var picked = Ids.Where(id => ReplaySelection.Picks(Plan, id)).ToList();

        // Binomial(1000, 0.5): 430..570 is more than four standard deviations either side.
        Assert.InRange(picked.Count, 430, 570);
        Assert.Equal(picked, Ids.Where(id => ReplaySelection.Picks(Plan, id)).ToList());
        Assert.NotEqual(picked, Ids.Where(id => ReplaySelection.Picks(Plan with { Digest = "sha256:" + new string('0', 63) + "2" }, id)).ToList());
    }

    [Fact]
    public void Python_following_the_documented_rule_picks_the_same_contributors()
    {
        var sample = 0.3;
        var plan = Plan with { ReplaySample = sample };

        var python = PythonScript.Run("""
            import hashlib, sys
            digest, sample = sys.argv[1], float(sys.argv[2])
            for i in range(1000):
                cid = f"contrib-{i}"
                u = int.from_bytes(hashlib.sha256(f"{digest}\n{cid}".encode()).digest()[:8], "big")
                if u < sample * 2**64:
                    print(cid)
            """, plan.Digest, sample.ToString("R", CultureInfo.InvariantCulture));

        Assert.Equal(python.Split('\n', StringSplitOptions.RemoveEmptyEntries), Ids.Where(id => ReplaySelection.Picks(plan, id)));
    }
}
