using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using SwarmPS.Engine.Training;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// 10,000 mutated files (seeded, so a failure names the case that reproduces it): bit flips, truncations,
/// rewritten header lengths, edits of the header JSON, appended bytes. Each either opens (and then every
/// tensor can be touched) or is refused with a SwarmException; no other exception, no hang, and no
/// allocation beyond a small bound per file, whatever sizes the mutated header claims.
/// </summary>
public sealed class SafetensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 10_000;

    // Each file is ~1 KiB; parsing it allocates names, shapes and the descriptors. A reader that trusted a
    // claimed size (a header length, a shape, an offset) would allocate megabytes at once.
    private const long AllocationBoundPerFile = 256 * 1024;

    private static readonly string[] JsonTokens = ["{", "}", "[", "]", "\"", ":", ",", "0", "9", "-1", "1.5", "1e400", "18446744073709551615", "null", "true", "\"__metadata__\"", "\"F32\"", "\"BF16\"", "\"X9\"", " ", "\\u0000", "\\"];

    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-safetensors-fuzz-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public void Ten_thousand_mutated_files_are_opened_or_refused_with_a_SwarmException_only()
    {
        var seeds = Seeds();
        var path = Path.Combine(_scratch.FullName, "fuzz.safetensors");
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();

        // On a thread of its own so a hang fails the test instead of stopping the run.
        var work = Task.Factory.StartNew(() =>
        {
            for (var i = 0; i < Cases; i++)
            {
                var random = new Random(20261201 + i);
                var bytes = Mutate(seeds[i % seeds.Length], random, out var mutation);
                File.WriteAllBytes(path, bytes);
                var before = GC.GetAllocatedBytesForCurrentThread();
                string outcome;
                try
                {
                    using var file = SafetensorsFile.Open(path);
                    long sum = 0;
                    foreach (var tensor in file.Tensors)
                    {
                        var data = file.GetBytes(tensor);
                        sum += data.IsEmpty ? 0 : data[0] + data[^1];
                    }

                    outcome = "opened";
                }
                catch (SwarmException error)
                {
                    outcome = error.ErrorId;
                }
                catch (Exception error)
                {
                    throw new Xunit.Sdk.XunitException($"case {i} ({mutation}) threw {error.GetType().Name}, not a SwarmException: {error}");
                }

                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < AllocationBoundPerFile, $"case {i} ({mutation}, {bytes.Length} bytes) allocated {allocated} bytes");
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }, TaskCreationOptions.LongRunning);

        Assert.True(work.Wait(TimeSpan.FromSeconds(90)), $"the fuzz run did not finish within 90 s (a hang?) after {clock.Elapsed}");
        work.GetAwaiter().GetResult();
        output.WriteLine($"{Cases} cases in {clock.Elapsed.TotalSeconds:F1} s: " + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value}")));

        // The mutations reach deep: many refusal kinds are hit, and some mutated files are still valid.
        Assert.True(outcomes.Count >= 12, "refusal kinds seen: " + string.Join(", ", outcomes.Keys));
        Assert.True(outcomes.GetValueOrDefault("opened") > 0);
    }

    private byte[][] Seeds()
    {
        var adapter = Path.Combine(_scratch.FullName, "seed-adapter.safetensors");
        SafetensorsWriter.Write(adapter, new[]
        {
            new TensorToWrite("base_model.model.layers.0.q_proj.lora_A.weight", TensorDType.F32, new long[] { 4, 8 }, new byte[128]),
            new TensorToWrite("base_model.model.layers.0.q_proj.lora_B.weight", TensorDType.F32, new long[] { 8, 4 }, new byte[128]),
            new TensorToWrite("base_model.model.layers.0.v_proj.lora_A.weight", TensorDType.BF16, new long[] { 4, 8 }, new byte[64]),
            new TensorToWrite("base_model.model.layers.0.v_proj.lora_B.weight", TensorDType.BF16, new long[] { 8, 4 }, new byte[64]),
        }, new Dictionary<string, string> { ["format"] = "pt", ["rank"] = "4" });

        var everyDType = Path.Combine(_scratch.FullName, "seed-dtypes.safetensors");
        SafetensorsWriter.Write(everyDType, Enum.GetValues<TensorDType>().Select(d =>
            new TensorToWrite(d.ToString().ToLowerInvariant(), d, new long[] { 3 }, new byte[3 * d.ElementSize()])), order: SafetensorsTensorOrder.Given);

        var empty = SafetensorsFiles.Build("{\"__metadata__\":{\"a\":\"b\"},\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},\"e\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[8,8]}}", new byte[8]);
        return [File.ReadAllBytes(adapter), File.ReadAllBytes(everyDType), empty];
    }

    private static byte[] Mutate(byte[] seed, Random random, out string mutation)
    {
        var bytes = (byte[])seed.Clone();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        switch (random.Next(6))
        {
            case 0:
                var flips = random.Next(1, 9);
                for (var f = 0; f < flips; f++)
                {
                    // Mostly in the prefix and header, where a flip changes meaning.
                    var at = random.Next(4) == 0 ? random.Next(bytes.Length) : random.Next(Math.Min(bytes.Length, 8 + headerLength));
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }

                mutation = $"{flips} bit flips";
                return bytes;
            case 1:
                var keep = random.Next(bytes.Length);
                mutation = $"truncated to {keep}";
                return bytes[..keep];
            case 2:
                var declared = random.Next(4) switch
                {
                    0 => (ulong)(headerLength + random.Next(-16, 17)),
                    1 => (ulong)random.NextInt64(),
                    2 => 100_000_000UL + (ulong)random.Next(-2, 3),
                    _ => (ulong)random.Next(bytes.Length + 64),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, declared);
                mutation = $"header length {declared}";
                return bytes;
            case 3:
            case 4:
                return EditHeader(bytes, headerLength, random, out mutation);
            default:
                var extra = new byte[random.Next(1, 64)];
                random.NextBytes(extra);
                mutation = $"{extra.Length} bytes appended";
                return [.. bytes, .. extra];
        }
    }

    // Text edits of the JSON, with the length prefix kept consistent so parsing goes past the prefix.
    private static byte[] EditHeader(byte[] bytes, int headerLength, Random random, out string mutation)
    {
        var header = Encoding.UTF8.GetString(bytes, 8, headerLength);
        var data = bytes[(8 + headerLength)..];
        var edits = random.Next(1, 4);
        var described = new List<string>();
        for (var e = 0; e < edits; e++)
        {
            var at = random.Next(header.Length + 1);
            switch (random.Next(4))
            {
                case 0:
                    var token = JsonTokens[random.Next(JsonTokens.Length)];
                    header = header.Insert(at, token);
                    described.Add($"insert {token} at {at}");
                    break;
                case 1:
                    var count = Math.Min(random.Next(1, 6), header.Length - Math.Min(at, header.Length));
                    header = header.Remove(Math.Min(at, header.Length), count);
                    described.Add($"delete {count} at {at}");
                    break;
                case 2:
                    // Change a number: offsets and shapes are where validation lives.
                    var digits = Enumerable.Range(0, header.Length).Where(i => char.IsAsciiDigit(header[i])).ToArray();
                    if (digits.Length > 0)
                    {
                        var d = digits[random.Next(digits.Length)];
                        var replacement = random.Next(3) == 0 ? "99999999999" : random.Next(10).ToString();
                        header = header[..d] + replacement + header[(d + 1)..];
                        described.Add($"digit {d} -> {replacement}");
                    }

                    break;
                default:
                    var start = random.Next(header.Length);
                    var length = Math.Min(random.Next(1, 40), header.Length - start);
                    header = header.Insert(random.Next(header.Length + 1), header.Substring(start, length));
                    described.Add($"copy {length} from {start}");
                    break;
            }
        }

        mutation = "header: " + string.Join("; ", described);
        var json = Encoding.UTF8.GetBytes(header);
        var result = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
        json.CopyTo(result, 8);
        data.CopyTo(result, 8 + json.Length);
        return result;
    }
}
