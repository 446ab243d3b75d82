namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// Same job, same bytes: two train runs give the same adapter bit for bit, and so does a run with the
/// runtime's SIMD turned off (scalar code instead of AVX-512/AVX2), which is what makes a replay on another
/// dotnet.cpu machine bitwise; a base job gives the same snapshot for a seed, pinned by digest.
/// </summary>
public sealed class TrainerDeterminismTests(TrainerBaseFixture fixture) : IClassFixture<TrainerBaseFixture>, IDisposable
{
    /// <summary>base_seed 1's snapshot, for other trainers and tools to check their base against.</summary>
    public const string BaseSeed1Digest = "sha256:7691528e6735ff68cd77c460fb969d836dcb808296a6b62a9f131cb3774a34c7";

    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-trainer-determinism-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private byte[] TrainAdapter(string name, IReadOnlyDictionary<string, string>? environment = null)
    {
        var output = Path.Combine(_directory, name);
        var result = TrainerProcess.Run(TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, output, TrainerProcess.Corpus("shard-1.txt"), steps: 120), _directory, environment);
        Assert.True(result.ExitCode == 0, result.Describe());
        return File.ReadAllBytes(Path.Combine(output, "adapter.safetensors"));
    }

    [Fact]
    public void Two_runs_of_one_job_write_the_same_adapter_bit_for_bit_with_or_without_SIMD()
    {
        var first = TrainAdapter("first");
        var second = TrainAdapter("second");
        var scalar = TrainAdapter("scalar", new Dictionary<string, string> { ["DOTNET_EnableHWIntrinsic"] = "0" });
        var avx2 = TrainAdapter("avx2", new Dictionary<string, string> { ["DOTNET_EnableAVX512F"] = "0" });

        Assert.Equal(first, second);
        Assert.Equal(first, scalar);
        Assert.Equal(first, avx2);
    }

    [Fact]
    public void Another_seed_gives_another_adapter()
    {
        var output = Path.Combine(_directory, "seed-8");
        var result = TrainerProcess.Run(TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, output, TrainerProcess.Corpus("shard-1.txt"), steps: 120, seed: 8), _directory);
        Assert.True(result.ExitCode == 0, result.Describe());

        Assert.NotEqual(TrainAdapter("seed-7"), File.ReadAllBytes(Path.Combine(output, "adapter.safetensors")));
    }

    [Fact]
    public void A_base_job_writes_the_same_bytes_for_a_seed_and_other_bytes_for_another()
    {
        var again = Path.Combine(_directory, "again");
        var other = Path.Combine(_directory, "other");
        Assert.Equal(0, TrainerProcess.Run(TrainerJobs.Base(again, 1), _directory).ExitCode);
        Assert.Equal(0, TrainerProcess.Run(TrainerJobs.Base(other, 2), _directory).ExitCode);

        Assert.Equal(BaseSeed1Digest, fixture.BaseDigest);
        Assert.Equal(File.ReadAllBytes(fixture.BasePath), File.ReadAllBytes(Path.Combine(again, "base.safetensors")));
        Assert.NotEqual(BaseSeed1Digest, TrainerJobs.Sha256(Path.Combine(other, "base.safetensors")));
    }
}
