namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A contribution announced for a run on the exchange (docs/exchange-protocol.md, Contributions): who sent
/// it, the blobs it consists of (its manifest and its adapter, each <c>sha256:&lt;64 hex&gt;</c>, both held by
/// the exchange's blob store when it was announced), the adapter's size, and when it arrived by the
/// exchange's clock. The first announcement of a contributor is the one kept: evidence is immutable.
/// </summary>
public sealed record ContributionArrival(
    string RunId,
    string Contributor,
    string ManifestDigest,
    string AdapterDigest,
    long AdapterBytes,
    DateTimeOffset ArrivedAt);
