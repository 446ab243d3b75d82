using System.Diagnostics;
using SwarmPS.Engine.Training;

// FedAvg merge benchmark (issue 13, Performance): K contributions of S MB each (float32), merged by the
// engine's FedAvg, against (1) this machine's memory bandwidth measured in the same run by a plain
// parallel copy of the same bytes and (2) numpy doing the same weighted sum in a python3 subprocess,
// timed inside Python, data generation excluded. Goals: FedAvg ≥ 50 % of the copy bandwidth, and faster
// than numpy.
//
// Bandwidth is counted as bytes that must cross the memory bus, read plus written: a copy of K inputs
// moves 2·K·S; a weighted sum of K inputs moves (K + 1)·S (each input read once, the output written
// once), and so does numpy's. Comparing traffic per second, not inputs per second, is what makes
// "a fraction of the copy bandwidth" meaningful.
//
// Run (repository root): dotnet run -c Release --project bench/SwarmPS.Bench.Merge [-- --mb 256 --contributions 8 --rounds 5]
// Needs about (K + 1)·S of memory for each side (2.3 GB at the defaults; numpy runs first, then .NET).

var sizeMb = Argument("--mb", 256);
var count = Argument("--contributions", 8);
var rounds = Argument("--rounds", 5);
var elements = sizeMb * 1024L * 1024 / sizeof(float);
var inputBytes = (double)count * elements * sizeof(float);
var trafficMerge = (count + 1.0) * elements * sizeof(float);
var trafficCopy = 2.0 * count * elements * sizeof(float);
var weights = Enumerable.Range(0, count).Select(k => 1000.0 + 137 * k).ToArray();

Console.WriteLine($"# FedAvg merge: {count} contributions × {sizeMb} MB float32 ({elements:N0} values each), best of {rounds} rounds");
Console.WriteLine($"date {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {Cpu()}; {Environment.ProcessorCount} cores; load average at start {LoadAverage()}");

// ---- numpy first, so the two sides never hold their 2+ GB at the same time.
var numpy = Numpy(count, elements, weights, rounds);
Console.WriteLine($"numpy {numpy.Version}: " + string.Join("; ", numpy.Variants.Select(v => $"{v.Key} {v.Value:F3} s")));

// ---- the same data shape on the .NET side (generation not timed).
var inputs = new float[count][];
Parallel.For(0, count, k =>
{
    var data = GC.AllocateUninitializedArray<float>((int)elements);
    var random = new Random(k);
    for (var i = 0; i < data.Length; i++)
    {
        data[i] = (float)(random.NextDouble() - 0.5);
    }

    inputs[k] = data;
});
var output = new float[elements];
Array.Fill(output, 1f); // touched: the kernel and the copy both write into resident memory

// Warm-up (JIT, thread pool) on a small slice, not timed.
FedAvgKernel.WeightedSum(inputs.Select(a => (ReadOnlyMemory<float>)a.AsMemory(0, 1 << 20)).ToList(), Normalized(weights), output.AsMemory(0, 1 << 20));
ParallelCopy(inputs[0].AsMemory(0, 1 << 20), output.AsMemory(0, 1 << 20));

var copySeconds = Best(rounds, () =>
{
    foreach (var input in inputs)
    {
        ParallelCopy(input, output);
    }
}, "copy");

var memories = inputs.Select(a => (ReadOnlyMemory<float>)a).ToList();
var normalized = Normalized(weights);
var kernelSeconds = Best(rounds, () => FedAvgKernel.WeightedSum(memories, normalized, output), "FedAvg kernel");

var contributions = inputs.Select((a, k) => new AggregationContribution($"c{k}", weights[k], [new AggregationTensor("w", [a.Length], a)])).ToList();
var noDigest = new AggregationOptions { DigestOutputs = false };
var endToEndSeconds = Best(rounds, () => ContributionAggregator.FedAvg(contributions, noDigest), "FedAvg end to end");

// Check the merge against the kernel's own result once (same bits: same code path, same weights).
var merged = ContributionAggregator.FedAvg(contributions, noDigest).Tensors[0].Data.Span;
if (!merged.SequenceEqual(output))
{
    Console.WriteLine("MISMATCH: the end-to-end merge and the kernel disagree");
    return 2;
}

// The receipt's sha256 of the merged tensor, on by default, timed once (it is not part of the goal).
var digestClock = Stopwatch.StartNew();
TensorDigest.Sha256(output);
var digestSeconds = digestClock.Elapsed.TotalSeconds;

double Gb(double bytes, double seconds) => bytes / seconds / 1e9;
var copyBandwidth = Gb(trafficCopy, copySeconds);
var kernelBandwidth = Gb(trafficMerge, kernelSeconds);
var endToEndBandwidth = Gb(trafficMerge, endToEndSeconds);
var numpyBest = numpy.Variants.MinBy(v => v.Value);
var numpyBandwidth = Gb(trafficMerge, numpyBest.Value);

