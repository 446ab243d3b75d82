using System.Diagnostics;
using System.Runtime.InteropServices;
using SwarmPS.Engine.Training;

// Reading an adapter is zero-copy (issue 13, "Performance"): a ~256 MB LoRA adapter (rank 64 on q, k, v
// and o of 32 layers of a 4096-wide model, float32) is written once by SafetensorsWriter, then opened,
// its header parsed and every float of every tensor summed through the typed spans of the memory map.
// The figure is what that allocates on the managed heap (GC.GetAllocatedBytesForCurrentThread), next to
// the file size, with File.ReadAllBytes of the same file as the copying baseline.
// usage: dotnet run -c Release --project bench/SwarmPS.Bench.Adapter [-- <layers> <rank>]
var layers = args.Length > 0 ? int.Parse(args[0]) : 32;
var rank = args.Length > 1 ? int.Parse(args[1]) : 64;
const int Width = 4096;

var root = Path.Combine(Path.GetTempPath(), "swarmps-bench-adapter-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    var path = Path.Combine(root, "adapter_model.safetensors");
    var tensors = new List<TensorToWrite>();
    var row = new float[Width];
    for (var layer = 0; layer < layers; layer++)
    {
        foreach (var projection in new[] { "q_proj", "k_proj", "v_proj", "o_proj" })
        {
            var module = $"base_model.model.model.layers.{layer}.self_attn.{projection}";
            // Streamed row by row: the writer never holds a tensor whole.
            void Rows(Stream stream, int count)
            {
                for (var r = 0; r < count; r++)
                {
                    row.AsSpan().Fill(r * 0.001f);
                    stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
                }
            }

            tensors.Add(new TensorToWrite(module + ".lora_A.weight", TensorDType.F32, new long[] { rank, Width }, stream => Rows(stream, rank)));
            tensors.Add(new TensorToWrite(module + ".lora_B.weight", TensorDType.F32, new long[] { Width, rank }, stream =>
            {
                var bytes = new byte[rank * sizeof(float)];
                for (var r = 0; r < Width; r++)
                {
                    stream.Write(bytes);
                }
            }));
        }
    }

    var clock = Stopwatch.StartNew();
    var writeAllocated = GC.GetAllocatedBytesForCurrentThread();
    SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    writeAllocated = GC.GetAllocatedBytesForCurrentThread() - writeAllocated;
    var length = new FileInfo(path).Length;
    Console.WriteLine($"adapter: {tensors.Count} tensors, {length / 1e6:F1} MB, written (streamed) in {clock.Elapsed.TotalSeconds:F2} s, {writeAllocated / 1e3:F0} kB allocated");

    // Twice: the first pass also faults the pages in from the page cache; the second is the steady state.
    for (var pass = 1; pass <= 2; pass++)
    {
        clock.Restart();
        var before = GC.GetAllocatedBytesForCurrentThread();
        double sum = 0;
        int copiedTensors = 0;
        using (var file = SafetensorsFile.Open(path))
        {
            var opened = GC.GetAllocatedBytesForCurrentThread() - before;
            foreach (var tensor in file.Tensors)
            {
                var values = file.GetValues<float>(tensor, out var copied);
                copiedTensors += copied ? 1 : 0;
                float partial = 0;
                foreach (var value in values)
                {
                    partial += value;
                }

                sum += partial;
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"pass {pass}: open + header {opened / 1e3:F1} kB; open + touch every float of {file.Tensors.Count} tensors: {allocated / 1e3:F1} kB allocated " +
                $"({allocated * 100.0 / length:F4} % of the file), {copiedTensors} tensors copied, {clock.Elapsed.TotalMilliseconds:F0} ms, checksum {sum:E3}");
        }
    }

    clock.Restart();
    var hashAllocated = GC.GetAllocatedBytesForCurrentThread();
    var adapter = Adapter.Read(path);
    hashAllocated = GC.GetAllocatedBytesForCurrentThread() - hashAllocated;
    Console.WriteLine($"Adapter.Read (header, sha256 of the whole file from the map, LoRA layout: {adapter.LoraModules.Count} modules, rank {adapter.Rank}): {hashAllocated / 1e3:F1} kB allocated, {clock.Elapsed.TotalMilliseconds:F0} ms");

    clock.Restart();
    var baseline = GC.GetAllocatedBytesForCurrentThread();
    var copy = File.ReadAllBytes(path);
    baseline = GC.GetAllocatedBytesForCurrentThread() - baseline;
    Console.WriteLine($"baseline File.ReadAllBytes: {baseline / 1e6:F1} MB allocated, {clock.Elapsed.TotalMilliseconds:F0} ms ({copy.Length} bytes)");
}
finally
{
    Directory.Delete(root, recursive: true);
}
