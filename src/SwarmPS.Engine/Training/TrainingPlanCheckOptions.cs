namespace SwarmPS.Engine.Training;

/// <summary>Where <see cref="TrainingPlanCheck"/> looks on this machine for what a plan refers to.</summary>
public sealed record TrainingPlanCheckOptions
{
    /// <summary>The folder of the data shards: shard <c>shard-0</c> is <c>&lt;DataDirectory&gt;/shard-0.txt</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The module's <c>bin/trainer</c> folder, where the dotnet.cpu trainer (<c>SwarmPS.Trainer.dll</c>) lies.</summary>
    public required string TrainerDirectory { get; init; }

    /// <summary>The python the pytorch.cpu trainer runs on: Debian's <c>/usr/bin/python3</c> when it exists, else <c>python3</c> on PATH.</summary>
    public string? Python { get; init; } = DefaultPython();

    /// <summary>Reads an environment variable (the admission token's); only whether it is set is used, never its value.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>How long <c>import torch</c> may take (a cold import of torch 1.13 takes a few seconds on a busy machine).</summary>
    public TimeSpan ImportTimeout { get; init; } = TimeSpan.FromSeconds(60);

    private static string? DefaultPython() =>
        File.Exists("/usr/bin/python3")
            ? "/usr/bin/python3"
            : Processes.ProgramLookup.Resolve("python3", Directory.GetCurrentDirectory(), System.Environment.GetEnvironmentVariable("PATH"));
}
