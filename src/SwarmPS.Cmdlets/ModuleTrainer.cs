using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Training;

namespace SwarmPS.Cmdlets;

/// <summary>The trainer this module ships: bin/trainer/SwarmPS.Trainer.dll beside the cmdlets, run by the dotnet host.</summary>
internal static class ModuleTrainer
{
    public static CoordinatorTrainer DotnetCpu() =>
        CoordinatorTrainer.DotnetCpu(
            Path.Combine(Path.GetDirectoryName(typeof(ModuleTrainer).Assembly.Location)!, "trainer", "SwarmPS.Trainer.dll"),
            DotnetHost.Find());
}
