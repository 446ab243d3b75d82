using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Control;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>Where a control token comes from, which files are refused, and that its MAC is plain HMAC-SHA256.</summary>
public sealed class ControlTokenTests : IDisposable
{
    private const string FileToken = "file-token-0123456789";
    private const string DefaultToken = "default-token-0123456789";

    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-ctltoken-").FullName;

    private string ConfigHome => Path.Combine(_directory, "config");

    private string DefaultFile => Path.Combine(ConfigHome, "swarmps", "control", "default.token");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_variable_comes_first_then_the_named_file_then_the_default_file()
    {
        var named = WriteOwnerOnly(Path.Combine(_directory, "named.token"), FileToken);
        WriteOwnerOnly(DefaultFile, DefaultToken);
        var all = new Dictionary<string, string> { [ControlToken.Variable] = ControlTestKit.TokenText, [ControlToken.FileVariable] = named, ["XDG_CONFIG_HOME"] = ConfigHome };

        var fromVariable = ControlToken.Read("default", ControlTestKit.Environment(all));
        all.Remove(ControlToken.Variable);
        var fromNamedFile = ControlToken.Read("default", ControlTestKit.Environment(all));
        all.Remove(ControlToken.FileVariable);
        var fromDefaultFile = ControlToken.Read("default", ControlTestKit.Environment(all));

        Assert.Equal(ControlToken.Variable, fromVariable.Source);
        Assert.Equal(Independent(ControlTestKit.TokenText, "x"), fromVariable.Mac("x"));
        Assert.Equal(named, fromNamedFile.Source);
        Assert.Equal(Independent(FileToken, "x"), fromNamedFile.Mac("x"));
        Assert.Equal(DefaultFile, fromDefaultFile.Source);
        Assert.Equal(Independent(DefaultToken, "x"), fromDefaultFile.Mac("x"));
    }

