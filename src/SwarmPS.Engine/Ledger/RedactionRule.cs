using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Which names hold secrets, for the ledger's sanitizer (<see cref="LedgerProjection"/>) and its checker
/// (<see cref="LedgerSanitizerCheck"/>). A name is cut into words (at <c>_ - . :</c> and spaces, at a
/// lower-to-upper case change, before the last capital of an acronym, between letters and digits), the
/// words are lowercased, and the name is secret when its words contain a pattern's words in a row, unless
/// its last word is a measure (<c>password_length</c> is a number about a password, not one). So
/// <c>api_key_2</c>, <c>secretValue</c>, <c>HF_TOKEN</c> and <c>X-Amz-Signature</c> are secret;
/// <c>tokenizer</c>, <c>max_tokens</c> and <c>monkey</c> are not (whole words only; <c>tokens</c> is a
/// count in machine learning, so it is deliberately not a secret word). A repository adds its own
/// patterns in <c>.swarm/redact.txt</c> (committed, so every clone redacts alike); see
/// <see cref="RepositoryFile"/>.
/// </summary>
public sealed class RedactionRule
{
    /// <summary>The committed file of a repository's own patterns, relative to its root.</summary>
    public const string RepositoryFile = ".swarm/redact.txt";

    /// <summary>The most patterns a repository file may add; more is a mistake, not a configuration.</summary>
    public const int MaxRepositoryPatterns = 1000;

    /// <summary>Built-in patterns, each one or more words. Documented in docs/ledger.md.</summary>
    public static IReadOnlyList<string> DefaultPatterns { get; } =
    [
        "password", "passwords", "passwd", "pwd", "passphrase",
        "secret", "secrets", "secretkey", "token", "credential", "credentials", "creds",
        "auth", "authorization", "bearer", "cookie", "cookies", "jwt", "signature",
        "apikey", "api key", "accesskey", "access key", "privatekey", "private key",
        "ssh key", "signing key", "encryption key",
    ];

    /// <summary>Query-string names that are secret only there: <c>?key=</c> (Google) and <c>?sig=</c> (Azure SAS).</summary>
    private static readonly string[][] QueryOnlyPatterns = [["key"], ["sig"]];

    /// <summary>A last word that makes the name a measure of a secret rather than the secret.</summary>
    public static IReadOnlyList<string> MeasureWords { get; } = ["length", "len", "count", "size", "bits", "min", "max", "limit"];

    private readonly string[][] _patterns;

    private RedactionRule(IEnumerable<string[]> patterns)
    {
        _patterns = patterns.Where(p => p.Length > 0).ToArray();
    }

    public static RedactionRule Default { get; } = new(DefaultPatterns.Select(Words));

    /// <summary>The patterns this rule holds, each as its words joined by a space.</summary>
    public IReadOnlyList<string> Patterns => _patterns.Select(p => string.Join(' ', p)).ToList();

    /// <summary>The default rule plus <c>.swarm/redact.txt</c>: one pattern a line, <c>#</c> starts a comment.</summary>
    public static RedactionRule ForRepository(SwarmRepository repository)
    {
        var path = Path.Combine(repository.Root, RepositoryFile);
        string? text;
        try
        {
            text = BoundedFileRead.ReadAllText(path, 64 * 1024, followLinks: false);
        }
        catch (IOException error)
        {
            throw new SwarmException(
                "RedactionFileInvalid",
                $"'{RepositoryFile}' could not be read: {error.Message}",
                $"Make {RepositoryFile} a regular text file of at most 64 KiB, one key pattern a line (e.g. 'wandb_key'), or remove it.",
                SwarmErrorCategory.InvalidData,
                path,
                error);
        }

        return text is null ? Default : Default.With(Parse(text, path));
    }

    /// <summary>This rule with more patterns (each given as a name, e.g. <c>wandb_key</c> or <c>Session ID</c>).</summary>
    public RedactionRule With(IEnumerable<string> patterns) => new(_patterns.Concat(patterns.Select(Words)));

    /// <summary>Whether a value under this key is a secret.</summary>
    public bool IsSecretKey(string key) => IsSecret(Words(key), queryParameter: false);

    /// <summary>Whether the value of this query-string parameter (or <c>--option=</c>) is a secret.</summary>
    public bool IsSecretParameter(string name) => IsSecret(Words(name), queryParameter: true);

    private bool IsSecret(string[] words, bool queryParameter)
    {
        if (words.Length == 0 || (words.Length > 1 && MeasureWords.Contains(words[^1])))
        {
            return false;
        }

        foreach (var pattern in _patterns)
        {
            if (ContainsRun(words, pattern))
            {
                return true;
            }
        }

        return queryParameter && words.Length == 1 && QueryOnlyPatterns.Any(p => p[0] == words[0]);
    }

    private static bool ContainsRun(string[] words, string[] pattern)
    {
        for (var start = 0; start + pattern.Length <= words.Length; start++)
        {
            var all = true;
            for (var i = 0; i < pattern.Length && all; i++)
            {
                all = words[start + i] == pattern[i];
            }

            if (all)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The lowercase words of a name: <c>privateKeyPEM</c> → private, key, pem; <c>APIKey2</c> → api,
    /// key, 2; <c>X-Amz-Signature</c> → x, amz, signature.
    /// </summary>
    public static string[] Words(string name)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= name.Length; i++)
        {
            var c = i < name.Length ? name[i] : ' ';
            if (!char.IsLetterOrDigit(c))
            {
                Flush(i);
                continue;
            }

            if (start < 0)
            {
                start = i;
                continue;
            }

            var previous = name[i - 1];
            var boundary =
                (char.IsLower(previous) && char.IsUpper(c))
                || (char.IsDigit(previous) != char.IsDigit(c))
                || (char.IsUpper(previous) && char.IsUpper(c) && i + 1 < name.Length && char.IsLower(name[i + 1]));
            if (boundary)
            {
                Flush(i);
                start = i;
            }
        }

        return words.ToArray();

        void Flush(int end)
        {
            if (start >= 0)
            {
                words.Add(name[start..end].ToLowerInvariant());
                start = -1;
            }
        }
    }

    private static List<string> Parse(string text, string path)
    {
        var patterns = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (Words(line).Length == 0)
            {
                continue;
            }

            patterns.Add(line);
            if (patterns.Count > MaxRepositoryPatterns)
            {
                throw new SwarmException(
                    "RedactionFileInvalid",
                    $"'{RepositoryFile}' holds more than {MaxRepositoryPatterns} patterns.",
                    "Keep one pattern a line for each kind of secret key (a pattern matches every key containing its words), and remove the rest.",
                    SwarmErrorCategory.InvalidData,
                    path);
            }
        }

        return patterns;
    }
}
