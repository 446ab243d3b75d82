using System.Diagnostics;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

public sealed class ProcessIdentityTests
{
    [Fact]
    public void The_current_process_is_alive_and_the_same_pid_with_another_start_time_is_not()
    {
        var me = ProcessIdentity.Current;
        Assert.True(me.IsAlive);
        var impostor = me with { StartTicks = me.StartTicks + 1 };
        Assert.False(impostor.IsAlive);
        Assert.False(impostor.Signal(0));
    }

    [Fact]
    public void A_signal_reaches_a_live_process_and_an_exited_one_is_dead()
    {
        using var sleeper = Process.Start("sleep", "30");
        var identity = ProcessIdentity.Of(sleeper.Id);
        Assert.True(identity.IsAlive);
        Assert.True(identity.Signal(ProcessIdentity.SignalTerminate));
        Assert.True(sleeper.WaitForExit(10_000));
        Assert.False(identity.IsAlive);
        Assert.False(identity.Signal(ProcessIdentity.SignalKill));
    }

    [Fact]
    public void An_unknown_pid_is_not_found()
    {
        Assert.Null(ProcessIdentity.TryOf(int.MaxValue - 1));
        Assert.Equal("ProcessNotFound", Assert.Throws<SwarmException>(() => ProcessIdentity.Of(int.MaxValue - 1)).ErrorId);
    }
}
