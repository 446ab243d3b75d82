using System.Collections;
using System.Diagnostics;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class LedgerRunIdTests
{
    // The documented Python recipe (docs/ledger.md), run for real on each statepoint below.
    private const string PythonRecipe =
        "import hashlib,json,sys\n" +
        "for line in sys.stdin.read().splitlines():\n" +
        "    sp = json.loads(line)\n" +
        "    text = json.dumps(sp, sort_keys=True, separators=(',', ':'), ensure_ascii=False)\n" +
        "    print(hashlib.sha256(text.encode('utf-8')).hexdigest()[:32] + ' ' + text)\n";

    public static TheoryData<string> Statepoints => new()
    {
        """{"lr":0.1,"seed":1}""",
        """{"seed":1,"lr":0.1}""",
        """{"a":1.0,"b":-0.0,"c":1e16,"d":1e15,"e":0.0001,"f":0.00001,"g":1.5e-7,"h":123456789012345678901234567890,"i":2.5e300,"j":-3.25}""",
        """{"name":"Ünïcode ☃ \"quoted\" back\\slash\ttab\u0001ctl","emoji":"🦀","\uE000":1,"😀":2}""",
        """{"nested":{"z":[1,2,{"y":null,"x":true}],"a":false},"list":[],"empty":{}}""",
        """{"big":18014398509481984.0,"tiny":5e-324,"third":0.3333333333333333,"max":1.7976931348623157e308}""",
    };

    [Theory]
    [MemberData(nameof(Statepoints))]
    public void Matches_python_hashlib_and_json_dumps_computed_now(string statepointJson)
    {
        using var document = System.Text.Json.JsonDocument.Parse(statepointJson);
        var (pythonId, pythonText) = RunPython(statepointJson);
        Assert.Equal(pythonText, LedgerRunId.CanonicalStatepoint(document.RootElement));
        Assert.Equal(pythonId, LedgerRunId.FromStatepoint(document.RootElement));
    }

    [Fact]
    public void Hashtable_statepoint_with_dotnet_numbers_matches_python()
    {
        // What New-SwarmRun passes: a Hashtable of int, long, double, bool, string and an array.
        var statepoint = new Hashtable { ["lr"] = 0.01, ["seed"] = 7, ["steps"] = 100000L, ["warm"] = true, ["tags"] = new object[] { "a", 2 }, ["ratio"] = 1.0 };
        var (pythonId, pythonText) = RunPython("""{"lr":0.01,"seed":7,"steps":100000,"warm":true,"tags":["a",2],"ratio":1.0}""");
        Assert.Equal(pythonText, LedgerRunId.CanonicalStatepoint(statepoint));
        Assert.Equal(pythonId, LedgerRunId.FromStatepoint(statepoint));
    }

    [Fact]
    public void Pinned_value_never_drifts()
    {
        // Pinned from Python once; a change here orphans every citation in every finding.
        Assert.Equal("bf579a3899ac1776a2ae715bcbe96a82", LedgerRunId.FromStatepoint(new Hashtable { ["lr"] = 0.1, ["seed"] = 1 }));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("B4F4B1CA47B54BD2F08EF9C36765C2F9")]
    [InlineData("b4f4b1ca47b54bd2f08ef9c36765c2f")]
    [InlineData("b4f4b1ca47b54bd2f08ef9c36765c2f9 ")]
    [InlineData("")]
    public void Malformed_ids_are_refused_never_used_as_paths(string id)
    {
        Assert.False(LedgerRunId.IsValid(id));
        var error = Assert.Throws<SwarmException>(() => LedgerRunId.Validate(id));
        Assert.Equal("RunIdMalformed", error.ErrorId);
        Assert.Throws<SwarmException>(() => SwarmRepository.At("/tmp").LedgerEntryPath(id));
    }

    public static TheoryData<object?, string> BadStatepoints => new()
    {
        { null, "nothing" },
        { new Hashtable(), "empty" },
        { new Hashtable { ["x"] = double.NaN }, "NaN" },
        { new Hashtable { [1] = "one" }, "key '1'" },
        { new Hashtable { ["x"] = new object() }, "no JSON form" },
        { "lr=0.1", "String" },
    };

    [Theory]
    [MemberData(nameof(BadStatepoints))]
    public void Bad_statepoints_are_refused_with_the_problem_named(object? statepoint, string named)
    {
        var error = Assert.Throws<SwarmException>(() => LedgerRunId.FromStatepoint(statepoint));
        Assert.Equal("StatepointInvalid", error.ErrorId);
        Assert.Contains(named, error.Message);
        Assert.NotEmpty(error.Remediation);
    }

    private static (string Id, string Text) RunPython(string statepointJson)
    {
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
            StandardInputEncoding = new System.Text.UTF8Encoding(false),
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(PythonRecipe);
        start.Environment["PYTHONIOENCODING"] = "utf-8";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 is required (apt-get install python3).");
        process.StandardInput.Write(statepointJson + "\n");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd().TrimEnd('\n');
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        var space = output.IndexOf(' ');
        return (output[..space], output[(space + 1)..]);
    }
}
