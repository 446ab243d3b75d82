namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// The plan files the plan tests read: a complete plan with one field per line (so a test can name the line
/// a refusal must point at), without timing or gates (so the defaults are read), and a way to change one
/// piece of it.
/// </summary>
internal static class PlanFiles
{
    public static readonly string SnapshotDigest = "sha256:" + new string('a', 64);

    // Line numbers matter: the refusal tests name them.
    public static readonly string Sound = string.Join('\n',
        "schema_version: 1",                                                                     // 1
        "namespace: ft-demo",                                                                    // 2
        "coordinator:",                                                                          // 3
        "  site: alpha",                                                                         // 4
        "base_snapshot:",                                                                        // 5
        "  path: ./base.safetensors",                                                            // 6
        $"  digest: \"{SnapshotDigest}\"",                                                       // 7
        "adapter:",                                                                              // 8
        "  target_modules: [lm_head]",                                                           // 9
        "  rank: 4",                                                                             // 10
        "  alpha: 8",                                                                            // 11
        "  dtype: F32",                                                                          // 12
        "training:",                                                                             // 13
        "  steps: 50",                                                                           // 14
        "  seed: 7",                                                                             // 15
        "  learning_rate: 0.01",                                                                 // 16
        "admission_token_env: SWARM_TRAINING_TOKEN",                                             // 17
        "contributors:",                                                                         // 18
        "  - { id: c1, site: alpha, backend: dotnet.cpu, device: \"cpu:0\", shard: shard-0 }",   // 19
        "  - { id: c2, site: beta, backend: pytorch.cpu, device: \"cpu:0\", shard: shard-1 }",   // 20
        "validation:",                                                                           // 21
        "  max_update_norm: 10.0",                                                               // 22
        "  replay_sample: 0.5",                                                                  // 23
        "  replay_tolerance: 1.0e-4",                                                            // 24
        "");

    /// <summary><see cref="Sound"/> with <paramref name="from"/> (which must be in it) replaced.</summary>
    public static string With(string from, string to)
    {
        Assert.Contains(from, Sound, StringComparison.Ordinal);
        return Sound.Replace(from, to, StringComparison.Ordinal);
    }
}
