namespace SwarmPS.Surface.Tests.Surface;

/// <summary>One approved PowerShell verb, its Get-Verb group, and whether SwarmPS treats it as changing state.</summary>
public sealed record ApprovedVerb(string Verb, string Group, bool ChangesState);

/// <summary>
/// The approved verbs exactly as `Get-Verb` lists them in PowerShell 7.4 (100 verbs, with their groups),
/// embedded as data because no PowerShell runs here. Every verb is classified once, so a new cmdlet never
/// falls between the lists: ChangesState = true means the cmdlet must declare SupportsShouldProcess.
/// The classification is SwarmPS's decision (documented in docs/architecture.md):
///   changes state: anything that starts, stops, sends, submits, writes, deletes, acknowledges or
///     reconfigures — including Receive (Receive-SwarmMessage acknowledges what it takes), Export and
///     Out (they write files), Connect/Disconnect (PowerShell's own *-PSSession do too);
///   read-only: Get, Test, Select, Find, Search, Measure, Compare, Convert*, Import (reads a file into
///     objects), Wait, Read, Watch, Resolve, Assert, Format, Show and the other look-and-navigate verbs.
/// </summary>
public static class ApprovedVerbs
{
    public static readonly IReadOnlyList<ApprovedVerb> All = new ApprovedVerb[]
    {
        // Common
        new("Add", "Common", true),
        new("Clear", "Common", true),
        new("Close", "Common", true),
        new("Copy", "Common", true),
        new("Enter", "Common", false),
        new("Exit", "Common", false),
        new("Find", "Common", false),
        new("Format", "Common", false),
        new("Get", "Common", false),
        new("Hide", "Common", false),
        new("Join", "Common", false),
        new("Lock", "Common", true),
        new("Move", "Common", true),
        new("New", "Common", true),
        new("Open", "Common", false),
        new("Optimize", "Common", true),
        new("Pop", "Common", false),
        new("Push", "Common", false),
        new("Redo", "Common", true),
        new("Remove", "Common", true),
        new("Rename", "Common", true),
        new("Reset", "Common", true),
        new("Resize", "Common", true),
        new("Search", "Common", false),
        new("Select", "Common", false),
        new("Set", "Common", true),
        new("Show", "Common", false),
        new("Skip", "Common", false),
        new("Split", "Common", false),
        new("Step", "Common", false),
        new("Switch", "Common", true),
        new("Undo", "Common", true),
        new("Unlock", "Common", true),
        new("Watch", "Common", false),

        // Communications
        new("Connect", "Communications", true),
        new("Disconnect", "Communications", true),
        new("Read", "Communications", false),
        new("Receive", "Communications", true),
        new("Send", "Communications", true),
        new("Write", "Communications", true),

        // Data
        new("Backup", "Data", true),
        new("Checkpoint", "Data", true),
        new("Compare", "Data", false),
        new("Compress", "Data", true),
        new("Convert", "Data", false),
        new("ConvertFrom", "Data", false),
        new("ConvertTo", "Data", false),
        new("Dismount", "Data", true),
        new("Edit", "Data", true),
        new("Expand", "Data", true),
        new("Export", "Data", true),
        new("Group", "Data", false),
        new("Import", "Data", false),
        new("Initialize", "Data", true),
        new("Limit", "Data", true),
        new("Merge", "Data", true),
        new("Mount", "Data", true),
        new("Out", "Data", true),
        new("Publish", "Data", true),
        new("Restore", "Data", true),
        new("Save", "Data", true),
        new("Sync", "Data", true),
        new("Unpublish", "Data", true),
        new("Update", "Data", true),

        // Diagnostic
        new("Debug", "Diagnostic", false),
        new("Measure", "Diagnostic", false),
        new("Ping", "Diagnostic", false),
        new("Repair", "Diagnostic", true),
        new("Resolve", "Diagnostic", false),
        new("Test", "Diagnostic", false),
        new("Trace", "Diagnostic", false),

        // Lifecycle
        new("Approve", "Lifecycle", true),
        new("Assert", "Lifecycle", false),
        new("Build", "Lifecycle", true),
        new("Complete", "Lifecycle", true),
        new("Confirm", "Lifecycle", true),
        new("Deny", "Lifecycle", true),
        new("Deploy", "Lifecycle", true),
        new("Disable", "Lifecycle", true),
        new("Enable", "Lifecycle", true),
        new("Install", "Lifecycle", true),
        new("Invoke", "Lifecycle", true),
        new("Register", "Lifecycle", true),
        new("Request", "Lifecycle", true),
        new("Restart", "Lifecycle", true),
        new("Resume", "Lifecycle", true),
        new("Start", "Lifecycle", true),
        new("Stop", "Lifecycle", true),
        new("Submit", "Lifecycle", true),
        new("Suspend", "Lifecycle", true),
        new("Uninstall", "Lifecycle", true),
        new("Unregister", "Lifecycle", true),
        new("Wait", "Lifecycle", false),

        // Security
        new("Block", "Security", true),
        new("Grant", "Security", true),
        new("Protect", "Security", true),
        new("Revoke", "Security", true),
        new("Unblock", "Security", true),
        new("Unprotect", "Security", true),

        // Other
        new("Use", "Other", false),
    };

    private static readonly Dictionary<string, ApprovedVerb> ByName =
        All.ToDictionary(verb => verb.Verb, StringComparer.Ordinal);

    /// <summary>The approved verb spelled exactly so (PowerShell compares case-insensitively; we want the canonical casing).</summary>
    public static ApprovedVerb? Find(string verb) => ByName.GetValueOrDefault(verb);

    /// <summary>The approved verb spelled with any casing, to suggest the canonical spelling.</summary>
    public static ApprovedVerb? FindIgnoringCase(string verb) =>
        All.FirstOrDefault(candidate => string.Equals(candidate.Verb, verb, StringComparison.OrdinalIgnoreCase));
}
