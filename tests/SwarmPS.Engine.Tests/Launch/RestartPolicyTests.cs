using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

public sealed class RestartPolicyTests
{
    [Fact]
    public void Restart_delays_double_up_to_the_cap()
    {
        var policy = new RestartPolicy(5, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3));
        Assert.Equal(new[] { 1.0, 2.0, 3.0, 3.0 }, Enumerable.Range(1, 4).Select(n => policy.DelayBefore(n).TotalSeconds));
        Assert.True(policy.MayRestart(4));
        Assert.False(policy.MayRestart(5));
    }
}
