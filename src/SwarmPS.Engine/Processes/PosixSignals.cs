using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Processes;

/// <summary>kill(2) from libc, the same call on Linux and macOS.</summary>
internal static class PosixSignals
{
    public static bool Kill(int pid, int signal) => NativeMethods.kill(pid, signal) == 0;

    private static class NativeMethods
    {
        [DllImport("libc", SetLastError = true)]
#pragma warning disable SA1300, IDE1006 // the C name
        public static extern int kill(int pid, int sig);
#pragma warning restore SA1300, IDE1006
    }
}
