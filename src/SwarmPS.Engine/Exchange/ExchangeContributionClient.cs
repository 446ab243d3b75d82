using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Announces and lists contributions of a run on an exchange (docs/exchange-protocol.md, Contributions),
/// over the same URL, token and certificate trust as the other clients. An announcement names two blobs
/// that must already be stored (<see cref="ExchangeBlobClient"/>); it is idempotent, so a retry after a lost
/// answer gets the same arrival back.
/// </summary>
public sealed class ExchangeContributionClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly ServerCertificateCheck? _certificateCheck;

    public ExchangeContributionClient(ExchangeConnection connection, HttpMessageHandler? handler = null)
    {
        _baseUrl = connection.Url;
        handler ??= ExchangeHttp.CreateHandler(connection, out _certificateCheck);
        _http = new HttpClient(handler) { BaseAddress = connection.Url, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    /// <summary>
    /// Announces that <paramref name="contributor"/> contributed the blobs <paramref name="manifestDigest"/> and
    /// <paramref name="adapterDigest"/> to <paramref name="runId"/>; returns the arrival the exchange keeps (the
    /// earlier one when exactly this was announced before). ContributionConflict when the contributor announced
    /// other blobs, BlobNotFound when a blob is not uploaded yet; RunIdInvalid, ContributorInvalid and
    /// BlobNameInvalid are raised here, before anything is sent.
    /// </summary>
    public async Task<ContributionArrival> AnnounceAsync(string runId, string contributor, string manifestDigest, string adapterDigest, CancellationToken cancellationToken = default)
    {
        var manifest = BlobDigest.Parse(manifestDigest);
        var adapter = BlobDigest.Parse(adapterDigest);
        var request = new HttpRequestMessage(HttpMethod.Put, $"{RunRoute(runId)}/{ContributorName.Validate(contributor)}")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new ContributionWire.Announcement(manifest.ToString(), adapter.ToString()), ExchangeWire.Json)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(ExchangeWire.MediaType);
        var view = await SendAsync<ContributionWire.ArrivalView>(request, cancellationToken).ConfigureAwait(false);
        return view.ToArrival();
    }

    /// <summary>Every contribution announced for <paramref name="runId"/>, sorted by contributor; empty for a run nobody contributed to.</summary>
    public async Task<IReadOnlyList<ContributionArrival>> ListAsync(string runId, CancellationToken cancellationToken = default)
    {
        var list = await SendAsync<ContributionWire.ListResponse>(new HttpRequestMessage(HttpMethod.Get, RunRoute(runId)), cancellationToken).ConfigureAwait(false);
        return (list.Contributions ?? []).Select(v => v.ToArrival()).ToList();
    }

    /// <summary>Checked first: a name with '/' or ".." must never be collapsed into another route by the URL parser.</summary>
    private static string RunRoute(string runId) => $"v1/runs/{CampaignRunId.Validate(runId)}/contributions";

    private Task<T> SendAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken) =>
        ExchangeHttp.SendJsonAsync<T>(_http, request, RequestTimeout, _baseUrl, _certificateCheck, cancellationToken);

    public void Dispose() => _http.Dispose();
}