Console.WriteLine();
Console.WriteLine("| measure | time (s) | traffic (GB) | GB/s | input GB/s |");
Console.WriteLine("|---|---:|---:|---:|---:|");
Console.WriteLine($"| plain copy of the same bytes (parallel) | {copySeconds:F3} | {trafficCopy / 1e9:F2} | {copyBandwidth:F2} | {Gb(inputBytes, copySeconds):F2} |");
Console.WriteLine($"| FedAvg kernel (FedAvgKernel.WeightedSum, into resident output) | {kernelSeconds:F3} | {trafficMerge / 1e9:F2} | {kernelBandwidth:F2} | {Gb(inputBytes, kernelSeconds):F2} |");
Console.WriteLine($"| FedAvg end to end (ContributionAggregator.FedAvg: checks, fresh output, receipt, no digest) | {endToEndSeconds:F3} | {trafficMerge / 1e9:F2} | {endToEndBandwidth:F2} | {Gb(inputBytes, endToEndSeconds):F2} |");
Console.WriteLine($"| numpy, best variant ({numpyBest.Key}) | {numpyBest.Value:F3} | {trafficMerge / 1e9:F2} | {numpyBandwidth:F2} | {Gb(inputBytes, numpyBest.Value):F2} |");
Console.WriteLine($"| sha256 of the merged tensor for the receipt (once, one core) | {digestSeconds:F3} | {elements * 4 / 1e9:F2} | {Gb(elements * 4, digestSeconds):F2} | |");
Console.WriteLine();
Console.WriteLine($"kernel / copy bandwidth: {kernelBandwidth / copyBandwidth:P0} (goal ≥ 50 %); end to end / copy: {endToEndBandwidth / copyBandwidth:P0}");
Console.WriteLine($"numpy time / kernel time: {numpyBest.Value / kernelSeconds:F2}× ; numpy / end to end: {numpyBest.Value / endToEndSeconds:F2}× (goal > 1)");
// Exact on one typical module (4096×4096, rank 16, the same K): no goal, the figure an operator plans with.
if (!args.Contains("--no-exact"))
{
    var random = new Random(7);
    float[] Sample(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    var lora = Enumerable.Range(0, count).Select(k => new AggregationContribution($"c{k}", weights[k],
    [
        new AggregationTensor("q_proj.lora_A.weight", [16, 4096], Sample(16 * 4096)),
        new AggregationTensor("q_proj.lora_B.weight", [4096, 16], Sample(4096 * 16)),
    ])).ToList();
    var exactClock = Stopwatch.StartNew();
    var exact = ContributionAggregator.Exact(lora, 32, noDigest);
    Console.WriteLine($"Exact, one 4096×4096 module, rank 16, {count} contributions: {exactClock.Elapsed.TotalSeconds:F2} s " +
        $"(relative error {exact.Receipt.RelativeError:F3}: {count} random rank-16 updates do not fit in rank 16)");
}

Console.WriteLine($"load average at end {LoadAverage()}");
return 0;

static float[] Normalized(double[] weights) => weights.Select(w => (float)(w / weights.Sum())).ToArray();

// A memory-bandwidth reference: memcpy in 1 MiB pieces over all cores, the same parallelism FedAvg uses.
static void ParallelCopy(ReadOnlyMemory<float> source, Memory<float> destination)
{
    const int piece = 1 << 18;
    var pieces = (source.Length + piece - 1) / piece;
    Parallel.For(0, pieces, p =>
    {
        var start = p * piece;
        var length = Math.Min(piece, source.Length - start);
        source.Span.Slice(start, length).CopyTo(destination.Span.Slice(start, length));
    });
}

// Best of the rounds, and the first round alone printed: the first one runs TensorPrimitives partly as
// tier-0 code (the JIT optimizes a method only after it has been called a while), so it shows what a
// one-shot merge in a fresh pwsh pays, and the best shows the kernel itself.
static double Best(int rounds, Action action, string name)
{
    var times = new List<double>();
    for (var round = 0; round < rounds; round++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var clock = Stopwatch.StartNew();
        action();
        times.Add(clock.Elapsed.TotalSeconds);
    }

    Console.WriteLine($"{name}: rounds " + string.Join(", ", times.Select(t => t.ToString("F3"))) + " s");
    return times.Min();
}

static (string Version, Dictionary<string, double> Variants) Numpy(int count, long elements, double[] weights, int rounds)
{
    // Three idiomatic ways of writing the weighted sum, so numpy is credited with its best.
    const string script = """
        import json, sys, time
        import numpy as np
        k, n, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        w = np.array(json.loads(sys.argv[4]), dtype=np.float64)
        w = (w / w.sum()).astype(np.float32)
        rng = np.random.default_rng(0)
        x = np.empty((k, n), dtype=np.float32)
        for i in range(k):
            x[i] = rng.random(n, dtype=np.float32) - 0.5
        out = np.ones(n, dtype=np.float32)
        tmp = np.ones(n, dtype=np.float32)
        def expression():
            return sum(w[i] * x[i] for i in range(k))
        def in_place():
            np.multiply(x[0], w[0], out=out)
            for i in range(1, k):
                np.multiply(x[i], w[i], out=tmp)
                np.add(out, tmp, out=out)
        def matvec():
            np.dot(w, x, out=out)
        best = {}
        for name, f in (("expression", expression), ("in-place", in_place), ("np.dot (BLAS)", matvec)):
            f()
            times = []
            for _ in range(rounds):
                t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
            best[name] = min(times)
        print(json.dumps({"version": np.__version__, "best": best}))
        """;
    var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true };
    start.ArgumentList.Add("-c");
    start.ArgumentList.Add(script);
    start.ArgumentList.Add(count.ToString());
    start.ArgumentList.Add(elements.ToString());
    start.ArgumentList.Add(rounds.ToString());
    start.ArgumentList.Add("[" + string.Join(",", weights) + "]");
    using var process = Process.Start(start)!;
    var text = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"numpy failed ({process.ExitCode}); install python3-numpy.");
    }

    using var json = System.Text.Json.JsonDocument.Parse(text);
    var variants = json.RootElement.GetProperty("best").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    return (json.RootElement.GetProperty("version").GetString()!, variants);
}

int Argument(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";

static string Cpu() => File.Exists("/proc/cpuinfo")
    ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
    : "unknown CPU";