    [Fact]
    public void Surrounding_whitespace_is_trimmed_from_the_variable_and_the_file()
    {
        var file = WriteOwnerOnly(Path.Combine(_directory, "spaced.token"), "  \t" + FileToken + "\r\n\n");

        var fromFile = ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = file }));
        var fromVariable = ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.Variable] = " " + ControlTestKit.TokenText + "\n" }));

        Assert.Equal(Independent(FileToken, "payload"), fromFile.Mac("payload"));
        Assert.Equal(Independent(ControlTestKit.TokenText, "payload"), fromVariable.Mac("payload"));
    }

    [Fact]
    public void A_token_under_16_characters_is_ControlTokenInvalid_after_trimming()
    {
        var file = WriteOwnerOnly(Path.Combine(_directory, "short.token"), "  fifteen-chars!!  \n");

        var fromVariable = Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.Variable] = "123456789012345" })));
        var fromFile = Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = file })));

        Assert.Equal("ControlTokenInvalid", fromVariable.ErrorId);
        Assert.Equal("ControlTokenInvalid", fromFile.ErrorId);
        Assert.Contains("15 characters", fromFile.Message);
        Assert.Equal(Independent("1234567890123456", "x"), ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.Variable] = "1234567890123456" })).Mac("x"));
    }

    [Fact]
    public void No_variable_and_no_file_is_ControlTokenMissing_naming_the_default_file_to_create()
    {
        var error = Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { ["XDG_CONFIG_HOME"] = ConfigHome })));

        Assert.Equal("ControlTokenMissing", error.ErrorId);
        Assert.Contains(DefaultFile, error.Message);
        Assert.Contains(DefaultFile, error.Remediation);
        Assert.Contains("umask 077", error.Remediation);
    }

    [Fact]
    public void The_default_file_is_per_namespace()
    {
        var error = Assert.Throws<SwarmException>(() => ControlToken.Read("team-b", ControlTestKit.Environment(new() { ["XDG_CONFIG_HOME"] = ConfigHome })));

        Assert.Contains(Path.Combine(ConfigHome, "swarmps", "control", "team-b.token"), error.Remediation);
    }

    [Theory]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.UserRead | UnixFileMode.GroupWrite)]
    public void A_token_file_others_can_read_or_write_is_ControlTokenFileUnsafe(UnixFileMode mode)
    {
        var file = WriteOwnerOnly(Path.Combine(_directory, "shared.token"), FileToken);
        File.SetUnixFileMode(file, mode);

        var error = Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = file })));

        Assert.Equal("ControlTokenFileUnsafe", error.ErrorId);
        Assert.Contains($"chmod 600 {file}", error.Remediation);
    }

    [Fact]
    public void A_read_only_owner_file_0400_is_accepted()
    {
        var file = WriteOwnerOnly(Path.Combine(_directory, "readonly.token"), FileToken);
        File.SetUnixFileMode(file, UnixFileMode.UserRead);

        Assert.Equal(Independent(FileToken, "x"), ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = file })).Mac("x"));
    }

    [Fact]
    public void A_directory_as_the_token_file_is_ControlTokenFileUnreadable()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_directory, "a-directory.token")).FullName;

        var error = Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = directory })));

        Assert.Equal("ControlTokenFileUnreadable", error.ErrorId);
    }

    [Fact]
    public void A_fifo_as_the_token_file_is_ControlTokenFileUnreadable_without_blocking()
    {
        var fifo = Path.Combine(_directory, "a-fifo.token");
        using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", new[] { "-m", "600", fifo }))!)
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        // Opening a FIFO for reading blocks until a writer comes: a read that blocked would hang here, so it is bounded.
        var read = Task.Run(() => Assert.Throws<SwarmException>(() => ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = fifo }))));
        Assert.True(read.Wait(TimeSpan.FromSeconds(10)), "reading a FIFO as the token file blocked");

        Assert.Equal("ControlTokenFileUnreadable", read.Result.ErrorId);
    }

    [Fact]
    public void Mac_is_HMAC_SHA256_of_the_UTF8_payload_in_lowercase_hex_and_matches_a_known_vector()
    {
        var token = ControlTestKit.Token();

        // python3 -c 'import hmac,hashlib;print(hmac.new(b"0123456789abcdef-control",b"{\"type\":\"command\"}",hashlib.sha256).hexdigest())'
        Assert.Equal("ba62836747cc56e2282518e1a9691e0ea1d686a391c1476912b84910399877a9", token.Mac("{\"type\":\"command\"}"));
        Assert.Equal(Independent(ControlTestKit.TokenText, "héllo ✓ ünïcode"), token.Mac("héllo ✓ ünïcode"));
    }

    [Fact]
    public void Verifies_only_the_exact_mac_of_the_exact_payload()
    {
        var token = ControlTestKit.Token();
        const string payload = "{\"type\":\"command\",\"command\":\"status\"}";
        var mac = token.Mac(payload);
        var flipped = mac[..10] + (mac[10] == '0' ? '1' : '0') + mac[11..];

        Assert.True(token.Verifies(payload, mac));
        Assert.False(token.Verifies(payload, flipped));
        Assert.False(token.Verifies(payload + " ", mac));
        Assert.False(token.Verifies(payload, mac[..62]));
        Assert.False(token.Verifies(payload, mac + "00"));
        Assert.False(token.Verifies(payload, "zz" + mac[2..]));
        Assert.False(token.Verifies(payload, new string('0', 64)));
        Assert.False(token.Verifies(payload, ""));
        Assert.False(token.Verifies(payload, null));
        Assert.False(ControlTestKit.Token(ControlTestKit.OtherTokenText).Verifies(payload, mac));
    }

    [Fact]
    public void ToString_and_Source_never_contain_the_token()
    {
        var fromVariable = ControlTestKit.Token();
        var file = WriteOwnerOnly(Path.Combine(_directory, "secret.token"), FileToken);
        var fromFile = ControlToken.Read("default", ControlTestKit.Environment(new() { [ControlToken.FileVariable] = file }));

        Assert.DoesNotContain(ControlTestKit.TokenText, fromVariable.ToString());
        Assert.DoesNotContain(ControlTestKit.TokenText, fromVariable.Source);
        Assert.DoesNotContain(FileToken, fromFile.ToString());
        Assert.Contains(file, fromFile.ToString());
    }

    private static string Independent(string key, string payload) =>
        Convert.ToHexString(new HMACSHA256(Encoding.UTF8.GetBytes(key)).ComputeHash(Encoding.UTF8.GetBytes(payload))).ToLowerInvariant();

    private static string WriteOwnerOnly(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }
}
