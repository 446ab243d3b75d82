using System.Management.Automation;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Cmdlets;

/// <summary>Register-SwarmMailbox: creates the mailbox of each named agent of a run.</summary>
[Cmdlet(VerbsLifecycle.Register, "SwarmMailbox", SupportsShouldProcess = true)]
[OutputType(typeof(MailboxStatus))]
public sealed class RegisterSwarmMailboxCommand : RunAgentsCmdlet
{
    private readonly CommandExchangeClient _exchange;

    public RegisterSwarmMailboxCommand() => _exchange = new CommandExchangeClient(() => ExchangeConnection.FromEnvironment(ExchangeUrl));

    /// <summary>The exchange URL; default SWARM_EXCHANGE_URL (the token is always SWARM_EXCHANGE_TOKEN).</summary>
    [Parameter]
    public string? ExchangeUrl { get; set; }

    protected override void ProcessAgent(string name)
    {
        if (ShouldProcess($"{RunId}/{name}", "Register mailbox"))
        {
            RunForItem(() => WriteObject(Await(_ => _exchange.Client.RegisterAsync(RunId, name, StopToken))));
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _exchange.Dispose();
        }

        base.Dispose(disposing);
    }
}
