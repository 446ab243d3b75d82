using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>
/// Base of the cmdlets that talk to a running exchange: one -ExchangeUrl parameter, the token always from
/// SWARM_EXCHANGE_TOKEN (never a parameter, so it stays out of history and transcripts).
/// </summary>
public abstract class ExchangeClientCmdlet : SwarmCmdlet
{
    private readonly CommandExchangeClient _exchange;

    protected ExchangeClientCmdlet() => _exchange = new CommandExchangeClient(Connection);

    /// <summary>The exchange URL; default SWARM_EXCHANGE_URL.</summary>
    [Parameter]
    public string? ExchangeUrl { get; set; }

    /// <summary>The client for this command, created on first use and disposed with the command.</summary>
    protected IExchange Client => _exchange.Client;

    /// <summary>Where to connect; a cmdlet holding a campaign lets the campaign's exchange settings fill in.</summary>
    protected virtual ExchangeConnection Connection() => ExchangeConnection.FromEnvironment(ExchangeUrl);

    // Not EndProcessing: after Ctrl+C or a terminating error it never runs, and the client's pooled
    // connections would stay open until the process exits.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _exchange.Dispose();
        }

        base.Dispose(disposing);
    }
}
