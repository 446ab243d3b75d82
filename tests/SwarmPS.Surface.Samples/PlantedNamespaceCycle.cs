// PLANTED namespace cycle (NamespaceCycleTests): Ping uses Pong and Pong uses Ping, each only inside a
// method body (a `new`, a static call in a lambda), where no signature or `using` shows it; Leaf uses
// Ping through a field and is used by nobody, so it is on no cycle. Internal, so no surface rule sees it.
namespace SwarmPS.Surface.Samples.Cycle.Ping
{
    internal sealed class PingSide
    {
        public object Serve() => new SwarmPS.Surface.Samples.Cycle.Pong.PongSide();
    }
}

namespace SwarmPS.Surface.Samples.Cycle.Pong
{
    internal sealed class PongSide
    {
        public Func<string> Answer() => () => SwarmPS.Surface.Samples.Cycle.Ping.PingNames.Name;
    }
}

namespace SwarmPS.Surface.Samples.Cycle.Ping
{
    internal static class PingNames
    {
        public static string Name => "ping";
    }
}

namespace SwarmPS.Surface.Samples.Cycle.Leaf
{
    internal sealed class LeafSide
    {
        private readonly SwarmPS.Surface.Samples.Cycle.Ping.PingSide _ping = new();

        public object Ping() => _ping;
    }
}
