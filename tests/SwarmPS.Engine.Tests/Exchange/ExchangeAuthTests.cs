using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Bearer-token access: refusals are indistinguishable, and the token never shows in argv or the log.</summary>
public sealed class ExchangeAuthTests(ExchangeHostFixture exchange) : IClassFixture<ExchangeHostFixture>
{
    private async Task<(HttpStatusCode Status, byte[] Body, string? Challenge)> GetSummaryAsync(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/exchange");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await exchange.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Missing_wrong_and_same_length_wrong_tokens_get_identical_401s()
    {
        var sameLength = new string('x', ExchangeHostFixture.Token.Length);
        var almost = ExchangeHostFixture.Token[..^1] + (ExchangeHostFixture.Token[^1] == 'f' ? 'e' : 'f');

        var refusals = new[]
        {
            await GetSummaryAsync(null),
            await GetSummaryAsync("Bearer wrong"),
            await GetSummaryAsync("Bearer " + sameLength),
            await GetSummaryAsync("Bearer " + almost),
            await GetSummaryAsync("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:" + ExchangeHostFixture.Token))),
            await GetSummaryAsync("Bearer "),
        };
        var accepted = await GetSummaryAsync("Bearer " + ExchangeHostFixture.Token);

        Assert.All(refusals, r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
        Assert.All(refusals, r => Assert.Equal(refusals[0].Body, r.Body));
        Assert.All(refusals, r => Assert.Equal("Bearer", r.Challenge));
        Assert.Equal(HttpStatusCode.OK, accepted.Status);
    }

    [Fact]
    public async Task The_token_is_absent_from_the_process_argv_and_from_the_log()
    {
        // Provoke log lines: refusals and client errors, with the token in the header of some.
        await GetSummaryAsync("Bearer " + ExchangeHostFixture.Token + "x");
        using (var bad = new HttpRequestMessage(HttpMethod.Post, "v1/mailboxes?token=" + ExchangeHostFixture.Token))
        {
            bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ExchangeHostFixture.Token);
            bad.Content = new StringContent("{", Encoding.UTF8, "application/json");
            using var response = await exchange.Http.SendAsync(bad);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var argv = Encoding.UTF8.GetString(await File.ReadAllBytesAsync($"/proc/{exchange.Host.Pid}/cmdline"));
        var log = await ReadSharedAsync(Path.Combine(exchange.StateDirectory, "exchange.log"));
        var state = await ReadSharedAsync(Path.Combine(exchange.StateDirectory, ExchangeStateFile.FileName));

        Assert.Contains("--state-dir", argv);
        Assert.Contains("400 POST /v1/mailboxes BodyInvalid", log);
        Assert.DoesNotContain(ExchangeHostFixture.Token, argv);
        Assert.DoesNotContain(ExchangeHostFixture.Token, log);
        Assert.DoesNotContain(ExchangeHostFixture.Token, state);
    }

    [Fact]
    public async Task The_health_route_answers_without_a_token_and_reveals_nothing()
    {
        using var response = await exchange.Http.GetAsync("v1/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"status\":\"ok\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_token_check_accepts_only_the_exact_token()
    {
        var check = new BearerTokenCheck("s3cret");

        Assert.True(check.IsAuthorized("Bearer s3cret"));
        Assert.False(check.IsAuthorized("Bearer s3cre"));
        Assert.False(check.IsAuthorized("Bearer s3cret "[..13] + "x"));
        Assert.False(check.IsAuthorized(null));
        Assert.False(check.IsAuthorized("s3cret"));
    }

    private static async Task<string> ReadSharedAsync(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
