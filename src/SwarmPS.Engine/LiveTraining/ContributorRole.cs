using System.Globalization;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>
/// A contributor of a live training run, as an agent of its site: it asks the coordinator to admit it (its
/// admission proof and the plan digest it holds), trains on its shard with its backend's trainer while
/// relaying every heartbeat to the coordinator, sends the contribution through the exchange's blob store, and
/// tells the coordinator it has. A refusal, a stop from the coordinator or a failed trainer ends it, each as
/// an event of its site. Exit codes (<see cref="TrainingRoleHost"/>): 0 contributed, 1 failed, 3 refused or stopped.
/// </summary>
public sealed class ContributorRole(LiveTrainingSettings settings, TrainingRoleContext context, IExchange exchange)
{
    /// <summary>How long a contributor waits for the coordinator to answer its join.</summary>
    private static readonly TimeSpan AdmissionWait = TimeSpan.FromMinutes(10);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var plan = settings.LoadPlan();
        var me = plan.Contributors.SingleOrDefault(c => c.Id == context.Agent) ?? throw new SwarmException("TrainingRoleUnknown",
            $"Agent '{context.Agent}' is not a contributor of the plan {plan.Digest}.",
            "Start the run with Start-SwarmTraining: its campaign names each contributor of the plan as an agent.",
            SwarmErrorCategory.InvalidArgument, context.Agent);
        var mailbox = new RoleMailbox(exchange, context, _ => TrainingRoleContext.CoordinatorAgent, stray => context.Record("training_message_ignored", ("body", stray)));
        settings.Drills.TryGetValue(me.Id, out var drill);

        var token = Environment.GetEnvironmentVariable(plan.AdmissionTokenVariable);
        var proof = string.IsNullOrEmpty(token) ? null : AdmissionProof.Compute(token, context.RunId, me.Id, plan.Digest);
        await mailbox.SendAsync(TrainingRoleContext.CoordinatorAgent, new TrainingMessage { Kind = TrainingMessage.Join, Contributor = me.Id, PlanDigest = plan.Digest, Proof = proof },
            AdmissionWait, cancellationToken).ConfigureAwait(false);
        var answer = await AwaitAdmissionAsync(mailbox, me.Id, cancellationToken).ConfigureAwait(false);
        if (answer.Kind != TrainingMessage.Admitted)
        {
            context.Record("training_refused", ("contributor", me.Id), ("reason", answer.Reason));
            return TrainingRoleHost.Stopped;
        }

