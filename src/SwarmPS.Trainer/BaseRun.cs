namespace SwarmPS.Trainer;

/// <summary>
/// A <c>base</c> job: the base snapshot drawn from <c>base_seed</c>, written as <c>base.safetensors</c>. The
/// same seed gives the same bytes on every machine (SplitMix64, one rounding per value, the reference
/// writer's layout), so a plan can name a base by seed and digest and anyone can check it.
/// </summary>
internal static class BaseRun
{
    public const string BaseFile = "base.safetensors";

    public static string Run(TrainerJob job)
    {
        var output = TrainerOutput.Prepare(job.OutputDirectory, BaseFile);
        var model = BaseModel.Generate((ulong)job.BaseSeed);
        return output.WriteSafetensors(BaseFile, model.ToWrite(), new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" });
    }
}
