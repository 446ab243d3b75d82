using System.Net;
using System.Text.Json;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// put_blob and get_blob of examples/agents/swarm_exchange.py (standard library only) against a real
/// exchange: what a Python contributor uses to hand its adapter over, resumed and checked as the .NET client is.
/// </summary>
public sealed class PythonBlobClientTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-pyblob-").FullName;
    private BlobExchange _exchange = null!;

    public async Task InitializeAsync() => _exchange = await BlobExchange.StartAsync();

    public async Task DisposeAsync()
    {
        await _exchange.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private Task<ShellResult> PythonAsync(string token, params string[] arguments) => ProcessRunner.RunAsync(new ShellCommand("python3", [PythonAgentClientTests.ClientScript, .. arguments])
    {
        Timeout = TimeSpan.FromSeconds(60),
        Environment = new Dictionary<string, string>
        {
            ["SWARM_EXCHANGE_URL"] = _exchange.Url.ToString(),
            ["SWARM_EXCHANGE_TOKEN"] = token,
        },
    });

    [Fact]
    public async Task Python_puts_a_blob_that_dotnet_gets_and_resumes_an_upload_the_exchange_holds_part_of()
    {
        var bytes = BlobExchange.RandomBytes(3 * 1024 * 1024, seed: 51);
        var path = Path.Combine(_work, "adapter.safetensors");
        await File.WriteAllBytesAsync(path, bytes);
        var digest = BlobExchange.DigestOf(bytes);
        // A contributor that was cut off after the first MiB.
        using (var first = await _exchange.Http.SendAsync(_exchange.Put(digest, bytes[..(1024 * 1024)], $"bytes 0-{(1024 * 1024) - 1}/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        }

        var put = await PythonAsync(BlobExchange.Token, "put-blob", path);
        Assert.True(put.ExitCode == 0, put.StandardError);
        var receipt = JsonDocument.Parse(put.StandardOutput).RootElement;
        Assert.Equal(digest, receipt.GetProperty("digest").GetString());
        Assert.True(receipt.GetProperty("created").GetBoolean());

        var again = await PythonAsync(BlobExchange.Token, "put-blob", path);
        Assert.False(JsonDocument.Parse(again.StandardOutput).RootElement.GetProperty("created").GetBoolean());

        using var client = _exchange.Client();
        var destination = Path.Combine(_work, "down.bin");
        await client.GetBlobAsync(BlobDigest.Parse(digest), destination);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Python_gets_a_blob_resuming_from_its_partial_file_and_refuses_bytes_that_are_not_the_blob()
    {
        var bytes = BlobExchange.RandomBytes(2 * 1024 * 1024, seed: 52);
        using var client = _exchange.Client();
        var digest = (await client.PutBlobAsync(new MemoryStream(bytes))).Digest.ToString();
        var destination = Path.Combine(_work, "incoming.bin");
        var partial = Path.Combine(_work, $".incoming.bin.{digest[7..23]}.partial");

        // A partial whose first bytes are wrong: only a download that resumes by Range keeps them, and only
        // the digest check then catches them.
        await File.WriteAllBytesAsync(partial, new byte[1000]);
        var damaged = await PythonAsync(BlobExchange.Token, "get-blob", digest, destination);
        Assert.NotEqual(0, damaged.ExitCode);
        Assert.Contains("BlobDigestMismatch", damaged.StandardError);
        Assert.False(File.Exists(destination));
        Assert.False(File.Exists(partial));

        // A partial with the right first bytes is resumed and completed.
        await File.WriteAllBytesAsync(partial, bytes[..700_000]);
        var resumed = await PythonAsync(BlobExchange.Token, "get-blob", digest, destination);
        Assert.True(resumed.ExitCode == 0, resumed.StandardError);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.False(File.Exists(partial));

        var missing = await PythonAsync(BlobExchange.Token, "get-blob", BlobExchange.DigestOf([7]), Path.Combine(_work, "none"));
        Assert.Contains("BlobNotFound", missing.StandardError);
        // The wire's id (the .NET client reports it as ExchangeUnauthorized), for a GET with its body and a HEAD without.
        var stranger = await PythonAsync("wrong-token", "get-blob", digest, Path.Combine(_work, "none"));
        Assert.Contains("ExchangeError: Unauthorized", stranger.StandardError);
        var strangerPut = await PythonAsync("wrong-token", "put-blob", PythonAgentClientTests.ClientScript);
        Assert.Contains("ExchangeError: Unauthorized", strangerPut.StandardError);
    }
}
