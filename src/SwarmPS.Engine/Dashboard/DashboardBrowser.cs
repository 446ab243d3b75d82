using System.Diagnostics;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// Opens the dashboard in the desktop's browser when there is a desktop (a display on Linux, always on macOS
/// and Windows); on a login node there is none, and the cmdlet prints the URL and the ssh tunnel instead.
/// The URL (with its token) is in the browser's command line for a moment: on a desktop, not a shared host.
/// </summary>
public static class DashboardBrowser
{
    public static bool TryOpen(Uri url)
    {
        string program;
        if (OperatingSystem.IsMacOS())
        {
            program = "open";
        }
        else if (OperatingSystem.IsWindows())
        {
            program = "explorer.exe";
        }
        else if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DISPLAY")) || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY")))
        {
            program = "xdg-open";
        }
        else
        {
            return false;
        }

        try
        {
            var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(url.ToString());
            using var process = Process.Start(start);
            return process is not null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such program: print the URL instead
        }
    }
}
