namespace SwarmPS.Engine.Exchange;

/// <summary>The JSON shapes of the contribution routes (docs/exchange-protocol.md, Contributions), shared by the gateway, the store's files and <see cref="ExchangeContributionClient"/>.</summary>
public static class ContributionWire
{
    /// <summary>The body of <c>PUT /v1/runs/{runId}/contributions/{contributor}</c>: the two blobs of the contribution.</summary>
    public sealed record Announcement(string Manifest, string Adapter);

    /// <summary>An arrival on the wire and in the store's file.</summary>
    public sealed record ArrivalView(string RunId, string Contributor, string Manifest, string Adapter, long AdapterBytes, DateTimeOffset ArrivedAt)
    {
        public static ArrivalView From(ContributionArrival arrival) =>
            new(arrival.RunId, arrival.Contributor, arrival.ManifestDigest, arrival.AdapterDigest, arrival.AdapterBytes, arrival.ArrivedAt);

        public ContributionArrival ToArrival() => new(RunId, Contributor, Manifest, Adapter, AdapterBytes, ArrivedAt);
    }

    /// <summary>The answer of <c>GET /v1/runs/{runId}/contributions</c>, sorted by contributor.</summary>
    public sealed record ListResponse(List<ArrivalView> Contributions);
}
