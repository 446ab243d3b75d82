using Xunit.Abstractions;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Tests.Training;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// The trainer's jobs end to end as child processes on the committed corpus: a train job on shard-0 writes an
/// adapter and manifest the coordinator's validator accepts, lowers the shard's loss, and agrees with a
/// float64 numpy implementation of the contract; an evaluate job shows the held-out loss lowered too.
/// </summary>
public sealed class TrainerTrainingTests(TrainerBaseFixture fixture, ITestOutputHelper output) : IClassFixture<TrainerBaseFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-trainer-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private (TrainerResult Result, string Output) Train(int steps = 200)
    {
        var outputDirectory = Path.Combine(_directory, "out", "train");
        var result = TrainerProcess.Run(TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, outputDirectory, TrainerProcess.Corpus("shard-0.txt"), steps), _directory);
        Assert.True(result.ExitCode == 0, result.Describe());
        return (result, outputDirectory);
    }

    [Fact]
    public void A_train_job_writes_an_adapter_and_manifest_the_validator_accepts_and_lowers_the_shard_loss()
    {
        var (result, outputDirectory) = Train();
        var manifestPath = Path.Combine(outputDirectory, "manifest.json");
        var adapterPath = Path.Combine(outputDirectory, "adapter.safetensors");

        var manifest = ContributionManifestJson.Parse(File.ReadAllBytes(manifestPath), manifestPath);
        var verdict = ContributionValidator.Validate(manifest, adapterPath, manifest.AdapterDigest, new ValidationRules
        {
            BaseSnapshotDigest = fixture.BaseDigest,
            Contract = new AdapterContract { TargetModules = ["lm_head"], Rank = 4, Alpha = 8, DType = "F32" },
            MaxUpdateNorm = 100,
        });

        Assert.True(verdict.Verdict == VerdictKind.Accepted, string.Join("; ", verdict.Reasons));
        Assert.Equal(("trainer-test", "alice", "alpha", "dotnet.cpu", "shard-0", 200, 7L), (manifest.RunId, manifest.Contributor, manifest.Site, manifest.Backend, manifest.DataShard, manifest.Steps, manifest.Seed));
        Assert.Equal(23963, manifest.ExampleCount);
        Assert.Equal(result.Heartbeats.Count(), manifest.HeartbeatCount);
        Assert.Equal(0, (int)result.TrainingHeartbeats.First()["step"]!);
        Assert.Equal(200, (int)result.TrainingHeartbeats.Last()["step"]!);
        Assert.Equal(manifest.LossBefore, (double)result.TrainingHeartbeats.First()["loss"]!);
        Assert.Equal(new JsonObject { ["event"] = "done", ["output"] = manifestPath }.ToJsonString(), result.Lines[^1].ToJsonString());
        Assert.True(manifest.LossAfter < manifest.LossBefore - 1.0, $"loss_before {manifest.LossBefore}, loss_after {manifest.LossAfter}");
        output.WriteLine(FormattableString.Invariant($"shard-0, 200 steps, lr 0.5, rank 4, alpha 8: loss_before {manifest.LossBefore:F6}, loss_after {manifest.LossAfter:F6}, {manifest.HeartbeatCount} heartbeats"));

        // Before the first step the model is the base (B is zero): loss_before is the base's loss on the shard, to the bit.
        var baseOnShard = TrainerJobs.Evaluate(fixture.BasePath, fixture.BaseDigest, Path.Combine(_directory, "eval-shard"), null);
        baseOnShard["data_path"] = TrainerProcess.Corpus("shard-0.txt");
        Assert.Equal(0, TrainerProcess.Run(baseOnShard, _directory).ExitCode);
        Assert.Equal(manifest.LossBefore, (double)TrainerJobs.ReadObject(Path.Combine(_directory, "eval-shard", "evaluation.json"))["base_loss"]!);

        // The canonical bytes, the plan's digest in the adapter, and owner-only files in an owner-only directory.
        Assert.Equal(ContributionManifestJson.Serialize(manifest), File.ReadAllBytes(manifestPath));
        using (var adapter = SafetensorsFile.Open(adapterPath))
        {
            Assert.Equal(TrainerJobs.PlanDigest, adapter.Metadata["swarmps_plan_digest"]);
            Assert.Equal("dotnet.cpu", adapter.Metadata["swarmps_backend"]);
            Assert.Equal("8", adapter.Metadata["lora_alpha"]);
            Assert.Equal("pt", adapter.Metadata["format"]);
        }

        const UnixFileMode file = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        Assert.Equal(file, File.GetUnixFileMode(manifestPath));
        Assert.Equal(file, File.GetUnixFileMode(adapterPath));
        Assert.Equal(file | UnixFileMode.UserExecute, File.GetUnixFileMode(outputDirectory));
        Assert.Equal(file | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(outputDirectory)!));
        Assert.Equal(new[] { "adapter.safetensors", "manifest.json" }, Directory.GetFileSystemEntries(outputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Heartbeats_come_at_least_every_interval_while_training_runs()
    {
        var job = TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, Path.Combine(_directory, "beats"), TrainerProcess.Corpus("shard-0.txt"), steps: 20_000);
        job["heartbeat_interval_ms"] = 100;

        var result = TrainerProcess.Run(job, _directory);

        Assert.True(result.ExitCode == 0, result.Describe());
        var beats = result.TrainingHeartbeats.Select(b => ((int)b["step"]!, At(b))).ToList();
        Assert.True(beats.Count >= 5, result.Describe());
        Assert.Equal(0, beats[0].Item1);
        Assert.Equal(20_000, beats[^1].Item1);
        Assert.All(beats.Zip(beats.Skip(1)), pair => Assert.True(pair.First.Item1 < pair.Second.Item1, "steps must increase from beat to beat"));
        var mean = (beats[^1].Item2 - beats[0].Item2).TotalMilliseconds / (beats.Count - 1);
        Assert.True(mean <= 100, $"{beats.Count} beats, one per {mean:F0} ms on average, over an interval of 100 ms");
        output.WriteLine($"{beats.Count} heartbeats over 20000 steps, one per {mean:F0} ms");
    }

    [Fact]
    public void Setup_heartbeats_come_from_the_job_read_until_step_0_and_count_so_the_manifest_is_not_stale()
    {
        var outputDirectory = Path.Combine(_directory, "setup-beats");
        var job = TrainerJobs.Train(fixture.BasePath, fixture.BaseDigest, outputDirectory, TrainerProcess.Corpus("shard-0.txt"), steps: 2000);
        job["heartbeat_interval_ms"] = 100;

        var result = TrainerProcess.Run(job, _directory);

        Assert.True(result.ExitCode == 0, result.Describe());
        var stepZero = result.Lines.ToList().FindIndex(l => (string?)l["phase"] == "train");
        // The first setup beat is printed as soon as the job is read, so one always precedes step 0, however
        // quick the setup; every line before step 0 is one, none comes after, each with exactly these fields.
        Assert.True(stepZero >= 1, result.Describe());
        Assert.All(result.Lines.Take(stepZero), l => Assert.Equal("""{"at":"","event":"heartbeat","phase":"setup"}""", Shape(l)));
        Assert.All(result.Lines.Skip(stepZero).SkipLast(1), l => Assert.Equal("""{"at":"","event":"heartbeat","loss":"","phase":"train","step":""}""", Shape(l)));
        Assert.Equal(0, (int)result.Lines[stepZero]["step"]!);
        var times = result.Lines.Take(stepZero + 1).Select(At).ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.First <= pair.Second, "setup beats go forward in time, up to step 0"));

        // started_at is when the job was read (before the first setup beat) and heartbeat_count counts the
        // setup beats, so the validator's average, (ended_at - started_at) / heartbeat_count, stays honest:
        // the contribution is fresh even against a stale threshold of the job's own interval.
        var manifestPath = Path.Combine(outputDirectory, "manifest.json");
        var manifest = ContributionManifestJson.Parse(File.ReadAllBytes(manifestPath), manifestPath);
        Assert.Equal(result.Heartbeats.Count(), manifest.HeartbeatCount);
        Assert.True(manifest.StartedAt <= times[0], $"started_at {manifest.StartedAt:O}, first setup beat {times[0]:O}");
        var verdict = ContributionValidator.Validate(manifest, Path.Combine(outputDirectory, "adapter.safetensors"), manifest.AdapterDigest, new ValidationRules
        {
            BaseSnapshotDigest = fixture.BaseDigest,
            Contract = new AdapterContract { TargetModules = ["lm_head"], Rank = 4, Alpha = 8, DType = "F32" },
            MaxUpdateNorm = 100,
            StaleAfter = TimeSpan.FromMilliseconds(100),
        });
        var heartbeats = verdict.Checks.Single(c => c.Name == "heartbeats");
        Assert.True(heartbeats.Passed, heartbeats.Detail);
        output.WriteLine($"{stepZero} setup heartbeat(s) over {(times[^1] - times[0]).TotalMilliseconds:F0} ms of setup; {heartbeats.Detail}");
    }

    /// <summary>A line's field names with blank values: the shape a third trainer must print.</summary>
    private static string Shape(JsonObject line) =>
        new JsonObject(line.Select(f => KeyValuePair.Create(f.Key, (JsonNode?)(f.Key == "event" || f.Key == "phase" ? (string?)f.Value : "")))
            .OrderBy(f => f.Key, StringComparer.Ordinal)).ToJsonString();

    private static DateTimeOffset At(JsonObject line) => DateTimeOffset.Parse((string)line["at"]!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_evaluate_job_shows_the_trained_adapter_lowering_the_held_out_loss()
    {
        var (_, trained) = Train();
        var adapterPath = Path.Combine(trained, "adapter.safetensors");
        var withAdapter = Path.Combine(_directory, "eval-adapter");
        var alone = Path.Combine(_directory, "eval-base");

        var result = TrainerProcess.Run(TrainerJobs.Evaluate(fixture.BasePath, fixture.BaseDigest, withAdapter, adapterPath), _directory);
        var baseOnly = TrainerProcess.Run(TrainerJobs.Evaluate(fixture.BasePath, fixture.BaseDigest, alone, null), _directory);

        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.True(baseOnly.ExitCode == 0, baseOnly.Describe());
        var evaluation = TrainerJobs.ReadObject(Path.Combine(withAdapter, "evaluation.json"));
        var baseLoss = (double)evaluation["base_loss"]!;
        var adapterLoss = (double)evaluation["adapter_loss"]!;
        Assert.Equal(TrainerJobs.Sha256(adapterPath), (string?)evaluation["adapter_digest"]);
        Assert.Equal(fixture.BaseDigest, (string?)evaluation["base_snapshot_digest"]);
        Assert.Equal("held-out", (string?)evaluation["held_out_shard"]);
        Assert.Equal("dotnet.cpu", (string?)evaluation["backend"]);
        Assert.True(adapterLoss < baseLoss - 1.0, $"held-out base {baseLoss}, adapter {adapterLoss}");
        output.WriteLine(FormattableString.Invariant($"held-out: base {baseLoss:F6}, adapter {adapterLoss:F6}"));

        var alonePath = Path.Combine(alone, "evaluation.json");
        var baseEvaluation = TrainerJobs.ReadObject(alonePath);
        Assert.Null(baseEvaluation["adapter_digest"]);
        Assert.Null(baseEvaluation["adapter_loss"]);
        Assert.Equal(baseLoss, (double)baseEvaluation["base_loss"]!);

        // Canonical JSON: Python's json.dumps(sort_keys=True, indent=2) of the same object, plus a newline.
        var python = PythonScript.Run("import json,sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True, indent=2))", alonePath);
        Assert.Equal(python, File.ReadAllText(alonePath));
    }

    [Fact]
    public void The_adapter_and_losses_agree_with_a_float64_numpy_implementation_of_the_contract()
    {
        var (_, trained) = Train(steps: 60);
        var manifest = ContributionManifestJson.Parse(File.ReadAllBytes(Path.Combine(trained, "manifest.json")), "manifest.json");

        var reference = JsonNode.Parse(PythonScript.Run(NumpyTrainer, fixture.BasePath, TrainerProcess.Corpus("shard-0.txt"), Path.Combine(trained, "adapter.safetensors"), "60"))!.AsObject();

        Assert.Equal(manifest.ExampleCount, (long)reference["examples"]!);
        Assert.True(Math.Abs(manifest.LossBefore - (double)reference["loss_before"]!) < 1e-6, reference.ToJsonString());
        Assert.True(Math.Abs(manifest.LossAfter - (double)reference["loss_after"]!) < 1e-6, reference.ToJsonString());
        Assert.True((double)reference["max_diff_a"]! < 1e-5 && (double)reference["max_diff_b"]! < 1e-5, reference.ToJsonString());
        Assert.True((double)reference["max_b"]! > 0.1, "B should have moved well away from zero");
        output.WriteLine(reference.ToJsonString());
    }

    /// <summary>
    /// The contract's model written from the page in numpy, float64 throughout, the merged head (W + s·B·A)
    /// as the formula reads: base drawn by SplitMix64 and compared bitwise with the trainer's base, examples,
    /// the loss before, SGD for the given steps from seed 7 (rank 4, alpha 8, lr 0.5), the loss after, and
    /// the largest difference from the trainer's A and B.
    /// </summary>
    private const string NumpyTrainer = """
        import json, struct, sys
        import numpy as np
        M = (1 << 64) - 1
        class SplitMix64:
            def __init__(self, seed): self.x = seed & M
            def next(self):
                self.x = (self.x + 0x9E3779B97F4A7C15) & M
                z = self.x
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                return z ^ (z >> 31)
            def fill(self, n, bound):
                return np.array([np.float32((2 * ((self.next() >> 11) * 2.0 ** -53) - 1) * bound) for _ in range(n)], dtype=np.float32)
        def read(path):
            data = open(path, 'rb').read()
            n = struct.unpack('<Q', data[:8])[0]
            header = json.loads(data[8:8 + n])
            return {k: np.frombuffer(data[8 + n + v['data_offsets'][0]:8 + n + v['data_offsets'][1]], dtype='<f4').reshape(v['shape'])
                    for k, v in header.items() if k != '__metadata__'}
        base = read(sys.argv[1])
        g = SplitMix64(1)
        drawn = {'embed.weight': g.fill(32 * 32, 1.0).reshape(32, 32),
                 'hidden.weight': g.fill(128 * 96, 1 / np.sqrt(96)).reshape(128, 96),
                 'hidden.bias': g.fill(128, 1 / np.sqrt(96)),
                 'lm_head.weight': g.fill(32 * 128, 1 / np.sqrt(128)).reshape(32, 128),
                 'lm_head.bias': np.zeros(32, np.float32)}
        assert sorted(base) == sorted(drawn)
        for name in drawn:
            assert np.array_equal(drawn[name], base[name]), name
        def token(c):
            return 2 + ord(c) - ord('a') if 'a' <= c <= 'z' else {' ': 28, '.': 29, ',': 30, "'": 31}[c]
        contexts, targets = [], []
        for line in open(sys.argv[2]).read().split('\n'):
            if not line:
                continue
            t = [token(c) for c in line] + [1]
            for p in range(len(t)):
                contexts.append([t[p - k] if p - k >= 0 else 0 for k in (3, 2, 1)])
                targets.append(t[p])
        contexts, targets = np.array(contexts), np.array(targets)
        n = len(targets)
        x = base['embed.weight'].astype(np.float64)[contexts].reshape(n, 96)
        h = np.tanh(x @ base['hidden.weight'].T.astype(np.float64) + base['hidden.bias'])
        w, bias = base['lm_head.weight'].astype(np.float64), base['lm_head.bias'].astype(np.float64)
        rank, alpha, lr, steps = 4, 8.0, 0.5, int(sys.argv[4])
        s = alpha / rank
        a = SplitMix64(7).fill(rank * 128, 1 / np.sqrt(128)).reshape(rank, 128).astype(np.float64)
        b = np.zeros((32, rank))
        def losses(idx):
            z = h[idx] @ (w + s * b @ a).T + bias
            m = z.max(axis=1, keepdims=True)
            return m[:, 0] + np.log(np.exp(z - m).sum(axis=1)) - z[np.arange(len(idx)), targets[idx]], z
        loss_before = losses(np.arange(n))[0].mean()
        for k in range(steps):
            idx = (32 * k + np.arange(32)) % n
            _, z = losses(idx)
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(32), targets[idx]] -= 1
            u = h[idx] @ a.T
            grad_b = s * p.T @ u / 32
            grad_a = s * (p @ b).T @ h[idx] / 32
            a -= lr * grad_a
            b -= lr * grad_b
        loss_after = losses(np.arange(n))[0].mean()
        adapter = read(sys.argv[3])
        print(json.dumps({'examples': n, 'loss_before': loss_before, 'loss_after': loss_after,
                          'max_diff_a': float(np.abs(adapter['base_model.model.lm_head.lora_A.weight'] - a).max()),
                          'max_diff_b': float(np.abs(adapter['base_model.model.lm_head.lora_B.weight'] - b).max()),
                          'max_b': float(np.abs(b).max())}))
        """;
}
