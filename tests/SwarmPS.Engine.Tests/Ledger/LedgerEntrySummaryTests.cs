using System.Collections;
using System.Text;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

/// <summary>
/// The batch scan's one-pass reader must agree with the full parser on every file: same status and
/// experiments for a good entry, the same LedgerEntryInvalid message for a bad one.
/// </summary>
public sealed class LedgerEntrySummaryTests
{
    [Fact]
    public void A_promoted_entry_is_read_by_the_fast_pass_with_the_parsers_status_and_experiments()
    {
        var (bytes, name) = PromotedEntry(new Hashtable { ["lr"] = 0.1, ["note"] = "say \"hi\"\\n", ["path"] = "C:\\data", ["big"] = 12345678901234567890m, ["tiny"] = 1e-300 });

        Assert.True(LedgerEntrySummary.TryReadCanonical(bytes, name, out var fast));
        var (entry, problem) = LedgerEntryParser.Parse(bytes, name);
        Assert.Null(problem);
        Assert.Equal(entry!.Status, fast!.Status);
        Assert.Equal(["lr-sweep", "zeta"], fast.Experiments);
    }

    public static TheoryData<string, string, bool> Variants() => new()
    {
        // label, find, replace with; expected: does the fast pass decline (and hand the file to the parser)?
        { "not json", "<whole>", true },
        { "schema_version 2", "\"schema_version\": 1", true },
        { "no schema_version", "\"schema_version\": 1,", true },
        { "live status", "\"status\": \"failed\"", true },
        { "status in capitals", "\"status\": \"failed\"", true },
        { "id of another run", "\"id\": \"", true },
        { "time that is not a time", "\"created_at\": \"", true },
        { "infinite float in statepoint", "\"lr\": 0.1", true },
        { "lone surrogate", "\"note\": \"x\"", true },
        { "invalid utf-8", "\"machine\": \"cluster\"", true },
        { "repeated status key", "\"status\": \"failed\"", true },
        { "keys out of order", "\"code\":", true },
        { "trailing text", "<end>", true },
        { "byte order mark", "<start>", true },
        { "experiment that is not a string", "\"experiments\": [", true },
        { "statepoint not a map", "\"statepoint\": {", true },
        { "unchanged", "", false },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_variant_gets_the_full_parsers_verdict(string label, string find, bool declines)
    {
        var (good, name) = PromotedEntry(new Hashtable { ["lr"] = 0.1, ["note"] = "x" });
        var bytes = Mutate(Encoding.UTF8.GetString(good), label, find);

        Assert.Equal(!declines, LedgerEntrySummary.TryReadCanonical(bytes, name, out _));
        var (entry, expectedProblem) = LedgerEntryParser.Parse(bytes, name);
        var (summary, problem) = LedgerEntrySummary.Read(bytes, name);
        Assert.Equal(expectedProblem, problem);
        Assert.Equal(entry?.Status, summary?.Status);
        Assert.Equal(entry?.Experiments, summary?.Experiments);
    }

    [Fact]
    public void Statepoints_the_full_parser_used_to_crash_on_are_findings()
    {
        var (good, name) = PromotedEntry(new Hashtable { ["lr"] = 0.1, ["note"] = "x" });
        foreach (var (label, find) in new[] { ("infinite float in statepoint", "\"lr\": 0.1"), ("lone surrogate", ""), ("invalid utf-8", "") })
        {
            var (entry, problem) = LedgerEntryParser.Parse(Mutate(Encoding.UTF8.GetString(good), label, find), name);
            Assert.Null(entry);
            Assert.Equal(LedgerEntryParser.InvalidCode, problem!.Code);
        }
    }

    private static byte[] Mutate(string text, string label, string find)
    {
        var replaced = label switch
        {
            "not json" => "<<<<<<< HEAD\n" + text,
            "schema_version 2" => text.Replace(find, "\"schema_version\": 2"),
            "no schema_version" => text.Replace(find, ""),
            "live status" => text.Replace(find, "\"status\": \"running\""),
            "status in capitals" => text.Replace(find, "\"status\": \"Failed\""),
            "id of another run" => text.Replace(find, "\"id\": \"0"),
            "time that is not a time" => text.Replace(find, "\"created_at\": \"yesterday"),
            "infinite float in statepoint" => text.Replace(find, "\"lr\": 1e999"),
            "lone surrogate" => text.Replace("\"note\": \"x\"", "\"note\": \"\\ud800\""),
            "repeated status key" => text.Replace(find, "\"status\": \"failed\",\n  \"status\": \"complete\""),
            "keys out of order" => text.Replace("{\n  \"code\":", "{\n  \"zzz\": 1,\n  \"code\":"),
            "trailing text" => text + "x",
            "experiment that is not a string" => text.Replace(find, "\"experiments\": [7, "),
            "statepoint not a map" => text.Replace("\"statepoint\": {", "\"statepoint\": [{").Replace("\n  },\n  \"status\"", "\n  }],\n  \"status\""),
            _ => text,
        };
        Assert.True(label is "unchanged" or "invalid utf-8" or "byte order mark" || replaced != text, label);
        var bytes = Encoding.UTF8.GetBytes(replaced);
        if (label == "invalid utf-8")
        {
            var at = replaced.IndexOf("cluster", StringComparison.Ordinal);
            Assert.True(at > 0);
            bytes[Encoding.UTF8.GetByteCount(replaced[..at])] = 0xff;
        }

        return label == "byte order mark" ? [0xEF, 0xBB, 0xBF, .. bytes] : bytes;
    }

    private static (byte[] Bytes, string Name) PromotedEntry(Hashtable statepoint)
    {
        using var repo = RunStoreTests.Initialized(out var store);
        using (store)
        {
            var run = store.CreateRun(statepoint);
            store.LinkExperiments(run.Id, ["zeta", "lr-sweep"]);
            store.SetStatus(run.Id, RunStatus.Failed);
            return (File.ReadAllBytes(repo.Repository.LedgerEntryPath(run.Id)), run.Id + ".json");
        }
    }
}
