using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// The independent check of the aggregation numerics: the inputs (and the engine's outputs) are written
/// as raw little-endian files with a JSON description, and /usr/bin/python3 with numpy computes the
/// reference in float64 from those bytes alone: its own bf16/f16 decoding, its own weighting, sorting,
/// and numpy.linalg.svd for Exact. Nothing of the engine's is reused on the Python side.
/// </summary>
internal sealed class NumpyReference : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-aggregation-").FullName;
    private readonly JsonArray _contributions = new();
    private readonly JsonArray _outputs = new();
    private int _files;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>One contribution's tensors as raw bytes of the given dtype ("f32", "bf16" or "f16").</summary>
    public void AddContribution(double weight, IEnumerable<(string Name, int[] Shape, string Dtype, byte[] Bytes)> tensors)
    {
        var list = new JsonArray();
        foreach (var (name, shape, dtype, bytes) in tensors)
        {
            list.Add(new JsonObject { ["name"] = name, ["shape"] = Shape(shape), ["dtype"] = dtype, ["file"] = Write(bytes) });
        }

        _contributions.Add(new JsonObject { ["weight"] = weight, ["tensors"] = list });
    }

    public void AddContribution(AggregationContribution contribution) =>
        AddContribution(contribution.Weight, contribution.Tensors.Select(t => (t.Name, t.Shape.ToArray(), "f32", Float32Bytes(t.Data.ToArray()))));

    /// <summary>The engine's merged tensors, so Python can measure Exact's factors itself.</summary>
    public void AddOutputs(IEnumerable<AggregationTensor> tensors)
    {
        foreach (var tensor in tensors)
        {
            _outputs.Add(new JsonObject
            {
                ["name"] = tensor.Name, ["shape"] = Shape(tensor.Shape.ToArray()), ["file"] = Write(Float32Bytes(tensor.Data.ToArray())),
            });
        }
    }

    /// <summary>Runs the reference for a method ("fedavg", "median", "trimmed", "exact").</summary>
    public Result Compute(string method, double trim = 0, double alpha = 0)
    {
        var description = new JsonObject
        {
            ["method"] = method, ["trim"] = trim, ["alpha"] = alpha, ["contributions"] = _contributions.DeepClone(), ["outputs"] = _outputs.DeepClone(),
        };
        var descriptionPath = Path.Combine(_directory, "description.json");
        File.WriteAllText(descriptionPath, description.ToJsonString());
        var scriptPath = Path.Combine(_directory, "reference.py");
        File.WriteAllText(scriptPath, Script);

        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(scriptPath);
        start.ArgumentList.Add(descriptionPath);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"numpy reference failed ({process.ExitCode}): {stderr.Result}");
        return new Result(JsonNode.Parse(stdout)!.AsObject(), _directory);
    }

    public sealed class Result(JsonObject json, string directory)
    {
        /// <summary>The float64 reference of a merged tensor.</summary>
        public double[] Expected(string name) => ReadDoubles(json["tensors"]![name]!["expected"]!.GetValue<string>());

        /// <summary>Per value, the magnitude the rounding of a float32 result scales with (Σ|w·x| for FedAvg).</summary>
        public double[] Scale(string name) => ReadDoubles(json["tensors"]![name]!["scale"]!.GetValue<string>());

        public double Pair(string loraA, string field) => json["pairs"]![loraA]![field]!.GetValue<double>();

        public string Sha256(string name) => json["sha256"]![name]!.GetValue<string>();

        private double[] ReadDoubles(string file) => MemoryMarshal.Cast<byte, double>(File.ReadAllBytes(Path.Combine(directory, file))).ToArray();
    }

    /// <summary>float32 results within 1e-6 of the reference, relative to the size of what was summed.</summary>
    public static void AssertClose(Result reference, AggregationTensor actual, double relative = 1e-6)
    {
        var expected = reference.Expected(actual.Name);
        var scale = reference.Scale(actual.Name);
        var values = actual.Data.Span;
        Assert.Equal(expected.Length, values.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            // Relative to max(|expected|, Σ|terms|): where terms cancel, a float32 sum can only be as good
            // as its largest terms, so "relative to the result" would demand more than float32 holds.
            var tolerance = relative * Math.Max(Math.Abs(expected[i]), scale[i]) + 1e-30;
            Assert.True(Math.Abs(values[i] - expected[i]) <= tolerance,
                $"{actual.Name}[{i}]: engine {values[i]:R}, numpy {expected[i]:R}, tolerance {tolerance:E2}");
        }
    }

    public static byte[] Float32Bytes(float[] values) => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static JsonArray Shape(int[] shape) => new(shape.Select(d => (JsonNode)d).ToArray());

    private string Write(byte[] bytes)
    {
        var name = $"t{_files++}.bin";
        File.WriteAllBytes(Path.Combine(_directory, name), bytes);
        return name;
    }

    private static string Python
    {
        get
        {
            const string path = "/usr/bin/python3";
            Assert.True(File.Exists(path), "/usr/bin/python3 is required for the numpy cross-check (apt-get install python3 python3-numpy).");
            return path;
        }
    }

    private const string Script = """
        import hashlib, json, os, sys
        import numpy as np

        description_path = sys.argv[1]
        base = os.path.dirname(description_path)
        d = json.load(open(description_path))

        def load(t):
            raw = open(os.path.join(base, t["file"]), "rb").read()
            if t["dtype"] == "f32":
                a = np.frombuffer(raw, dtype="<f4").astype(np.float64)
            elif t["dtype"] == "f16":
                a = np.frombuffer(raw, dtype="<f2").astype(np.float64)
            elif t["dtype"] == "bf16":
                # bfloat16 is the top half of a float32: shift the 16 bits up and reinterpret.
                a = (np.frombuffer(raw, dtype="<u2").astype("<u4") << 16).view("<f4").astype(np.float64)
            else:
                raise SystemExit("unknown dtype " + t["dtype"])
            return a.reshape(t["shape"])

        contributions = d["contributions"]
        names = [t["name"] for t in contributions[0]["tensors"]]
        tensors = [{t["name"]: load(t) for t in c["tensors"]} for c in contributions]
        w = np.array([c["weight"] for c in contributions], dtype=np.float64)
        w = w / w.sum()
        k = len(contributions)
        method = d["method"]
        out = {"tensors": {}, "pairs": {}, "sha256": {}}
        written = 0

        def save(array):
            global written
            name = "ref%d.f64" % written
            written += 1
            np.ascontiguousarray(array, dtype="<f8").tofile(os.path.join(base, name))
            return name

        def fedavg(name):
            stack = np.stack([t[name] for t in tensors])
            weighted = w.reshape((k,) + (1,) * (stack.ndim - 1)) * stack
            return weighted.sum(axis=0), np.abs(weighted).sum(axis=0)

        pairs = {}
        if method == "exact":
            for name in names:
                if "lora_A" in name:
                    i = name.rindex("lora_A")
                    pairs[name] = name[:i] + "lora_B" + name[i + 6:]
        in_pairs = set(pairs) | set(pairs.values())

        for name in names:
            if name in in_pairs:
                continue
            stack = np.stack([t[name] for t in tensors])
            if method in ("fedavg", "exact"):
                expected, scale = fedavg(name)
            elif method == "median":
                expected = np.median(stack, axis=0)
                scale = np.abs(expected)
            elif method == "trimmed":
                g = int(np.floor(d["trim"] * k))
                kept = np.sort(stack, axis=0)[g:k - g]
                expected = kept.mean(axis=0)
                scale = np.abs(kept).mean(axis=0)
            else:
                raise SystemExit("unknown method " + method)
            out["tensors"][name] = {"expected": save(expected), "scale": save(scale)}

        ours = {o["name"]: np.fromfile(os.path.join(base, o["file"]), dtype="<f4").reshape(o["shape"]) for o in d["outputs"]}
        for name, array in ours.items():
            out["sha256"][name] = hashlib.sha256(np.ascontiguousarray(array, dtype="<f4").tobytes()).hexdigest()

        for a_name, b_name in pairs.items():
            r = tensors[0][a_name].shape[0]
            scale = d["alpha"] / r
            mean = sum(w[j] * scale * (tensors[j][b_name] @ tensors[j][a_name]) for j in range(k))
            u, s, vt = np.linalg.svd(mean, full_matrices=False)
            best = (u[:, :r] * s[:r]) @ vt[:r]
            entry = {"mean_norm": float(np.linalg.norm(mean)), "optimal_error": float(np.linalg.norm(mean - best))}
            if a_name in ours:
                product = scale * (ours[b_name].astype(np.float64) @ ours[a_name].astype(np.float64))
                entry["our_error"] = float(np.linalg.norm(mean - product))
                entry["distance_to_best"] = float(np.linalg.norm(product - best))
                naive = scale * (sum(w[j] * tensors[j][b_name] for j in range(k)) @ sum(w[j] * tensors[j][a_name] for j in range(k)))
                entry["naive_error"] = float(np.linalg.norm(mean - naive))
            out["pairs"][a_name] = entry

        print(json.dumps(out))
        """;
}
