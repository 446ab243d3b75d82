using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// The program every agent of a training campaign runs (<c>SwarmPS.SiteHost training-role</c>): it reads the
/// agent contract and the site's settings (<c>$SWARM_RUN_DIR/training-settings.json</c>) and runs the
/// coordinator's role or the contributor's, by the agent's name. A failure before the role starts is
/// printed (error id and message) and recorded as an event, so the operator sees it in Get-SwarmEvent.
/// </summary>
public static class TrainingRoleHost
{
    /// <summary>Exit code: the role's work ended (a contribution sent; the run published or blocked: its status says which).</summary>
    public const int Ended = 0;

    /// <summary>Exit code: the role failed (its error is on stderr and an event).</summary>
    public const int Failed = 1;

    /// <summary>Exit code: the role was refused or told to stop (a contributor), or stopped the run for a drift (the coordinator).</summary>
    public const int Stopped = 3;

    /// <summary>Exit code: its site stopped it (SIGTERM).</summary>
    public const int Cancelled = 130;

    public static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        TrainingRoleContext? context = null;
        try
        {
            context = TrainingRoleContext.FromEnvironment();
            var settings = LiveTrainingSettings.Read(Path.Combine(context.RunDirectory, LiveTrainingSettings.FileName));
            using var exchange = context.Connection.OpenClient();
            return context.Agent == TrainingRoleContext.CoordinatorAgent
                ? await new CoordinatorRole(settings, context, exchange).RunAsync(cancellationToken).ConfigureAwait(false)
                : await new ContributorRole(settings, context, exchange).RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error)
        {
            Console.Error.WriteLine($"{error.ErrorId}: {error.Message} {error.Remediation}");
            context?.Record("training_role_failed", ("error_id", error.ErrorId), ("message", error.Message));
            return Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Cancelled;
        }
    }
}
