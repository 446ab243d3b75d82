using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Tests.Ledger;

public sealed class LedgerFileScanTests
{
    [Fact]
    public void Reads_every_file_whole_passes_over_vanished_ones_and_reports_unreadable_ones()
    {
        using var repo = new TemporaryRepository();
        var directory = Path.Combine(repo.Root, "many");
        Directory.CreateDirectory(directory);
        var names = new List<string>();
        for (var i = 0; i < 1500; i++)
        {
            // Sizes around and well past the 16 KiB starting buffer, so it has to grow.
            var name = $"{i:D4}.json";
            File.WriteAllText(Path.Combine(directory, name), new string((char)('a' + (i % 26)), i % 3 == 0 ? 40_000 + i : i));
            names.Add(name);
        }

        names.Add("vanished.json");
        Directory.CreateDirectory(Path.Combine(directory, "folder.json"));
        names.Add("folder.json");

        var read = LedgerFileScan.Read<string>(
            directory,
            names,
            (name, bytes) => $"{name}:{bytes.Length}:{(bytes.Length > 0 ? (char)bytes[^1] : '-')}",
            (name, error) => $"{name}:unreadable");

        var expected = Enumerable.Range(0, 1500)
            .Select(i => $"{i:D4}.json:{(i % 3 == 0 ? 40_000 + i : i)}:{(i % 3 == 0 || i > 0 ? (char)('a' + (i % 26)) : '-')}")
            .Append("folder.json:unreadable")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, read.Order(StringComparer.Ordinal));
    }
}
