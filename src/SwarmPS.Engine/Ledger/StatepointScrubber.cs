using System.Text.Json;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The statepoint as the ledger may show it (docs/ledger.md, "Sanitization"). Statepoint values are free
/// text, so each string is scrubbed for what hides in text: the repository root becomes <c>.</c>, the
/// home directory <c>~</c>, any other absolute path keeps its last segment (<c>&lt;path&gt;/data.csv</c>),
/// the user info of a URL of any scheme becomes <c>&lt;redacted&gt;</c>, and so do secret query
/// parameters (<c>?token=</c>, <c>X-Amz-Signature=</c>), <c>--api-key=…</c> / <c>HF_TOKEN=…</c> values,
/// the argument after a secret option in a command list (<c>["--token", "…"]</c>) and every value under
/// a secret key (<see cref="RedactionRule"/>). Scrubbing is idempotent: what it made stays as it is, so
/// scrubbing a committed entry again changes nothing unless the entry breaks the rules, and
/// <paramref name="changed"/> hears where (<see cref="LedgerSanitizerCheck"/>).
/// </summary>
internal sealed partial class StatepointScrubber(string repositoryRoot, RedactionRule rule, Action<string, string>? changed = null)
{
    public const string SecretKeyReason = "a value under a secret-looking key";
    public const string PathReason = "an absolute path";
    public const string UrlCredentialReason = "credentials in a URL";
    public const string QueryReason = "a secret query parameter";
    public const string OptionReason = "the value of a secret-looking option";

    private readonly string _root = repositoryRoot.TrimEnd('/', '\\');
    private readonly string _home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile).TrimEnd('/', '\\');

    public object? Scrub(JsonElement value, string? key, string path)
    {
        if (key is not null && rule.IsSecretKey(key) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null))
        {
            return Redact(value.ValueKind == JsonValueKind.String ? value.GetString() : null, path, SecretKeyReason);
        }

        return value.ValueKind switch
        {
            JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Scrub(p.Value, p.Name, $"{path}.{p.Name}"), StringComparer.Ordinal),
            JsonValueKind.Array => ScrubList(value, key, path),
            JsonValueKind.String => ScrubText(value.GetString()!, path),
            _ => value.Clone(),
        };
    }

    /// <summary>Items keep the list's key; a command list's <c>--token VALUE</c> pair loses its value.</summary>
    private List<object?> ScrubList(JsonElement list, string? key, string path)
    {
        var items = new List<object?>();
        string? previous = null;
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            var itemPath = $"{path}[{index++}]";
            var text = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            if (text is not null && !text.StartsWith('-') && previous is not null && SecretOption().Match(previous) is { Success: true } option && rule.IsSecretKey(option.Groups["name"].Value))
            {
                items.Add(Redact(text, itemPath, OptionReason));
            }
            else
            {
                items.Add(Scrub(item, key, itemPath));
            }

            previous = text;
        }

        return items;
    }

    private string ScrubText(string text, string path)
    {
        var original = text;
        if (_root.Length > 1)
        {
            text = text.Replace(_root + "/", "./", StringComparison.Ordinal).Replace(_root + "\\", ".\\", StringComparison.Ordinal);
            if (text == _root)
            {
                text = ".";
            }
        }

        if (_home.Length > 1)
        {
            text = text.Replace(_home + "/", "~/", StringComparison.Ordinal);
            if (text == _home)
            {
                text = "~";
            }
        }

        if (text != original)
        {
            changed?.Invoke(path, PathReason);
        }

        text = Replace(text, UrlUserInfo(), "user", path, UrlCredentialReason, _ => true);
        text = Replace(text, QueryParameter(), "value", path, QueryReason, m => rule.IsSecretParameter(m.Groups["name"].Value));
        text = Replace(text, Assignment(), "value", path, OptionReason, m => rule.IsSecretKey(m.Groups["name"].Value));

        if (AbsolutePath().IsMatch(text))
        {
            changed?.Invoke(path, PathReason);
            var last = text.TrimEnd('/', '\\');
            var cut = last.LastIndexOfAny(['/', '\\']);
            return "<path>/" + (cut >= 0 ? last[(cut + 1)..] : "");
        }

        return text;
    }

    /// <summary>Replaces the named group of each match that <paramref name="secret"/> accepts with <c>&lt;redacted&gt;</c>.</summary>
    private string Replace(string text, Regex pattern, string group, string path, string reason, Func<Match, bool> secret)
    {
        if (!pattern.IsMatch(text))
        {
            return text;
        }

        return pattern.Replace(text, match =>
        {
            var part = match.Groups[group];
            if (part.Value is LedgerProjection.Redacted or "" || !secret(match))
            {
                return match.Value;
            }

            changed?.Invoke(path, reason);
            return match.Value[..(part.Index - match.Index)] + LedgerProjection.Redacted + match.Value[(part.Index - match.Index + part.Length)..];
        });
    }

    private string Redact(string? current, string path, string reason)
    {
        if (current != LedgerProjection.Redacted)
        {
            changed?.Invoke(path, reason);
        }

        return LedgerProjection.Redacted;
    }

    // scheme://USER[:PASSWORD]@host of any scheme (postgres, redis, amqp, s3, https); the user info runs
    // to the last '@' before the path, so a raw '@' inside a password is covered too.
    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://(?<user>[^\s/?#]*)@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlUserInfo();

    // name=value after '?' or '&', in a URL of any scheme or a bare query string.
    [GeneratedRegex(@"(?<=[?&])(?<name>[^=&#\s?/]+)=(?<value>[^&#\s]*)", RegexOptions.CultureInvariant)]
    private static partial Regex QueryParameter();

    // A whole value that is '--api-key=VALUE', '-token=VALUE' or 'HF_TOKEN=VALUE'.
    [GeneratedRegex(@"^-{0,2}(?<name>[A-Za-z_][A-Za-z0-9_.\-]*)=(?<value>.+)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Assignment();

    // A command-line option on its own ('--token', '-p'), whose value is the next item.
    [GeneratedRegex(@"^-{1,2}(?<name>[A-Za-z][A-Za-z0-9_.\-]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretOption();

    [GeneratedRegex(@"^(/|[A-Za-z]:[\\/]|\\\\|file:)", RegexOptions.CultureInvariant)]
    private static partial Regex AbsolutePath();
}
