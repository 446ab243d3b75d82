using System.Runtime.InteropServices;
using System.Text;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>SafetensorsWriter then SafetensorsFile: every dtype, both orders, streaming, the file's own bytes.</summary>
public sealed class SafetensorsRoundTripTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-safetensors-");

    public void Dispose() => _scratch.Delete(recursive: true);

    public static TheoryData<TensorDType> EveryDType => new(Enum.GetValues<TensorDType>());

    [Theory]
    [MemberData(nameof(EveryDType))]
    public void Every_dtype_comes_back_with_its_shape_and_bytes(TensorDType dtype)
    {
        var shape = new long[] { 3, 5 };
        var data = new byte[15 * dtype.ElementSize()];
        new Random((int)dtype).NextBytes(data);
        if (dtype == TensorDType.BOOL)
        {
            for (var i = 0; i < data.Length; i++)
            {
                data[i] &= 1;
            }
        }

        var path = Path.Combine(_scratch.FullName, $"{dtype}.safetensors");
        SafetensorsWriter.Write(path, new[] { new TensorToWrite("t", dtype, shape, data) });

        using var file = SafetensorsFile.Open(path);
        var tensor = Assert.Single(file.Tensors);
        Assert.Equal(("t", dtype, 15L, (long)data.Length), (tensor.Name, tensor.DType, tensor.ElementCount, tensor.ByteCount));
        Assert.Equal(shape, tensor.Shape);
        Assert.Equal(data, file.GetBytes(tensor).ToArray());
        Assert.Equal(file.Length, 8 + file.Header.HeaderLength + data.Length);
    }

    [Fact]
    public void Typed_values_are_read_in_place_when_aligned_and_copied_when_not()
    {
        var floats = new[] { 1.5f, -2.25f, 3e-8f, float.MaxValue };
        var aligned = Path.Combine(_scratch.FullName, "aligned.safetensors");
        var misaligned = Path.Combine(_scratch.FullName, "misaligned.safetensors");
        var tensors = new[]
        {
            new TensorToWrite("a.byte", TensorDType.U8, new long[] { 3 }, new byte[] { 1, 2, 3 }),
            new TensorToWrite("b.float", TensorDType.F32, new long[] { 2, 2 }, MemoryMarshal.AsBytes(floats.AsSpan()).ToArray()),
        };
        SafetensorsWriter.Write(aligned, tensors);
        SafetensorsWriter.Write(misaligned, tensors, order: SafetensorsTensorOrder.Given);

        using (var file = SafetensorsFile.Open(aligned))
        {
            // The reference order puts the F32 first, 8-byte aligned after the padded header.
            Assert.Equal(new[] { "b.float", "a.byte" }, file.Tensors.Select(t => t.Name));
            var tensor = file.GetTensor("b.float");
            Assert.True(tensor.IsAligned);
            Assert.Equal(floats, file.GetValues<float>(tensor, out var copied).ToArray());
            Assert.False(copied);
            Assert.True(Unsafe.AreSame(file.GetBytes(tensor), MemoryMarshal.AsBytes(file.GetValues<float>(tensor))));
        }

        using (var file = SafetensorsFile.Open(misaligned))
        {
            // Given order: three bytes then the floats, which start at an odd offset.
            var tensor = file.GetTensor("b.float");
            Assert.Equal(3, tensor.DataBegin);
            Assert.False(tensor.IsAligned);
            Assert.Equal(floats, file.GetValues<float>(tensor, out var copied).ToArray());
            Assert.True(copied);
        }
    }

    [Fact]
    public void Reading_as_an_element_type_of_another_size_is_refused()
    {
        var path = Path.Combine(_scratch.FullName, "f16.safetensors");
        SafetensorsWriter.Write(path, new[] { new TensorToWrite("h", TensorDType.F16, new long[] { 2 }, new byte[4]) });
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(2, file.GetValues<Half>(file.GetTensor("h")).Length);
        var error = Assert.Throws<SwarmException>(() => file.GetValues<float>(file.GetTensor("h")).Length);
        Assert.Equal("SafetensorsElementTypeMismatch", error.ErrorId);
        Assert.Equal("SafetensorsTensorNotFound", Assert.Throws<SwarmException>(() => file.GetTensor("nope")).ErrorId);
    }

    [Fact]
    public void A_tensor_past_2_GiB_is_listed_but_refused_as_one_span()
    {
        // A sparse file: 2 GiB of data take no disk, and the map only reserves address space.
        const long Size = (1L << 31) + 8;
        var header = System.Text.Encoding.UTF8.GetBytes($"{{\"huge\":{{\"dtype\":\"U8\",\"shape\":[{Size}],\"data_offsets\":[0,{Size}]}}}}");
        var path = Path.Combine(_scratch.FullName, "huge.safetensors");
        using (var stream = File.Create(path))
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            stream.SetLength(8 + header.Length + Size);
        }

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(Size, file.GetTensor("huge").ByteCount);
        var error = Assert.Throws<SwarmException>(() => file.GetBytes(file.GetTensor("huge")).Length);
        Assert.Equal("SafetensorsTensorTooLarge", error.ErrorId);
    }

    [Fact]
    public void The_header_is_the_reference_layout_compact_json_padded_with_spaces_to_8_bytes()
    {
        var path = Path.Combine(_scratch.FullName, "layout.safetensors");
        SafetensorsWriter.Write(path, new[]
        {
            new TensorToWrite("z", TensorDType.I8, new long[] { 1 }, new byte[1]),
            new TensorToWrite("b", TensorDType.F32, new long[] { 2 }, new byte[8]),
            new TensorToWrite("a", TensorDType.F32, new long[] { }, new byte[4]),
            new TensorToWrite("q\"\n\u0001é", TensorDType.I64, new long[] { 1 }, new byte[8]),
        }, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        var n = (int)BitConverter.ToUInt64(bytes, 0);
        var header = Encoding.UTF8.GetString(bytes, 8, n);
        const string Json = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"q\\\"\\n\\u0001é\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
            + "\"z\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[20,21]}}";
        Assert.Equal(Json, header.TrimEnd(' '));
        Assert.Equal(0, n % 8);
        Assert.True(n - Encoding.UTF8.GetByteCount(Json) < 8);
        Assert.Equal(8 + n + 21, bytes.Length);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("q\"\n\u0001é", file.Tensors[0].Name);
        Assert.Equal("pt", file.Metadata["format"]);
    }

    [Fact]
    public void Streamed_tensors_are_written_in_order_owner_only_and_renamed_into_place()
    {
        var path = Path.Combine(_scratch.FullName, "streamed.safetensors");
        File.WriteAllText(path, "an older file");
        var descriptors = SafetensorsWriter.Write(path, new[]
        {
            new TensorToWrite("big", TensorDType.F32, new long[] { 1024, 256 }, stream =>
            {
                var row = new byte[1024];
                for (var i = 0; i < 1024; i++)
                {
                    row.AsSpan().Fill((byte)i);
                    stream.Write(row);
                }
            }),
        }, durable: true);

        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.FullName));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(OwnerOnly.FileMode, File.GetUnixFileMode(path));
        }

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(descriptors, file.Tensors);
        var bytes = file.GetBytes(file.Tensors[0]);
        Assert.Equal(1024 * 1024, bytes.Length);
        Assert.Equal(5, bytes[5 * 1024]);
        Assert.Equal(255, bytes[^1]);
    }

    [Theory]
    [InlineData(3999)]
    [InlineData(4001)]
    public void A_stream_of_the_wrong_length_is_refused_and_leaves_the_old_file(int streamed)
    {
        var path = Path.Combine(_scratch.FullName, "short.safetensors");
        File.WriteAllText(path, "old");
        var error = Assert.Throws<SwarmException>(() => SafetensorsWriter.Write(path, new[]
        {
            new TensorToWrite("t", TensorDType.F32, new long[] { 1000 }, stream => stream.Write(new byte[streamed])),
        }));

        Assert.Equal("SafetensorsWriteByteCountMismatch", error.ErrorId);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(_scratch.FullName));
    }

    [Fact]
    public void Bad_tensors_to_write_are_refused_by_name()
    {
        var path = Path.Combine(_scratch.FullName, "bad.safetensors");
        void Refused(string errorId, params TensorToWrite[] tensors) =>
            Assert.Equal(errorId, Assert.Throws<SwarmException>(() => SafetensorsWriter.Write(path, tensors)).ErrorId);

        Refused("SafetensorsWriteDuplicateName",
            new TensorToWrite("t", TensorDType.U8, new long[] { 1 }, new byte[1]),
            new TensorToWrite("t", TensorDType.U8, new long[] { 1 }, new byte[1]));
        Refused("SafetensorsWriteInvalid", new TensorToWrite("__metadata__", TensorDType.U8, new long[] { 1 }, new byte[1]));
        Refused("SafetensorsWriteInvalid", new TensorToWrite("t", TensorDType.U8, new long[] { -1 }, new byte[1]));
        Refused("SafetensorsWriteInvalid", new TensorToWrite("t", TensorDType.F64, new long[] { long.MaxValue / 4 }, new byte[1]));
        Refused("SafetensorsWriteByteCountMismatch", new TensorToWrite("t", TensorDType.F32, new long[] { 2 }, new byte[7]));
        Assert.False(File.Exists(path));

        var missingFolder = Path.Combine(_scratch.FullName, "no", "such", "x.safetensors");
        var error = Assert.Throws<SwarmException>(() => SafetensorsWriter.Write(missingFolder, new[] { new TensorToWrite("t", TensorDType.U8, new long[] { 1 }, new byte[1]) }));
        Assert.Equal("SafetensorsWriteFailed", error.ErrorId);
    }

    [Fact]
    public void An_adapter_reports_its_digest_parameters_and_metadata()
    {
        var path = Path.Combine(_scratch.FullName, "adapter.safetensors");
        SafetensorsWriter.Write(path, new[]
        {
            new TensorToWrite("m.lora_A.weight", TensorDType.F32, new long[] { 4, 16 }, new byte[4 * 16 * 4]),
            new TensorToWrite("m.lora_B.weight", TensorDType.F32, new long[] { 32, 4 }, new byte[32 * 4 * 4]),
        }, new Dictionary<string, string> { ["format"] = "pt" });

        var adapter = Adapter.Read(path);

        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant(), adapter.Sha256);
        Assert.Equal(64 + 128, adapter.ParameterCount);
        Assert.Equal("pt", adapter.Metadata["format"]);
        Assert.Equal(4, adapter.Rank);
        Assert.Equal(new LoraModule("m", 4, 16, 32, "m.lora_A.weight", "m.lora_B.weight"), Assert.Single(adapter.LoraModules));
    }

    private static class Unsafe
    {
        // The same memory, not equal contents: zero-copy means the typed span is the mapped bytes.
        public static bool AreSame(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right) =>
            left.Length == right.Length && System.Runtime.CompilerServices.Unsafe.AreSame(
                ref MemoryMarshal.GetReference(left), ref MemoryMarshal.GetReference(right));
    }
}
