namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Checks every committed ledger entry (Test-SwarmLedger), so a bad entry cannot sit in git unnoticed:
/// files that are not entries (<c>LedgerEntryInvalid</c>: not JSON, wrong name or schema, a link, a
/// FIFO or device, over 1 MiB) and entries that break the sanitizer's rules (<c>LedgerEntryUnsanitized</c>:
/// an absolute path or a redactable secret). Reads with the same parallel scan as Get-SwarmLedger.
/// </summary>
public static class LedgerValidator
{
    public static IReadOnlyList<LedgerFinding> Validate(SwarmRepository repository)
    {
        var findings = new List<LedgerFinding>();
        if (LedgerPromoter.LinkedDirectory(repository) is { } linked)
        {
            findings.Add(new LedgerFinding(LedgerPromoter.DirectoryLinkedId, FindingSeverity.Error, linked, 0, null,
                $"{linked} is a symbolic link; promotion refuses to write through it. Replace it with a real directory (git rm the link, then Initialize-SwarmRepository)."));
        }

        var rule = RedactionRule.ForRepository(repository);
        var read = LedgerFileScan.Read<object>(
            repository.LedgerDirectory,
            LedgerDirectoryListing.JsonFileNames(repository),
            (name, bytes) =>
            {
                var (entry, problem) = LedgerEntryParser.Parse(bytes, name);
                if (problem is not null)
                {
                    return problem;
                }

                var unsanitized = LedgerSanitizerCheck.Check(entry!, repository.Root, rule);
                return unsanitized.Count > 0 ? unsanitized : null;
            },
            (name, error) => LedgerEntryParser.Unreadable(name, error));

        foreach (var item in read)
        {
            if (item is LedgerFinding problem)
            {
                findings.Add(problem);
            }
            else
            {
                findings.AddRange((IReadOnlyList<LedgerFinding>)item);
            }
        }

        return findings
            .OrderBy(f => f.File ?? "", StringComparer.Ordinal)
            .ThenBy(f => f.Message, StringComparer.Ordinal)
            .ToList();
    }
}
