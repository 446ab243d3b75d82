using System.Diagnostics;
using System.Text;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// Contribution manifests as bytes: canonical (Python's json.dumps(sort_keys=True, indent=2) writes the
/// very same bytes and hashlib the same digest), read back unchanged, and every hostile or malformed text
/// refused as ContributionManifestInvalid naming the field.
/// </summary>
public sealed class ContributionManifestTests
{
    private static readonly ContributionManifest Sample = new()
    {
        RunId = "ft-007",
        Contributor = "contrib-a",
        Site = "polaris",
        Backend = "pytorch.cpu",
        BaseSnapshotDigest = "sha256:" + new string('a', 64),
        Contract = new AdapterContract { TargetModules = new[] { "lm_head", "attn.q_proj" }, Rank = 8, Alpha = 16, DType = "F32" },
        DataShard = "shard-03 (α)",
        ExampleCount = 1200,
        Steps = 50,
        Seed = 42,
        LossBefore = 2.5,
        LossAfter = 1.8125,
        StartedAt = new DateTimeOffset(2026, 12, 1, 9, 30, 0, 125, TimeSpan.Zero),
        EndedAt = new DateTimeOffset(2026, 12, 1, 9, 31, 5, 0, TimeSpan.Zero),
        HeartbeatCount = 65,
        AdapterDigest = "sha256:" + new string('b', 64),
    };

    [Fact]
    public void A_manifest_round_trips_and_its_bytes_and_digest_are_what_python_writes()
    {
        var bytes = ContributionManifestJson.Serialize(Sample);

        var back = ContributionManifestJson.Parse(bytes, "m.json");
        Assert.Equal(bytes, ContributionManifestJson.Serialize(back));
        Assert.Equal(Sample with { Contract = back.Contract }, back);
        Assert.Equal(Sample.Contract.TargetModules, back.Contract.TargetModules);

        var (pythonText, pythonDigest) = Python(bytes);
        Assert.Equal(Encoding.UTF8.GetString(bytes), pythonText);
        Assert.Equal(ContributionManifestJson.Digest(Sample), pythonDigest);
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        { "not JSON", "{\"run_id\": ", "it is not JSON" },
        { "not an object", "[1, 2]", "it is not a JSON object" },
        { "a repeated field", Replace("\"steps\": 50", "\"steps\": 50,\n  \"steps\": 5000"), "'steps': it appears twice" },
        { "an unknown field", Replace("\"steps\": 50", "\"steps\": 50,\n  \"stpes\": 5"), "'stpes': it is not a field" },
        { "a missing field", Replace("  \"seed\": 42,\n", ""), "'seed': it is missing" },
        { "an unknown schema", Replace("\"schema_version\": 1", "\"schema_version\": 2"), "'schema_version': it is 2" },
        { "a bad digest", Replace(new string('b', 64), new string('B', 64)), "'adapter_digest'" },
        { "a bad backend", Replace("pytorch.cpu", "PyTorch CPU"), "'backend'" },
        { "a bad run id", Replace("ft-007", "../../etc"), "'run_id'" },
        { "a zero rank", Replace("\"rank\": 8", "\"rank\": 0"), "'adapter_contract.rank'" },
        { "an unknown dtype", Replace("\"dtype\": \"F32\"", "\"dtype\": \"F8\""), "'adapter_contract.dtype'" },
        { "no target modules", Replace("[\n      \"lm_head\",\n      \"attn.q_proj\"\n    ]", "[]"), "'adapter_contract.target_modules'" },
        { "an unknown contract field", Replace("\"rank\": 8", "\"rank\": 8,\n    \"dropout\": 0.1"), "'adapter_contract.dropout'" },
        { "a negative loss", Replace("\"loss_after\": 1.8125", "\"loss_after\": -1"), "'loss_after'" },
        { "a string for a number", Replace("\"example_count\": 1200", "\"example_count\": \"1200\""), "'example_count'" },
        { "a fractional count", Replace("\"example_count\": 1200", "\"example_count\": 1200.5"), "'example_count'" },
        { "a local time", Replace("2026-12-01T09:30:00.125Z", "2026-12-01 09:30"), "'started_at'" },
        { "an end before the start", Replace("2026-12-01T09:31:05.000Z", "2026-12-01T09:29:05.000Z"), "'ended_at': it is before started_at" },
        { "a lone surrogate", Replace("shard-03 (α)", "shard-\\ud800"), "'data_shard': it is not valid Unicode text" },
        { "a control character", Replace("shard-03 (α)", "shard\\u0007"), "'data_shard'" },
        { "too deep", "[[[[[[[[[[[[1]]]]]]]]]]]]", "it is not JSON" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_manifest_is_refused_naming_the_field(string what, string text, string expected)
    {
        var error = Assert.Throws<SwarmException>(() => ContributionManifestJson.Parse(Encoding.UTF8.GetBytes(text), "in/m.json"));

        Assert.Equal("ContributionManifestInvalid", error.ErrorId);
        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{what}: {error.Message}");
        Assert.Contains("in/m.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_over_a_mebibyte_is_refused_before_it_is_parsed()
    {
        var huge = new byte[ContributionManifestJson.MaxBytes + 1];
        Array.Fill(huge, (byte)' ');

        var error = Assert.Throws<SwarmException>(() => ContributionManifestJson.Parse(huge, "big.json"));

        Assert.Contains("more than a manifest's 1024 KiB", error.Message, StringComparison.Ordinal);
    }

    private static string Replace(string from, string to)
    {
        var text = Encoding.UTF8.GetString(ContributionManifestJson.Serialize(Sample));
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>Python re-reads the bytes, writes them back canonically, and hashes the original.</summary>
    private static (string Text, string Digest) Python(byte[] bytes)
    {
        const string recipe = """
            import hashlib, json, sys
            data = sys.stdin.buffer.read()
            text = json.dumps(json.loads(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
            sys.stdout.buffer.write(("sha256:" + hashlib.sha256(data).hexdigest() + "\n" + text).encode("utf-8"))
            """;
        var start = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(recipe);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 is required");
        process.StandardInput.BaseStream.Write(bytes);
        process.StandardInput.Close();
        using var output = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(output);
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        var all = Encoding.UTF8.GetString(output.ToArray());
        var newline = all.IndexOf('\n');
        return (all[(newline + 1)..], all[..newline]);
    }
}
