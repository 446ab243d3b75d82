using SwarmPS.Engine.Ledger;

namespace SwarmPS.Cmdlets;

/// <summary>
/// A ledger finding written as a warning: the code, the problem and its fix, then where to look. Its
/// severity is left out ("WARNING: error ..." reads as nonsense; the stream already says it is a warning).
/// </summary>
internal static class LedgerWarning
{
    public static string Text(LedgerFinding finding)
    {
        var where = finding.File is null ? "" : $" ({finding.File}{(finding.Line > 0 ? ":" + finding.Line : "")})";
        return $"{finding.Code}: {finding.Message}{where}";
    }
}
