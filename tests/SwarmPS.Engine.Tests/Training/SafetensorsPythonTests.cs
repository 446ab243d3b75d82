using System.Runtime.InteropServices;
using System.Text.Json;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Files written by Python (struct + json + numpy, following the format's README, not the safetensors
/// package) read here with the right values, and files written here read by Python with the right values,
/// and laid out byte for byte as the reference writer's rules lay them out.
/// </summary>
public sealed class SafetensorsPythonTests : IDisposable
{
    // Tensors in name order, header unpadded: the layout of older writers, so some tensors are misaligned.
    private const string WriteScript = """
import json, struct, sys
import numpy as np
def bf16(values):
    bits = np.array(values, dtype=np.float32).view(np.uint32)
    return (bits >> 16).astype(np.uint16)
tensors = {
    "base_model.model.q_proj.lora_A.weight": ("F32", (np.arange(6, dtype=np.float32).reshape(2, 3) * 0.5)),
    "base_model.model.q_proj.lora_B.weight": ("F32", (np.arange(8, dtype=np.float32).reshape(4, 2) - 3.25)),
    "w.bf16": ("BF16", bf16([1.0, -3.5, 0.15625])),
    "w.bool": ("BOOL", np.array([True, False, True], dtype=np.bool_)),
    "w.empty": ("F32", np.zeros((0, 4), dtype=np.float32)),
    "w.f16": ("F16", np.array([1.5, -2.25, 65504.0], dtype=np.float16)),
    "w.f64": ("F64", np.array([np.pi, -1e300], dtype=np.float64)),
    "w.i32": ("I32", np.array([[-5], [2**31 - 1]], dtype=np.int32)),
    "w.i64": ("I64", np.array([-(2**62), 7], dtype=np.int64)),
    "w.i8": ("I8", np.array([-128, 127, 0], dtype=np.int8)),
    "w.scalar": ("F32", np.array(2.5, dtype=np.float32)),
    "w.u8": ("U8", np.array([0, 255], dtype=np.uint8)),
}
header = {"__metadata__": {"format": "pt", "note": "é \"quoted\""}}
data = b""
for name in sorted(tensors):
    dtype, array = tensors[name]
    raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
    header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header).encode("utf-8")
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    f.write(data)
""";

    // Reads a file with struct + json + numpy and prints every tensor's values; checks the padding too.
    private const string ReadScript = """
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0, "header length is padded to 8"
text = raw[8:8 + n].decode("utf-8")
assert text.rstrip(" ").endswith("}") and len(text) - len(text.rstrip(" ")) < 8, "padding is under 8 spaces"
header = json.loads(text)
data = raw[8 + n:]
kinds = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I8": "i1", "U8": "u1", "BOOL": "?", "BF16": "<u2"}
out = {"__metadata__": header.pop("__metadata__", {}), "order": [], "aligned": True}
end = 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    begin, stop = info["data_offsets"]
    assert begin == end, name
    end = stop
    if (8 + n + begin) % np.dtype(kinds[info["dtype"]]).itemsize != 0:
        out["aligned"] = False
    values = np.frombuffer(data[begin:stop], dtype=kinds[info["dtype"]]).reshape(info["shape"])
    if info["dtype"] == "BF16":
        values = (values.astype(np.uint32) << 16).view(np.float32)
    out["order"].append(name)
    out[name] = {"dtype": info["dtype"], "shape": info["shape"], "values": np.asarray(values, dtype=np.float64 if info["dtype"] not in ("I64",) else np.int64).ravel().tolist()}
assert end == len(data), "no trailing bytes"
print(json.dumps(out))
""";

    // The reference writer's layout rules (tensor.rs `prepare`), re-done in Python: by dtype rank descending
    // then name, compact JSON with __metadata__ first, padded with spaces to 8.
    private const string ReferenceLayoutScript = """
import json, struct, sys
import numpy as np
rank = {"BOOL": 0, "U8": 1, "I8": 2, "F16": 3, "BF16": 4, "I32": 5, "F32": 6, "F64": 7, "I64": 8}
tensors = {
    "layers.0.lora_B.weight": ("F32", np.full((4, 2), 0.25, dtype=np.float32)),
    "layers.0.lora_A.weight": ("F32", np.full((2, 3), -1.0, dtype=np.float32)),
    "mask": ("BOOL", np.array([True, False], dtype=np.bool_)),
    "step": ("I64", np.array([12], dtype=np.int64)),
    "half": ("F16", np.array([0.5, 1.0, 2.0], dtype=np.float16)),
    "ü-name": ("F32", np.array([1.0], dtype=np.float32)),
}
names = sorted(tensors, key=lambda k: (-rank[tensors[k][0]], k.encode("utf-8")))
header = {"__metadata__": {"format": "pt"}}
data = b""
for name in names:
    dtype, array = tensors[name]
    raw = array.tobytes()
    header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
text += b" " * ((8 - len(text) % 8) % 8)
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)
""";

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-safetensors-py-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void A_file_python_wrote_reads_with_the_right_values()
    {
        var path = Path.Combine(_scratch.FullName, "python.safetensors");
        PythonScript.Run(WriteScript, path);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(12, file.Tensors.Count);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("é \"quoted\"", file.Metadata["note"]);
        Assert.Equal(new float[] { 0, 0.5f, 1, 1.5f, 2, 2.5f }, Values<float>(file, "base_model.model.q_proj.lora_A.weight"));
        Assert.Equal(new long[] { 2, 3 }, file.GetTensor("base_model.model.q_proj.lora_A.weight").Shape);
        Assert.Equal(new float[] { -3.25f, -2.25f, -1.25f, -0.25f, 0.75f, 1.75f, 2.75f, 3.75f }, Values<float>(file, "base_model.model.q_proj.lora_B.weight"));
        Assert.Equal(new[] { 1.0f, -3.5f, 0.15625f }, Values<ushort>(file, "w.bf16").Select(b => BitConverter.Int32BitsToSingle(b << 16)));
        Assert.Equal(new byte[] { 1, 0, 1 }, Values<byte>(file, "w.bool"));
        Assert.Equal(0, file.GetTensor("w.empty").ByteCount);
        Assert.Equal(new long[] { 0, 4 }, file.GetTensor("w.empty").Shape);
        Assert.Equal(new[] { (Half)1.5, (Half)(-2.25), (Half)65504 }, Values<Half>(file, "w.f16"));
        Assert.Equal(new[] { Math.PI, -1e300 }, Values<double>(file, "w.f64"));
        Assert.Equal(new[] { -5, int.MaxValue }, Values<int>(file, "w.i32"));
        Assert.Equal(new[] { -(1L << 62), 7 }, Values<long>(file, "w.i64"));
        Assert.Equal(new sbyte[] { -128, 127, 0 }, Values<sbyte>(file, "w.i8"));
        Assert.Equal(new[] { 2.5f }, Values<float>(file, "w.scalar"));
        Assert.Empty(file.GetTensor("w.scalar").Shape);
        Assert.Equal(new byte[] { 0, 255 }, Values<byte>(file, "w.u8"));

        // Name order and an unpadded header leave some multi-byte tensors misaligned: read by copy, same values.
        Assert.Contains(file.Tensors, t => !t.IsAligned && t.DType.ElementSize() > 1);
    }

    [Fact]
    public void Every_dtype_of_a_python_file_widens_to_the_float32_numpy_gives()
    {
        var path = Path.Combine(_scratch.FullName, "python-widen.safetensors");
        PythonScript.Run(WriteScript, path);
        const string Widen = """
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
header = json.loads(raw[8:8 + n])
header.pop("__metadata__", None)
kinds = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4", "I8": "i1", "U8": "u1", "BOOL": "?", "BF16": "<u2"}
out = {}
for name, info in header.items():
    b, e = info["data_offsets"]
    v = np.frombuffer(raw[8 + n + b:8 + n + e], dtype=kinds[info["dtype"]])
    if info["dtype"] == "BF16":
        v = (v.astype(np.uint32) << 16).view(np.float32)
    out[name] = [int(x) for x in v.astype(np.float32).view(np.uint32)]
print(json.dumps(out))
""";
        using var expected = JsonDocument.Parse(PythonScript.Run(Widen, path));
        using var file = SafetensorsFile.Open(path);
        foreach (var tensor in file.Tensors)
        {
            var widened = new float[tensor.ElementCount];
            TensorConversion.ToSingle(file, tensor, widened);
            // Compared bit for bit: the same float32 numpy's astype(float32) gives.
            Assert.Equal(expected.RootElement.GetProperty(tensor.Name).EnumerateArray().Select(e => e.GetUInt32()),
                widened.Select(BitConverter.SingleToUInt32Bits));
        }
    }

    [Fact]
    public void A_file_swarmps_wrote_reads_in_python_with_the_right_values()
    {
        var path = Path.Combine(_scratch.FullName, "swarmps.safetensors");
        SafetensorsWriter.Write(path, new[]
        {
            Tensor("w.f32", TensorDType.F32, new long[] { 2, 2 }, new[] { 1.5f, -2f, 0.125f, 1e-7f }),
            Tensor("w.f16", TensorDType.F16, new long[] { 2 }, new[] { (Half)0.5, (Half)(-65504) }),
            Tensor("w.bf16", TensorDType.BF16, new long[] { 2 }, new[] { (ushort)(BitConverter.SingleToInt32Bits(-7.5f) >> 16), (ushort)(BitConverter.SingleToInt32Bits(2f) >> 16) }),
            Tensor("w.f64", TensorDType.F64, new long[] { 1 }, new[] { Math.E }),
            Tensor("w.i64", TensorDType.I64, new long[] { 2 }, new[] { long.MinValue + 1, 42L }),
            Tensor("w.i32", TensorDType.I32, new long[] { 1, 1 }, new[] { -123456 }),
            Tensor("w.i8", TensorDType.I8, new long[] { 3 }, new sbyte[] { -1, 0, 1 }),
            Tensor("w.u8", TensorDType.U8, new long[] { 1 }, new byte[] { 200 }),
            Tensor("w.bool", TensorDType.BOOL, new long[] { 2 }, new byte[] { 0, 1 }),
            Tensor("w.scalar", TensorDType.F32, Array.Empty<long>(), new[] { 9f }),
        }, new Dictionary<string, string> { ["format"] = "pt", ["owner"] = "site-a" });

        using var json = JsonDocument.Parse(PythonScript.Run(ReadScript, path));
        var root = json.RootElement;
        Assert.True(root.GetProperty("aligned").GetBoolean(), "the reference order aligns every tensor");
        Assert.Equal("site-a", root.GetProperty("__metadata__").GetProperty("owner").GetString());
        Assert.Equal(new[] { "w.i64", "w.f64", "w.f32", "w.scalar", "w.i32", "w.bf16", "w.f16", "w.i8", "w.u8", "w.bool" },
            root.GetProperty("order").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(new[] { 1.5, -2, 0.125, (double)1e-7f }, Numbers(root, "w.f32"));
        Assert.Equal(new[] { 2, 2 }, root.GetProperty("w.f32").GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(new[] { 0.5, -65504 }, Numbers(root, "w.f16"));
        Assert.Equal(new[] { -7.5, 2 }, Numbers(root, "w.bf16"));
        Assert.Equal(new[] { Math.E }, Numbers(root, "w.f64"));
        Assert.Equal(new[] { long.MinValue + 1, 42L }, root.GetProperty("w.i64").GetProperty("values").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new[] { -123456.0 }, Numbers(root, "w.i32"));
        Assert.Equal(new[] { -1.0, 0, 1 }, Numbers(root, "w.i8"));
        Assert.Equal(new[] { 200.0 }, Numbers(root, "w.u8"));
        Assert.Equal(new[] { 0.0, 1 }, Numbers(root, "w.bool"));
        Assert.Equal(new[] { 9.0 }, Numbers(root, "w.scalar"));
        Assert.Empty(root.GetProperty("w.scalar").GetProperty("shape").EnumerateArray());
    }

    [Fact]
    public void The_file_is_byte_for_byte_the_reference_layout()
    {
        var expected = Path.Combine(_scratch.FullName, "reference.safetensors");
        PythonScript.Run(ReferenceLayoutScript, expected);

        // The same tensors handed over in another order: the writer's own ordering must reproduce the file.
        var ours = Path.Combine(_scratch.FullName, "ours.safetensors");
        SafetensorsWriter.Write(ours, new[]
        {
            Tensor("mask", TensorDType.BOOL, new long[] { 2 }, new byte[] { 1, 0 }),
            Tensor("ü-name", TensorDType.F32, new long[] { 1 }, new[] { 1f }),
            Tensor("layers.0.lora_A.weight", TensorDType.F32, new long[] { 2, 3 }, Enumerable.Repeat(-1f, 6).ToArray()),
            Tensor("half", TensorDType.F16, new long[] { 3 }, new[] { (Half)0.5, (Half)1, (Half)2 }),
            Tensor("layers.0.lora_B.weight", TensorDType.F32, new long[] { 4, 2 }, Enumerable.Repeat(0.25f, 8).ToArray()),
            Tensor("step", TensorDType.I64, new long[] { 1 }, new[] { 12L }),
        }, new Dictionary<string, string> { ["format"] = "pt" });

        Assert.Equal(File.ReadAllBytes(expected), File.ReadAllBytes(ours));
    }

    private static T[] Values<T>(SafetensorsFile file, string name)
        where T : unmanaged => file.GetValues<T>(file.GetTensor(name)).ToArray();

    private static double[] Numbers(JsonElement root, string name) =>
        root.GetProperty(name).GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static TensorToWrite Tensor<T>(string name, TensorDType dtype, long[] shape, T[] values)
        where T : unmanaged => new(name, dtype, shape, MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}
