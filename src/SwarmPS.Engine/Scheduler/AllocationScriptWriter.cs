using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Writes an allocation's two POSIX sh scripts: the batch script the scheduler runs once (its directives,
/// then one launcher line that starts the rank wrapper on every rank) and the rank wrapper, which finds
/// its rank in whatever variable the launcher set and execs that agent with every variable written out
/// in the file. Nothing depends on the launcher forwarding the environment.
/// </summary>
public static partial class AllocationScriptWriter
{
    public const string BatchScriptName = "allocation.sh";
    public const string RankWrapperName = "rank.sh";
    public const string OutputName = "allocation.out";

    /// <summary>The file in the job's directory where rank <paramref name="rank"/> writes its agent's exit code.</summary>
    public static string ExitCodeFile(int rank) => $"rank-{rank.ToString(CultureInfo.InvariantCulture)}.exit";

    /// <summary>The batch script, for a job whose files live in <paramref name="directory"/> (absolute, on the site).</summary>
    public static string BatchScript(AllocationPlan plan, string directory)
    {
        var text = new StringBuilder("#!/bin/sh\n");
        foreach (var directive in Directives(plan, directory))
        {
            text.Append(directive).Append('\n');
        }

        text.Append("# SwarmPS allocation: ").Append(plan.Ranks.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" ranks, rank i runs agent i: ").Append(string.Join(' ', plan.Ranks.Select((r, i) => $"{i}={r.Agent}"))).Append('\n');
        var wrapper = PosixQuoting.Quote(directory + "/" + RankWrapperName);
        var ranks = plan.Ranks.Count.ToString(CultureInfo.InvariantCulture);
        var ppn = plan.RanksPerNode.ToString(CultureInfo.InvariantCulture);
        var nodes = plan.Nodes.ToString(CultureInfo.InvariantCulture);
        text.Append(plan.Launcher switch
        {
            AllocationLauncher.Srun => $"exec srun --ntasks={ranks} --nodes={nodes} --kill-on-bad-exit=0 /bin/sh {wrapper}\n",
            AllocationLauncher.Mpiexec => $"exec mpiexec -n {ranks} --ppn {ppn} /bin/sh {wrapper}\n",
            AllocationLauncher.Pbsdsh => $"exec pbsdsh -- /bin/sh {wrapper}\n",
            _ => ForkRanks(plan.Ranks.Count, wrapper),
        });
        return text.ToString();
    }

    /// <summary>The rank wrapper: rank i unsets the profile's unset_environment, sets agent i's variables, loads modules, execs agent i.</summary>
    public static string RankWrapper(AllocationPlan plan)
    {
        var text = new StringBuilder("#!/bin/sh\n");
        text.Append("# SwarmPS rank wrapper: the rank comes from the launcher (fork, srun, mpiexec, pbsdsh, Grid Engine task id).\n");
        text.Append("rank=\"${SWARM_FORK_RANK:-${SLURM_PROCID:-${PMI_RANK:-${OMPI_COMM_WORLD_RANK:-${PBS_VNODENUM:-}}}}}\"\n");
        text.Append("if [ -z \"$rank\" ] && [ -n \"${SGE_TASK_ID:-}\" ] && [ \"$SGE_TASK_ID\" != undefined ]; then rank=$((SGE_TASK_ID - 1)); fi\n");
        // Kept beside SWARM_ALLOCATION_RANK (the plan's number for the agent) so a rank's agent can show both agree.
        text.Append("unset SWARM_FORK_RANK\nexport SWARM_LAUNCHER_RANK=\"$rank\"\n");
        foreach (var name in plan.Unset)
        {
            text.Append("unset ").Append(ValidName(name, plan.Name)).Append('\n');
        }

        if (plan.Modules.Count > 0)
        {
            // A module system missing on the compute node must stop the rank, not start an agent without its software.
            text.Append("command -v module >/dev/null 2>&1 || { echo \"swarm rank $rank: the site profile loads modules but 'module' is not defined on $(hostname)\" >&2; exit 65; }\n");
            text.Append("module load ").Append(PosixQuoting.Join(plan.Modules)).Append(" || exit 65\n");
        }

        // The agent runs as a child, not exec'd, so its exit code lands in rank-<i>.exit beside this script,
        // where the site launcher reads how each agent ended; a TERM from the scheduler is passed on to it.
        text.Append("run() {\n  \"$@\" &\n  agent=$!\n  trap 'signalled=1; kill -TERM \"$agent\" 2>/dev/null' TERM INT HUP\n");
        text.Append("  wait \"$agent\"; code=$?\n  if [ -n \"${signalled:-}\" ]; then wait \"$agent\"; late=$?; [ \"$late\" -ne 127 ] && code=$late; fi\n");
        text.Append("  echo \"$code\" > \"${0%/*}/rank-$rank.exit\"\n  exit \"$code\"\n}\n");
        if (plan.StartGate is { } gate)
        {
            var tries = ((int)Math.Ceiling(plan.StartGateTimeout.TotalSeconds * 5)).ToString(CultureInfo.InvariantCulture);
            text.Append("gate=").Append(PosixQuoting.Quote(gate)).Append("; tries=0\n");
            text.Append("while [ ! -e \"$gate\" ]; do\n");
            text.Append("  tries=$((tries + 1)); [ \"$tries\" -gt ").Append(tries)
                .Append(" ] && { echo \"swarm rank $rank: the site launcher never opened $gate; not starting the agent\" >&2; exit 75; }\n");
            text.Append("  sleep 0.2\ndone\n");
        }

        text.Append("case \"$rank\" in\n");
        for (var i = 0; i < plan.Ranks.Count; i++)
        {
            var rank = plan.Ranks[i];
            text.Append(i.ToString(CultureInfo.InvariantCulture)).Append(")\n");
            foreach (var (name, value) in rank.Environment.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                text.Append("  export ").Append(ValidName(name, rank.Agent)).Append('=').Append(PosixQuoting.Quote(value)).Append('\n');
            }

            if (rank.WorkingDirectory is { } cwd)
            {
                text.Append("  cd ").Append(PosixQuoting.Quote(cwd)).Append(" || exit 66\n");
            }

            if (rank.StandardOutput is { } stdout)
            {
                text.Append("  exec >>").Append(PosixQuoting.Quote(stdout)).Append('\n');
            }

            if (rank.StandardError is { } stderr)
            {
                text.Append("  exec 2>>").Append(PosixQuoting.Quote(stderr)).Append('\n');
            }

            text.Append("  run ").Append(PosixQuoting.Join(rank.Argv)).Append("\n  ;;\n");
        }

        text.Append("*)\n  echo \"swarm rank wrapper: no agent for rank '$rank' (")
            .Append(plan.Ranks.Count.ToString(CultureInfo.InvariantCulture))
            .Append(" agents); the launcher set none of SLURM_PROCID, PMI_RANK, OMPI_COMM_WORLD_RANK, PBS_VNODENUM\" >&2\n  exit 64\n  ;;\nesac\n");
        return text.ToString();
    }

