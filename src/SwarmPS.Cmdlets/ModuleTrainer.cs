using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The programs this module ships beside the cmdlets: the dotnet.cpu trainer (bin/trainer/SwarmPS.Trainer.dll,
/// run by the dotnet host), the site host (bin/site-host/), and, in a clone, the pytorch.cpu trainer
/// (trainers/pytorch_cpu/train.py, run by SWARMPS_PYTHON or python3 on PATH).
/// </summary>
internal static class ModuleTrainer
{
    private static string BinDirectory => Path.GetDirectoryName(typeof(ModuleTrainer).Assembly.Location)!;

    public static string DotnetCpuDll => Path.Combine(BinDirectory, "trainer", "SwarmPS.Trainer.dll");

    public static string SiteHostDirectory => Path.Combine(BinDirectory, "site-host");

    public static CoordinatorTrainer DotnetCpu() => CoordinatorTrainer.DotnetCpu(DotnetCpuDll, DotnetHost.Find());

    /// <summary>The trainer of each backend label this installation has, as program and arguments.</summary>
    public static Dictionary<string, IReadOnlyList<string>> Defaults()
    {
        var trainers = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
        {
            ["dotnet.cpu"] = new[] { DotnetHost.Find(), DotnetCpuDll },
        };
        var pytorch = Path.Combine(Path.GetDirectoryName(BinDirectory)!, "trainers", "pytorch_cpu", "train.py");
        if (File.Exists(pytorch))
        {
            trainers["pytorch.cpu"] = new[] { Environment.GetEnvironmentVariable("SWARMPS_PYTHON") is { Length: > 0 } python ? python : "python3", pytorch };
        }

        return trainers;
    }
}
