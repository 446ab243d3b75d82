using System.Buffers.Binary;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Every hostile or broken file is refused with its own ErrorId, naming the file.</summary>
public sealed class SafetensorsRefusalTests : IDisposable
{
    private const string F32x2 = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-safetensors-bad-");

    public void Dispose() => _scratch.Delete(recursive: true);

    public static TheoryData<string, string, int> Headers => new()
    {
        // header JSON, the id it must raise, data bytes after the header
        { "[1, 2]", "SafetensorsHeaderNotObject", 0 },
        { "\"text\"", "SafetensorsHeaderNotObject", 0 },
        { "{\"t\": " + F32x2, "SafetensorsHeaderNotJson", 8 },
        { "{} {}", "SafetensorsHeaderNotJson", 0 },
        { "", "SafetensorsHeaderNotJson", 0 },
        { "not json", "SafetensorsHeaderNotJson", 0 },
        { "{\"t\": " + F32x2 + ", \"t\": " + F32x2 + "}", "SafetensorsDuplicateName", 8 },
        { "{\"__metadata__\": {}, \"__metadata__\": {}}", "SafetensorsDuplicateName", 0 },
        { "{\"a\": " + F32x2 + ", \"b\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "SafetensorsOffsetsOverlap", 12 },
        { "{\"a\": " + F32x2 + ", \"b\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsOffsetsOverlap", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", "SafetensorsOffsetsGap", 12 },
        { "{\"a\": " + F32x2 + ", \"b\": {\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", "SafetensorsOffsetsGap", 16 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,16]}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":\"0,8\"}}", "SafetensorsOffsetsInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,800000000000]}}", "SafetensorsOffsetsOutOfBounds", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "SafetensorsByteCountMismatch", 8 },
        { "{\"a\": {\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsByteCountMismatch", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", "SafetensorsShapeOverflow", 8 },
        { "{\"a\": {\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}", "SafetensorsShapeOverflow", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", "SafetensorsShapeInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "SafetensorsShapeInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", "SafetensorsShapeInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}}", "SafetensorsShapeInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", "SafetensorsShapeInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", "SafetensorsUnknownDType", 8 },
        { "{\"a\": {\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsUnknownDType", 8 },
        { "{\"a\": " + F32x2 + "}", "SafetensorsTrailingData", 9 },
        { "{}", "SafetensorsTrailingData", 1 },
        { "{\"a\": 5}", "SafetensorsTensorInvalid", 0 },
        { "{\"a\": {\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsTensorInvalid", 8 },
        { "{\"a\": {\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsTensorInvalid", 8 },
        { "{\"a\": {\"dtype\":3,\"shape\":[2],\"data_offsets\":[0,8]}}", "SafetensorsTensorInvalid", 8 },
        { "{\"__metadata__\": [\"x\"]}", "SafetensorsMetadataInvalid", 0 },
        { "{\"__metadata__\": {\"epochs\": 3}}", "SafetensorsMetadataInvalid", 0 },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void A_broken_header_is_refused_with_its_id_naming_the_file(string header, string errorId, int dataLength)
    {
        var path = Write("broken.safetensors", SafetensorsFiles.Build(header, SafetensorsFiles.Zeros(dataLength)));

        var error = Assert.Throws<SwarmException>(() => SafetensorsFile.Open(path).Dispose());

        Assert.Equal(errorId, error.ErrorId);
        Assert.Contains("'broken.safetensors'", error.Message);
        Assert.Equal(path, error.Target);
        Assert.False(string.IsNullOrWhiteSpace(error.Remediation));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void A_file_shorter_than_8_bytes_is_refused(int length)
    {
        var path = Write("short.safetensors", new byte[length]);
        Assert.Equal("SafetensorsFileTooShort", Assert.Throws<SwarmException>(() => SafetensorsFile.Open(path)).ErrorId);
    }

    [Theory]
    [InlineData(100_000_001UL, "SafetensorsHeaderTooLarge")]
    [InlineData(ulong.MaxValue, "SafetensorsHeaderTooLarge")]
    [InlineData(0x8000_0000_0000_0000UL, "SafetensorsHeaderTooLarge")]
    [InlineData(100_000_000UL, "SafetensorsHeaderPastEnd")]
    [InlineData(3UL, "SafetensorsHeaderPastEnd")]
    public void A_header_length_above_the_limit_or_past_the_file_is_refused_without_allocating_it(ulong declared, string errorId)
    {
        var path = Write("length.safetensors", SafetensorsFiles.Build("{}", declaredLength: declared)[..10]);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var error = Assert.Throws<SwarmException>(() => SafetensorsFile.Open(path));

        Assert.Equal(errorId, error.ErrorId);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "no allocation in proportion to the claimed length");
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_not_json()
    {
        var bytes = SafetensorsFiles.Build("{\"a\":{}}");
        bytes[10] = 0xFF;
        var path = Write("latin1.safetensors", bytes);
        Assert.Equal("SafetensorsHeaderNotJson", Assert.Throws<SwarmException>(() => SafetensorsFile.Open(path)).ErrorId);
    }

    [Fact]
    public void Padding_and_unknown_fields_are_accepted_as_the_reference_accepts_them()
    {
        var header = "{\"a\": {\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"extra\":{\"x\":[1]}}}      ";
        var path = Write("padded.safetensors", SafetensorsFiles.Build(header, SafetensorsFiles.Zeros(8)));
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(2, file.GetTensor("a").ElementCount);
    }

    [Fact]
    public void A_missing_file_a_directory_and_a_fifo_are_refused()
    {
        Assert.Equal("SafetensorsFileNotFound", Assert.Throws<SwarmException>(() => SafetensorsFile.Open(Path.Combine(_scratch.FullName, "none.safetensors"))).ErrorId);
        Assert.Equal("SafetensorsFileNotRegular", Assert.Throws<SwarmException>(() => SafetensorsFile.Open(_scratch.FullName)).ErrorId);
        if (OperatingSystem.IsLinux())
        {
            var fifo = Path.Combine(_scratch.FullName, "fifo.safetensors");
            using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", fifo))
            {
                mkfifo.WaitForExit();
            }

            // Would block forever in open(2) if it were opened as a file.
            Assert.Equal("SafetensorsFileNotRegular", Assert.Throws<SwarmException>(() => SafetensorsFile.Open(fifo)).ErrorId);
        }
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_scratch.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
