using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// What PBS Pro's and Grid Engine's qsub share after their own array and dependency flags: queue (-q),
/// account (-A), walltime as a -l resource (named walltime on PBS, h_rt on Grid Engine), each scheduler's
/// own memory and GPU requests (one -l each), the plan's extra resources, then the job script.
/// </summary>
internal static class QsubCommand
{
    public static ShellCommand Finish(List<string> args, JobPlan plan, string script, string walltimeResource, IEnumerable<string> resourceRequests)
    {
        if (plan.Queue is { } queue)
        {
            args.Add("-q");
            args.Add(queue);
        }

        if (plan.Account is { } account)
        {
            args.Add("-A");
            args.Add(account);
        }

        if (plan.Walltime is { } walltime)
        {
            args.Add("-l");
            args.Add($"{walltimeResource}={SchedulerTime.Format(walltime)}");
        }

        foreach (var request in resourceRequests)
        {
            args.Add("-l");
            args.Add(request);
        }

        args.AddRange(plan.Resources);
        args.Add(script);
        return new ShellCommand("qsub", args) { Timeout = TimeSpan.FromMinutes(2) };
    }
}
