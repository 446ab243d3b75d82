namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>One base snapshot (base_seed 1, written by the trainer's base mode) shared by a test class.</summary>
public sealed class TrainerBaseFixture : IDisposable
{
    public TrainerBaseFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("swarmps-trainer-base-").FullName;
        var result = TrainerProcess.Run(TrainerJobs.Base(Path.Combine(Directory, "base")), Directory);
        Assert.True(result.ExitCode == 0, result.Describe());
        BasePath = Path.Combine(Directory, "base", "base.safetensors");
        BaseDigest = TrainerJobs.Sha256(BasePath);
    }

    public string Directory { get; }

    public string BasePath { get; }

    public string BaseDigest { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