        context.Record("training_admitted", ("contributor", me.Id), ("plan_digest", plan.Digest));
        using var stopped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watchForStop = WatchForStopAsync(mailbox, me.Id, stopped);
        try
        {
            var output = await TrainAsync(plan, me, mailbox, drill, stopped.Token).ConfigureAwait(false);
            if (output is null)
            {
                return TrainingRoleHost.Failed;
            }

            if (drill == FailureDrills.UploadDisagreement)
            {
                // The drill: what goes up is not what the manifest says (one byte of the data changed after training).
                FailureDrills.CorruptAdapter(ContributionFiles.AdapterOf(output));
            }

            var arrival = await ContributionUpload.SendAsync(context.Connection, output, allowDigestMismatch: drill == FailureDrills.UploadDisagreement, cancellationToken: stopped.Token).ConfigureAwait(false);
            await mailbox.SendAsync(TrainingRoleContext.CoordinatorAgent, new TrainingMessage { Kind = TrainingMessage.Contributed, Contributor = me.Id, ManifestDigest = arrival.ManifestDigest },
                AdmissionWait, cancellationToken).ConfigureAwait(false);
            context.Record("contribution_sent", ("contributor", me.Id), ("manifest_digest", arrival.ManifestDigest), ("adapter_digest", arrival.AdapterDigest));
            return TrainingRoleHost.Ended;
        }
        catch (OperationCanceledException) when (stopped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            context.Record("training_stopped", ("contributor", me.Id), ("by", "coordinator"));
            return TrainingRoleHost.Stopped;
        }
        finally
        {
            await stopped.CancelAsync().ConfigureAwait(false);
            await watchForStop.ConfigureAwait(false);
        }
    }

    private async Task<TrainingMessage> AwaitAdmissionAsync(RoleMailbox mailbox, string contributor, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + AdmissionWait;
        while (DateTimeOffset.UtcNow < deadline)
        {
            foreach (var message in await mailbox.ReceiveAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false))
            {
                if (message.Contributor == contributor && message.Kind is TrainingMessage.Admitted or TrainingMessage.Refused or TrainingMessage.Stop)
                {
                    return message;
                }
            }
        }

        return new TrainingMessage { Kind = TrainingMessage.Refused, Contributor = contributor, Reason = "the coordinator did not answer within 10 minutes" };
    }

    /// <summary>Trains; returns the output directory, or null after reporting a failed trainer to the coordinator.</summary>
    private async Task<string?> TrainAsync(TrainingPlan plan, PlanContributor me, RoleMailbox mailbox, string? drill, CancellationToken cancellationToken)
    {
        if (!settings.Trainers.TryGetValue(me.Backend, out var trainer) || trainer.Count == 0)
        {
            throw new SwarmException("TrainerNotConfigured",
                $"Contributor {me.Id} trains on {me.Backend}, and site {context.Site} has no trainer for that backend.",
                $"Give Start-SwarmTraining -Trainer @{{ '{me.Backend}' = @('<program>', '<argument>') }} on this site.",
                SwarmErrorCategory.ObjectNotFound, me.Backend);
        }

        var output = Path.Combine(context.RunDirectory, "training", me.Id);
        var job = TrainerJobFiles.Train(plan, me.Backend, context.RunId, me.Id, context.Site, me.DataShard,
            Path.Combine(settings.DataDirectory, me.DataShard + ".txt"), plan.Steps, plan.Seed, output);
        var jobPath = TrainerJobFiles.Write(job, output);
        if (drill == FailureDrills.UnevenSpeed)
        {
            // The drill: this contributor starts late by more than the plan's skew allows, heartbeating all the while.
            await FailureDrills.DelayWithHeartbeatsAsync(plan.MaxWorkerSkew + plan.ContributorLossGrace + TimeSpan.FromSeconds(2), plan.HeartbeatInterval,
                () => SendHeartbeatAsync(mailbox, me.Id, "setup", null, null, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        context.Record("training_started", ("contributor", me.Id), ("backend", me.Backend), ("shard", me.DataShard), ("steps", plan.Steps));
        // Heartbeats go out in order, one at a time, without holding the trainer's output reader.
        var relay = new HeartbeatRelay(progress => SendHeartbeatAsync(mailbox, me.Id, progress.Phase ?? "train", progress.Step, progress.Loss, cancellationToken));
        var (exitCode, error) = await TrainerProcess.RunAsync(trainer, jobPath, relay.Post, cancellationToken).ConfigureAwait(false);
        await relay.DrainAsync().ConfigureAwait(false);
        if (exitCode != 0)
        {
            var reason = $"the {me.Backend} trainer exited {exitCode.ToString(CultureInfo.InvariantCulture)}: {error}";
            context.Record("training_failed", ("contributor", me.Id), ("reason", reason));
            await mailbox.SendAsync(TrainingRoleContext.CoordinatorAgent, new TrainingMessage { Kind = TrainingMessage.Failed, Contributor = me.Id, Reason = reason },
                TimeSpan.FromMinutes(1), cancellationToken).ConfigureAwait(false);
            return null;
        }

        context.Record("training_finished", ("contributor", me.Id), ("heartbeats", relay.Count));
        return output;
    }

    private Task SendHeartbeatAsync(RoleMailbox mailbox, string contributor, string phase, long? step, double? loss, CancellationToken cancellationToken) =>
        mailbox.SendAsync(TrainingRoleContext.CoordinatorAgent,
            new TrainingMessage { Kind = TrainingMessage.Heartbeat, Contributor = contributor, Phase = phase, Step = step, Loss = loss },
            TimeSpan.FromSeconds(30), cancellationToken);

    /// <summary>Ends the contributor's work when the coordinator says stop (a drift, or the run ended without it).</summary>
    private static async Task WatchForStopAsync(RoleMailbox mailbox, string contributor, CancellationTokenSource stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var messages = await mailbox.ReceiveAsync(TimeSpan.FromSeconds(5), stop.Token).ConfigureAwait(false);
                if (messages.Any(m => m.Kind == TrainingMessage.Stop && m.Contributor == contributor))
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (SwarmException)
        {
            // The exchange is away: the heartbeats' own retries report it; the watch simply ends.
        }
    }
}
