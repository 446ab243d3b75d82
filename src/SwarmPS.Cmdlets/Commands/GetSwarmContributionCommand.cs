using System.Management.Automation;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>Get-SwarmContribution: the contributions that have arrived on the exchange for a run, each with its manifest, sorted by contributor.</summary>
[Cmdlet(VerbsCommon.Get, "SwarmContribution")]
[OutputType(typeof(ArrivedContribution))]
public sealed class GetSwarmContributionCommand : ExchangeClientCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string RunId { get; set; } = "";

    /// <summary>Only these contributors (wildcards allowed, case-insensitive); all when not given. Binds from a piped arrival, so Send-SwarmContribution | Get-SwarmContribution shows what was sent.</summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Contributor { get; set; }

    protected override void ProcessRecord() => Run(() =>
    {
        using var inbox = new ContributionInbox(Connection());
        var arrivals = Await(_ => inbox.ListArrivalsAsync(RunId, StopToken));
        var patterns = Contributor?.Select(c => new WildcardPattern(c, WildcardOptions.IgnoreCase)).ToList();

        // A name without wildcards that matches nothing is a mistake worth saying; a pattern may match nothing.
        foreach (var name in Contributor ?? Array.Empty<string>())
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name) && !arrivals.Any(a => string.Equals(a.Contributor, name, StringComparison.OrdinalIgnoreCase)))
            {
                WriteError(ToErrorRecord(ContributionInbox.NotArrived(RunId, name, arrivals)));
            }
        }

        foreach (var arrival in arrivals.Where(a => patterns is null || patterns.Any(p => p.IsMatch(a.Contributor))))
        {
            WriteObject(Await(_ => inbox.ReadAsync(arrival, StopToken)));
        }
    });
}