    private static IEnumerable<string> Directives(AllocationPlan plan, string directory)
    {
        var output = directory + "/" + OutputName;
        var walltime = plan.Walltime is { } w ? SchedulerTime.Format(w) : null;
        switch (plan.Scheduler)
        {
            case SchedulerKind.Slurm:
                yield return "#SBATCH --job-name=" + plan.Name;
                yield return "#SBATCH --nodes=" + plan.Nodes.ToString(CultureInfo.InvariantCulture);
                yield return "#SBATCH --ntasks=" + plan.Ranks.Count.ToString(CultureInfo.InvariantCulture);
                yield return "#SBATCH --output=" + output;
                yield return "#SBATCH --chdir=" + directory;
                if (walltime is not null) yield return "#SBATCH --time=" + walltime;
                if (plan.Queue is { } partition) yield return "#SBATCH --partition=" + partition;
                if (plan.Account is { } account) yield return "#SBATCH --account=" + account;
                break;
            case SchedulerKind.Pbs:
                yield return "#PBS -N " + plan.Name;
                yield return $"#PBS -l select={plan.Nodes.ToString(CultureInfo.InvariantCulture)}:mpiprocs={plan.RanksPerNode.ToString(CultureInfo.InvariantCulture)}";
                yield return "#PBS -l place=scatter";
                yield return "#PBS -j oe";
                yield return "#PBS -o " + output;
                if (walltime is not null) yield return "#PBS -l walltime=" + walltime;
                if (plan.Queue is { } queue) yield return "#PBS -q " + queue;
                if (plan.Account is { } project) yield return "#PBS -A " + project;
                break;
            default:
                yield return "#$ -N " + plan.Name;
                yield return "#$ -S /bin/sh";
                yield return "#$ -j y";
                yield return "#$ -o " + output;
                yield return "#$ -wd " + directory;
                if (walltime is not null) yield return "#$ -l h_rt=" + walltime;
                if (plan.Queue is { } sgeQueue) yield return "#$ -q " + sgeQueue;
                if (plan.Account is { } sgeProject) yield return "#$ -P " + sgeProject;
                break;
        }
    }

    /// <summary>Every rank in the background, each told its rank; a signal to the job reaches them all.</summary>
    private static string ForkRanks(int count, string wrapper) =>
        "pids=\n" +
        $"rank=0; while [ \"$rank\" -lt {count.ToString(CultureInfo.InvariantCulture)} ]; do SWARM_FORK_RANK=$rank /bin/sh {wrapper} & pids=\"$pids $!\"; rank=$((rank + 1)); done\n" +
        "trap 'kill $pids 2>/dev/null' TERM INT HUP\n" +
        "status=0; for pid in $pids; do wait \"$pid\" || status=$?; done\n" +
        "exit $status\n";

    private static string ValidName(string name, string target) =>
        VariableName().IsMatch(name)
            ? name
            : throw new SwarmException(
                "AllocationVariableNameInvalid",
                $"'{name}' cannot be passed to a rank: a shell variable name is letters, digits and '_', not starting with a digit.",
                "Rename the variable in the site profile's environment/unset_environment or the agent's env.",
                SwarmErrorCategory.InvalidArgument,
                target);

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex VariableName();
}
