using System.Net;
using System.Net.Sockets;

namespace SwarmPS.Engine;

/// <summary>
/// A TCP port free on an address right now, chosen by the kernel (bind to port 0, read it, let go): for a
/// listener that must know its port before it starts (HttpListener takes a prefix, not port 0). Another
/// process may take it in between; the listener's own start then fails and says so.
/// </summary>
internal static class FreeTcpPort
{
    public static int On(IPAddress address)
    {
        using var probe = new TcpListener(address.Equals(IPAddress.Any) ? IPAddress.Loopback : address, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
