namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The aexp 0.6 ledger of a repository, <c>.aexp/ledger/&lt;job_id&gt;.json</c> at its root, read during a
/// migration to SwarmPS (docs/ledger.md, "Migrating from aexp 0.6"). Every file is hostile, as the SwarmPS
/// ledger's are: the directory is not read when it (or <c>.aexp</c>) is a symbolic link, and each file goes
/// through the same bounded, link- and FIFO-refusing parallel scan (<see cref="LedgerFileScan"/>), so a bad
/// file is an <c>AexpEntryInvalid</c> finding, never a hang or a crash.
/// </summary>
internal static class AexpLedger
{
    public const string RelativeDirectory = ".aexp/ledger";

    /// <summary>The code of a finding that the aexp ledger directory is a link and was not read.</summary>
    public const string LinkedCode = "AexpLedgerLinked";

    public static string DirectoryOf(SwarmRepository repository) => Path.Combine(repository.Root, ".aexp", "ledger");

    public static bool Exists(SwarmRepository repository) => Directory.Exists(DirectoryOf(repository));

    /// <summary><c>.aexp</c> or <c>.aexp/ledger</c> when it is a symbolic link (a clone can carry one); null otherwise.</summary>
    public static string? LinkedDirectory(SwarmRepository repository) => repository.FirstLinkedDirectory(RelativeDirectory);

    /// <summary>The finding for a linked aexp ledger directory, which is never listed or read.</summary>
    public static LedgerFinding LinkedFinding(string linked, FindingSeverity severity) =>
        new(LinkedCode, severity, linked, 0, null,
            $"{linked} is a symbolic link, so the aexp ledger was not read (it could point anywhere). Replace the link with the directory it points to, then run the command again.");

    /// <summary>Every visible <c>*.json</c> name in <c>.aexp/ledger/</c> (one directory listing).</summary>
    public static List<string> FileNames(SwarmRepository repository) => LedgerDirectoryListing.JsonFileNames(DirectoryOf(repository));

    /// <summary>
    /// Reads the named files in one parallel pass: an <see cref="AexpEntry"/> or an <c>AexpEntryInvalid</c>
    /// <see cref="LedgerFinding"/> for each file present (vanished ones are passed over), in no particular order.
    /// </summary>
    public static List<object> Read(SwarmRepository repository, IReadOnlyList<string> names) =>
        LedgerFileScan.Read<object>(
            DirectoryOf(repository),
            names,
            (name, bytes) => AexpEntryParser.Parse(bytes, name) is var (entry, problem) && problem is not null ? problem : entry,
            (name, error) => AexpEntryParser.Unreadable(name, error));
}
