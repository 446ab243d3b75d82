using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>An evidence bundle's index on real files: written, checked clean, and every tampering reported.</summary>
public sealed class EvidenceIndexTests : IDisposable
{
    private readonly string _bundle = Directory.CreateTempSubdirectory("swarmps-evidence-").FullName;

    public EvidenceIndexTests()
    {
        Directory.CreateDirectory(Path.Combine(_bundle, "manifests"));
        File.WriteAllText(Path.Combine(_bundle, "plan.yaml"), "name: ft\n");
        File.WriteAllText(Path.Combine(_bundle, "manifests", "contrib-a.json"), "{}\n");
    }

    public void Dispose() => Directory.Delete(_bundle, recursive: true);

    [Fact]
    public void A_written_index_lists_every_file_and_checks_clean()
    {
        var files = EvidenceIndex.Write(_bundle);

        Assert.Equal(new[] { "manifests/contrib-a.json", "plan.yaml" }, files.Select(f => f.Path));
        Assert.Equal("sha256:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("name: ft\n"u8)).ToLowerInvariant(), files[1].Sha256);
        Assert.Empty(EvidenceIndex.Check(_bundle));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_bundle, EvidenceIndex.FileName)));
    }

    [Fact]
    public void A_changed_a_missing_and_an_extra_file_are_each_reported()
    {
        EvidenceIndex.Write(_bundle);
        File.AppendAllText(Path.Combine(_bundle, "plan.yaml"), "steps: 9999\n");
        File.Delete(Path.Combine(_bundle, "manifests", "contrib-a.json"));
        File.WriteAllText(Path.Combine(_bundle, "manifests", "contrib-z.json"), "{}\n");

        var problems = EvidenceIndex.Check(_bundle);

        Assert.Collection(problems,
            p => Assert.StartsWith("'manifests/contrib-a.json' is listed in index.json but is missing", p, StringComparison.Ordinal),
            p => Assert.StartsWith("'plan.yaml' has changed since the bundle was written", p, StringComparison.Ordinal),
            p => Assert.Equal("'manifests/contrib-z.json' is in the bundle but not in index.json", p));
    }

    [Fact]
    public void A_file_replaced_by_a_link_or_a_fifo_and_a_linked_directory_are_reported_not_followed()
    {
        EvidenceIndex.Write(_bundle);
        File.Delete(Path.Combine(_bundle, "plan.yaml"));
        File.CreateSymbolicLink(Path.Combine(_bundle, "plan.yaml"), "/etc/passwd");
        File.Delete(Path.Combine(_bundle, "manifests", "contrib-a.json"));
        Assert.Equal(0, Mkfifo(Path.Combine(_bundle, "manifests", "contrib-a.json")));
        Directory.CreateSymbolicLink(Path.Combine(_bundle, "loop"), _bundle); // walked into, it would never end

        var problems = EvidenceIndex.Check(_bundle);

        Assert.Equal(3, problems.Count);
        Assert.All(problems.Take(2), p => Assert.Contains("missing or not a regular file", p, StringComparison.Ordinal));
        Assert.Equal("'loop' is in the bundle but not in index.json", problems[2]);
        var error = Assert.Throws<SwarmException>(() => EvidenceIndex.Write(_bundle));
        Assert.Equal("EvidenceFileRefused", error.ErrorId);
    }

    [Theory]
    [InlineData("no index", null, "it has no index.json")]
    [InlineData("not JSON", "{", "is not an index SwarmPS wrote")]
    [InlineData("a path outside", "{\"schema_version\":1,\"files\":[{\"path\":\"../../etc/passwd\",\"bytes\":1,\"sha256\":\"sha256:00\"}]}", "which is outside the bundle")]
    [InlineData("an absolute path", "{\"schema_version\":1,\"files\":[{\"path\":\"/etc/passwd\",\"bytes\":1,\"sha256\":\"sha256:00\"}]}", "which is outside the bundle")]
    public void A_bad_index_is_one_problem_naming_it(string what, string? index, string expected)
    {
        if (index is not null)
        {
            File.WriteAllText(Path.Combine(_bundle, EvidenceIndex.FileName), index);
        }

        var problems = EvidenceIndex.Check(_bundle);

        Assert.True(problems.Count == 1 && problems[0].Contains(expected, StringComparison.Ordinal), $"{what}: {string.Join(" | ", problems)}");
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "mkfifo")]
    private static extern int Mkfifo(string path, uint mode = 0x180);
}
