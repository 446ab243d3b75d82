namespace SwarmPS.Engine.Campaigns;

/// <summary>What a site does when a peer on another site stops heartbeating mid-run (campaign key <c>on_peer_lost</c>).</summary>
public enum PeerLossPolicy
{
    /// <summary>Record peer_lost and a warning, keep the local agents running (the peer may come back).</summary>
    Continue,

    /// <summary>Record peer_lost, then stop the local agents cleanly; status.json says which peer was lost.</summary>
    Stop,
}
