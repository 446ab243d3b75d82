using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

/// <summary>The platform seam: chosen once by operating system, and refused with the fix where processes cannot be handled.</summary>
public sealed class ProcessPlatformTests
{
    [Fact]
    public void This_machine_gets_the_linux_platform()
    {
        Assert.True(OperatingSystem.IsLinux(), "CI runs these tests on Linux");
        var platform = Assert.IsType<LinuxProcessPlatform>(ProcessPlatform.Current);
        Assert.Equal("Linux", platform.Name);
        Assert.Equal(ProcessIdentity.Current.StartTicks, platform.ReadStartTicks(Environment.ProcessId));
        Assert.False(platform.IsZombie(Environment.ProcessId));
        Assert.Null(platform.ReadStartTicks(int.MaxValue));
        Assert.NotNull(platform.SessionLeaderProgram);
    }

    [Fact]
    public void Each_operating_system_gets_its_own_platform()
    {
        Assert.IsType<LinuxProcessPlatform>(ProcessPlatform.For(linux: true, macOS: false, "Linux 6.8"));
        var mac = Assert.IsType<MacProcessPlatform>(ProcessPlatform.For(linux: false, macOS: true, "Darwin 24.1.0"));
        Assert.Null(mac.SessionLeaderProgram);
        var other = Assert.IsType<UnsupportedProcessPlatform>(ProcessPlatform.For(linux: false, macOS: false, "Microsoft Windows 10.0.22631"));
        Assert.Equal("Microsoft Windows 10.0.22631", other.Name);
    }

    public static TheoryData<string, Action<IProcessPlatform>> Uses => new()
    {
        { "identify a process", platform => platform.ReadStartTicks(1) },
        { "tell whether a process is running", platform => platform.IsZombie(1) },
        { "signal a process", platform => platform.Kill(1, ProcessIdentity.SignalTerminate) },
        { "start a process in its own session", platform => _ = platform.SessionLeaderProgram },
    };

    [Theory]
    [MemberData(nameof(Uses))]
    public void An_unsupported_platform_refuses_every_use_naming_itself_and_the_fix(string what, Action<IProcessPlatform> use)
    {
        var platform = new UnsupportedProcessPlatform("Microsoft Windows 10.0.22631");
        var error = Assert.Throws<SwarmException>(() => use(platform));
        Assert.Equal("ProcessPlatformNotSupported", error.ErrorId);
        Assert.Contains(what, error.Message);
        Assert.Contains("on Microsoft Windows 10.0.22631", error.Message);
        Assert.Contains("Run the site on a Linux host", error.Remediation);
        Assert.Equal("Microsoft Windows 10.0.22631", error.Target);
    }
}
