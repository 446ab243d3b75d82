using System.Collections;
using System.Text.Json;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class SignacJobIdTests
{
    [Fact]
    public void Signacs_documented_example_gives_its_documented_id()
    {
        Assert.Equal("9bfd29df07674bc4aa960cf661b5acd2", SignacJobId.FromStatepoint(new Hashtable { ["a"] = 0 }));
        Assert.Equal("{\"a\": 0}", CanonicalJson.SerializeSignac(new Hashtable { ["a"] = 0 }));
    }

    [Fact]
    public void Two_thousand_generated_statepoints_get_the_id_python_computes()
    {
        // tests/python/signac_statepoints.py: nested maps and lists, unicode (astral, private use, controls,
        // DEL), large, small and subnormal floats, -0.0, booleans, null, integers beyond 2^53 and 2^64.
        var lines = Lines(PythonScript.RunFile(Path.Combine(RepositoryRoot.Path, "tests", "python", "signac_statepoints.py"), "2000", "19"));
        Assert.Equal(2000, lines.Count);
        var mismatches = new List<string>();
        foreach (var line in lines)
        {
            using var document = JsonDocument.Parse(line);
            var pythonId = document.RootElement.GetProperty("id").GetString();
            var statepoint = document.RootElement.GetProperty("statepoint");
            var ours = SignacJobId.FromStatepoint(statepoint);
            if (ours != pythonId)
            {
                mismatches.Add($"{pythonId} != {ours}: {CanonicalJson.SerializeSignac(statepoint)}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of 2000 differ, first: {mismatches.FirstOrDefault()}");
    }

    [Fact]
    public void Dotnet_values_as_pwsh_passes_them_match_python()
    {
        // What New-SwarmRun hands over from @{ ... }: int, long, BigInteger, double, bool, null, arrays, nested hashtables.
        var statepoint = new Hashtable
        {
            ["lr"] = 0.1,
            ["tiny"] = 1e-05,
            ["one"] = 1.0,
            ["seed"] = 7,
            ["huge"] = System.Numerics.BigInteger.Pow(2, 70) + 1,
            ["steps"] = 9007199254740993L,
            ["warm"] = true,
            ["none"] = null,
            ["tags"] = new object?[] { "α", 2, new Hashtable { ["z"] = 1, ["b"] = "☃\u007f" } },
        };
        var python = Lines(PythonScript.Run(
            "import hashlib,json\n" +
            "sp={'lr':0.1,'tiny':1e-05,'one':1.0,'seed':7,'huge':2**70+1,'steps':9007199254740993,'warm':True,'none':None,'tags':['\\u03b1',2,{'z':1,'b':'\\u2603\\x7f'}]}\n" +
            "t=json.dumps(sp,sort_keys=True); print(hashlib.md5(t.encode()).hexdigest()); print(t)"));
        Assert.Equal(python[1], CanonicalJson.SerializeSignac(statepoint));
        Assert.Equal(python[0], SignacJobId.FromStatepoint(statepoint));
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void A_non_finite_number_is_refused_as_in_the_swarm_scheme(double number)
    {
        var error = Assert.Throws<SwarmException>(() => LedgerRunId.Identify(new Hashtable { ["x"] = number }, RunIdScheme.Signac));
        Assert.Equal("StatepointInvalid", error.ErrorId);
    }

    [Fact]
    public void Identify_keeps_the_canonical_text_and_changes_only_the_hash()
    {
        var statepoint = new Hashtable { ["lr"] = 0.1, ["seed"] = 1 };
        var swarm = LedgerRunId.Identify(statepoint, RunIdScheme.Swarm);
        var signac = LedgerRunId.Identify(statepoint, RunIdScheme.Signac);
        Assert.Equal("bf579a3899ac1776a2ae715bcbe96a82", swarm.Id);
        Assert.Equal(swarm.Canonical, signac.Canonical);
        Assert.Equal(SignacJobId.FromStatepoint(statepoint), signac.Id);
        Assert.True(LedgerRunId.IsValid(signac.Id));
    }

    private static List<string> Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
}
