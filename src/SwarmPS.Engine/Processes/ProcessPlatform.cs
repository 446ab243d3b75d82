namespace SwarmPS.Engine.Processes;

/// <summary>Chooses the <see cref="IProcessPlatform"/> of the machine this runs on, once.</summary>
public static class ProcessPlatform
{
    public static IProcessPlatform Current { get; } = For(OperatingSystem.IsLinux(), OperatingSystem.IsMacOS(), System.Runtime.InteropServices.RuntimeInformation.OSDescription);

    /// <summary>Linux is what CI runs; macOS uses the runtime's start time and no setsid (untested); anything else is refused when used.</summary>
    public static IProcessPlatform For(bool linux, bool macOS, string description) =>
        linux ? new LinuxProcessPlatform()
        : macOS ? new MacProcessPlatform()
        : new UnsupportedProcessPlatform(description);
}
