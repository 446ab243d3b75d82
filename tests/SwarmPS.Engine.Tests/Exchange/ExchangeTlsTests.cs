using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// HTTPS on 127.0.0.1 through the real gateway: a self-signed certificate the exchange creates and keeps,
/// an operator's PEM files (made by openssl), and which clients get through: the pinned one and the one
/// trusting the certificate file; a wrong pin, an untrusting client and plain HTTP on the private port do not.
/// </summary>
public sealed class ExchangeTlsTests : IAsyncLifetime
{
    private const string Token = "tls-test-token-0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-tls-").FullName;
    private SqliteMailboxStore? _store;
    private ExchangeGateway? _gateway;
    private ExchangeCertificate? _certificate;

    private ExchangeServerOptions SelfSignedOptions => new() { StateDirectory = Path.Combine(_directory, "state"), SelfSigned = true };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _certificate?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private ExchangeGateway StartSelfSigned()
    {
        _certificate = ExchangeCertificate.For(SelfSignedOptions)!;
        _store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"), new ExchangeLimits());
        _gateway = ExchangeGateway.Start(_store, new ExchangeLimits(), Token, certificate: _certificate.Certificate);
        return _gateway;
    }

    private static HttpExchangeClient Client(Uri url, ExchangeTrust trust) => new(new ExchangeConnection(url, Token, trust));

    [Fact]
    public async Task A_client_pinning_the_self_signed_fingerprint_registers_sends_and_receives_over_https()
    {
        var gateway = StartSelfSigned();
        Assert.Equal("https", gateway.Url.Scheme);
        using var client = Client(gateway.Url, new ExchangeTrust(null, ExchangeTrust.NormalizePin(_certificate!.Fingerprint.Replace(":", "").ToLowerInvariant())));

        var box = await client.RegisterAsync("tls-run", "a");
        await client.SendAsync(OutgoingMessage.Create(box.Id, "over tls"));
        var received = await client.ReceiveAsync(box.Id, new ReceiveRequest { Wait = TimeSpan.FromSeconds(5) });

        Assert.Equal("over tls", Assert.Single(received).Body);
    }

    [Fact]
    public async Task A_client_trusting_the_certificate_file_as_its_CA_gets_through()
    {
        var gateway = StartSelfSigned();
        using var client = Client(gateway.Url, new ExchangeTrust(_certificate!.CertificateFile, null));

        var box = await client.RegisterAsync("tls-run", "ca");

        Assert.Equal("ca", box.Name);
    }

    [Fact]
    public async Task A_wrong_pin_is_refused_naming_the_fingerprint_seen_and_the_fix()
    {
        var gateway = StartSelfSigned();
        var wrong = string.Join(':', Enumerable.Repeat("AB", 32));
        using var client = Client(gateway.Url, new ExchangeTrust(null, wrong));

        var error = await Assert.ThrowsAsync<SwarmException>(() => client.RegisterAsync("tls-run", "a"));

        Assert.Equal("ExchangePinMismatch", error.ErrorId);
        Assert.Contains(_certificate!.Fingerprint, error.Message);
        Assert.Contains(wrong, error.Message);
        Assert.Contains($"SWARM_EXCHANGE_PIN={_certificate.Fingerprint}", error.Remediation);
    }

    [Fact]
    public async Task A_client_with_neither_pin_nor_CA_refuses_the_self_signed_certificate()
    {
        var gateway = StartSelfSigned();
        using var client = Client(gateway.Url, ExchangeTrust.System);

        var error = await Assert.ThrowsAsync<SwarmException>(() => client.RegisterAsync("tls-run", "a"));

        Assert.Equal("ExchangeCertificateUntrusted", error.ErrorId);
        Assert.Contains(_certificate!.Fingerprint, error.Message);
        Assert.Contains("SWARM_EXCHANGE_PIN", error.Remediation);
    }

    [Fact]
    public async Task Plain_http_on_the_private_listener_port_is_refused_even_with_the_token()
    {
        var gateway = StartSelfSigned();
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        using var response = await http.GetAsync($"http://127.0.0.1:{gateway.ListenerPort}/v1/exchange");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("TlsRequired", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public void The_self_signed_certificate_is_kept_owner_only_and_reused_across_restarts()
    {
        using var first = ExchangeCertificate.For(SelfSignedOptions)!;
        using var second = ExchangeCertificate.For(SelfSignedOptions)!;

        Assert.Equal(first.Fingerprint, second.Fingerprint);
        var key = Path.Combine(ExchangeCertificate.SelfSignedDirectory(SelfSignedOptions.StateDirectory), "exchange.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(key)!));
        Assert.Matches("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", first.Fingerprint);
    }

    [Fact]
    public async Task An_operators_openssl_certificate_and_key_serve_https_with_the_fingerprint_openssl_prints()
    {
        var (certificate, key) = await OpenSslPairAsync("operator");
        var printed = await OpenSslAsync("x509", "-noout", "-fingerprint", "-sha256", "-in", certificate);
        using var loaded = ExchangeCertificate.For(new ExchangeServerOptions { StateDirectory = _directory, CertificateFile = certificate, KeyFile = key })!;
        _store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"), new ExchangeLimits());
        _gateway = ExchangeGateway.Start(_store, new ExchangeLimits(), Token, certificate: loaded.Certificate);

        using var client = Client(_gateway.Url, new ExchangeTrust(null, ExchangeTrust.NormalizePin(printed)));
        var box = await client.RegisterAsync("tls-run", "openssl");

        Assert.Equal(ExchangeTrust.NormalizePin(printed), loaded.Fingerprint);
        Assert.Equal("openssl", box.Name);
    }

    [Fact]
    public async Task A_key_that_does_not_belong_to_the_certificate_is_refused()
    {
        var (certificate, _) = await OpenSslPairAsync("one");
        var (_, otherKey) = await OpenSslPairAsync("two");

        var error = Assert.Throws<SwarmException>(() => ExchangeCertificate.For(new ExchangeServerOptions { StateDirectory = _directory, CertificateFile = certificate, KeyFile = otherKey }));

        Assert.Equal("ExchangeCertificateInvalid", error.ErrorId);
        Assert.Contains("openssl pkey -pubout", error.Remediation);
    }

    [Fact]
    public async Task A_missing_key_file_a_missing_key_argument_and_a_loose_key_are_refused_with_their_own_ids()
    {
        var (certificate, key) = await OpenSslPairAsync("bad");
        ExchangeServerOptions With(string? cert, string? keyFile, bool selfSigned = false) => new() { StateDirectory = _directory, CertificateFile = cert, KeyFile = keyFile, SelfSigned = selfSigned };

        Assert.Equal("ExchangeCertificateNotFound", Assert.Throws<SwarmException>(() => ExchangeCertificate.For(With(certificate, Path.Combine(_directory, "absent.key")))).ErrorId);
        Assert.Equal("ExchangeTlsKeyMissing", Assert.Throws<SwarmException>(() => ExchangeCertificate.For(With(certificate, null))).ErrorId);
        Assert.Equal("ExchangeTlsOptionsConflict", Assert.Throws<SwarmException>(() => ExchangeCertificate.For(With(certificate, key, selfSigned: true))).ErrorId);

        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var loose = Assert.Throws<SwarmException>(() => ExchangeCertificate.For(With(certificate, key)));
        Assert.Equal("ExchangeKeyExposed", loose.ErrorId);
        Assert.Contains("chmod 600", loose.Remediation);
    }

    [Fact]
    public async Task Hostile_pem_files_a_fifo_an_oversized_file_and_garbage_are_refused_not_read_forever()
    {
        var (certificate, key) = await OpenSslPairAsync("hostile");
        var fifo = Path.Combine(_directory, "fifo.pem");
        await OpenSslOrToolAsync("mkfifo", fifo);
        var huge = Path.Combine(_directory, "huge.pem");
        File.WriteAllBytes(huge, new byte[1024 * 1024]);
        var garbage = Path.Combine(_directory, "garbage.pem");
        File.WriteAllText(garbage, "-----BEGIN CERTIFICATE-----\nnot base64 at all!!\n-----END CERTIFICATE-----\n");
        SwarmException Load(string cert) => Assert.Throws<SwarmException>(() => ExchangeCertificate.For(new ExchangeServerOptions { StateDirectory = _directory, CertificateFile = cert, KeyFile = key }));

        Assert.Equal("ExchangeCertificateUnreadable", Load(fifo).ErrorId);
        Assert.Equal("ExchangeCertificateUnreadable", Load(huge).ErrorId);
        Assert.Equal("ExchangeCertificateInvalid", Load(garbage).ErrorId);
        Assert.NotNull(ExchangeCertificate.For(new ExchangeServerOptions { StateDirectory = _directory, CertificateFile = certificate, KeyFile = key }));
    }

    [Theory]
    [InlineData("not-a-fingerprint")]
    [InlineData("AB:CD")]
    public void A_pin_that_is_not_a_sha256_fingerprint_is_refused(string pin) =>
        Assert.Equal("ExchangePinInvalid", Assert.Throws<SwarmException>(() => ExchangeTrust.NormalizePin(pin)).ErrorId);

    [Fact]
    public void A_CA_file_that_holds_no_certificate_is_refused()
    {
        var file = Path.Combine(_directory, "ca.pem");
        File.WriteAllText(file, "hello\n");

        var error = Assert.Throws<SwarmException>(() => new ExchangeTrust(file, null).CreateCheck(new Uri("https://127.0.0.1:1/")));

        Assert.Equal("ExchangeCaFileInvalid", error.ErrorId);
        Assert.Equal("ExchangeCaFileNotFound", Assert.Throws<SwarmException>(() => new ExchangeTrust(file + ".absent", null).CreateCheck(new Uri("https://127.0.0.1:1/"))).ErrorId);
    }

    [Fact]
    public async Task The_python_client_with_the_pin_talks_to_the_https_gateway_and_refuses_a_wrong_pin()
    {
        var gateway = StartSelfSigned();
        ShellCommand Demo(string pin) => new("/usr/bin/python3", PythonAgentClientTests.ClientScript, "demo", "py-tls-run")
        {
            Timeout = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string>
            {
                ["SWARM_EXCHANGE_URL"] = gateway.Url.ToString(),
                ["SWARM_EXCHANGE_TOKEN"] = Token,
                ["SWARM_EXCHANGE_PIN"] = pin,
            },
        };

        var pinned = await ProcessRunner.RunAsync(Demo(_certificate!.Fingerprint));
        var wrong = await ProcessRunner.RunAsync(Demo(string.Join(':', Enumerable.Repeat("01", 32))));

        Assert.True(pinned.ExitCode == 0, $"python3 exited {pinned.ExitCode}: {pinned.StandardError}");
        Assert.Contains("{\\\"hello\\\": \\\"from py-a\\\"}", pinned.StandardOutput);
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("ExchangePinMismatch", wrong.StandardError);
        Assert.Contains(_certificate.Fingerprint, wrong.StandardError);
    }

    [Fact]
    public async Task The_python_client_trusting_the_certificate_file_talks_to_the_https_gateway_and_without_trust_refuses_it()
    {
        var gateway = StartSelfSigned();
        ShellCommand Demo(string runId, Dictionary<string, string> trust) => new("/usr/bin/python3", PythonAgentClientTests.ClientScript, "demo", runId)
        {
            Timeout = TimeSpan.FromSeconds(60),
            Environment = new Dictionary<string, string>(trust)
            {
                ["SWARM_EXCHANGE_URL"] = gateway.Url.ToString(),
                ["SWARM_EXCHANGE_TOKEN"] = Token,
            },
        };

        var trusted = await ProcessRunner.RunAsync(Demo("py-ca-run", new() { ["SWARM_EXCHANGE_CA"] = _certificate!.CertificateFile }));
        var untrusted = await ProcessRunner.RunAsync(Demo("py-untrusted-run", new()));

        Assert.True(trusted.ExitCode == 0, $"python3 exited {trusted.ExitCode}: {trusted.StandardError}");
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains("ExchangeCertificateUntrusted", untrusted.StandardError);
    }

    private async Task<(string Certificate, string Key)> OpenSslPairAsync(string name)
    {
        var certificate = Path.Combine(_directory, name + ".crt");
        var key = Path.Combine(_directory, name + ".key");
        await OpenSslAsync("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (certificate, key);
    }

    private static Task<string> OpenSslAsync(params string[] arguments) => OpenSslOrToolAsync("openssl", arguments);

    private static async Task<string> OpenSslOrToolAsync(string tool, params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(new ShellCommand(tool, arguments) { Timeout = TimeSpan.FromSeconds(30) });
        Assert.True(result.ExitCode == 0, $"{tool} failed: {result.StandardError}");
        return result.StandardOutput.Trim();
    }
}
