using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// How -Memory and -Gpus appear in each scheduler's submit command. What SLURM and Grid Engine record for
/// these requests is proven against the real loopback schedulers in tests/pester/PlanResources.Tests.ps1;
/// GPUs as text here; SLURM's GPU request runs for real on the loopback's stand-in GPUs in that file too.
/// </summary>
public sealed class ResourceRequestTests
{
    private static readonly string[] Command = { "python", "train.py" };

    private static ShellCommand Submit(ISchedulerAdapter adapter, SiteProfile site, JobPlanOptions options)
    {
        var plan = WavePlanner.Plan(site, Command, TaskSet.Product(new[] { TaskAxis.Seeds(4) }), options);
        return adapter.BuildSubmit(new ArraySubmission(plan, plan.Arrays.Single(), new JobLayout("/runs/jobs/" + plan.Key, 1), Array.Empty<string>()));
    }

    private static SiteProfile Site(SchedulerKind kind, SiteSchedulerResources? names = null) =>
        new() { Name = "hpc", Scheduler = kind, RunRoot = "/runs", SchedulerResources = names ?? new SiteSchedulerResources() };

    [Fact]
    public void Slurm_asks_mem_in_whole_mebibytes_and_gres_gpu()
    {
        var command = Submit(new SlurmAdapter(), Site(SchedulerKind.Slurm), new JobPlanOptions { Memory = 3L << 30, Gpus = 2, Resources = ["--qos=x"] });

        var args = command.Arguments.ToList();
        Assert.Contains("--mem=3072M", args);
        Assert.Contains("--gres=gpu:2", args);
        Assert.True(args.IndexOf("--gres=gpu:2") < args.IndexOf("--qos=x"), "the operator's own resources come last, so they can override");

        var plain = Submit(new SlurmAdapter(), Site(SchedulerKind.Slurm), new JobPlanOptions());
        Assert.DoesNotContain(plain.Arguments, a => a.StartsWith("--mem", StringComparison.Ordinal) || a.StartsWith("--gres", StringComparison.Ordinal));
    }

    [Fact]
    public void Grid_engine_asks_the_sites_memory_and_gpu_complexes()
    {
        var stock = string.Join(' ', Submit(new SgeAdapter(), Site(SchedulerKind.Sge), new JobPlanOptions { Memory = 1L << 30 }).Arguments);
        Assert.Contains("-l h_vmem=1024M", stock);

        var named = Site(SchedulerKind.Sge, new SiteSchedulerResources { MemoryComplex = "mem_free", GpuComplex = "gpu" });
        var args = string.Join(' ', Submit(new SgeAdapter(), named, new JobPlanOptions { Memory = 1L << 30, Gpus = 1, Walltime = TimeSpan.FromMinutes(5) }).Arguments);
        Assert.Contains("-l h_rt=00:05:00 -l mem_free=1024M -l gpu=1 ", args);
        Assert.DoesNotContain("h_vmem", args);
    }

    [Fact]
    public void The_local_pool_ignores_memory()
    {
        var command = Submit(new LocalPoolAdapter(), Site(SchedulerKind.Local), new JobPlanOptions { Memory = 1L << 30 });

        Assert.DoesNotContain(command.Arguments, a => a.Contains("1024", StringComparison.Ordinal));
    }
}
