using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>Where an error id is raised (or an argument that should be one could not be read), by file and line.</summary>
public sealed record ErrorIdSite(string Text, string File, int Line)
{
    public override string ToString() => $"{Text} ({File}:{Line})";
}

/// <summary>What <see cref="ErrorIdScanner.Scan"/> found.</summary>
/// <param name="Ids">Every error id raised, from a literal or a string constant.</param>
/// <param name="Unreadable">Error-id arguments that are neither a literal, a constant nor a value relayed from elsewhere (an interpolated string): nobody could document them.</param>
/// <param name="PlainThrows">Exceptions a cmdlet throws itself instead of an engine SwarmException: they surface with no stable id and no remediation.</param>
public sealed record ErrorIdScan(IReadOnlyList<ErrorIdSite> Ids, IReadOnlyList<ErrorIdSite> Unreadable, IReadOnlyList<ErrorIdSite> PlainThrows)
{
    public IReadOnlySet<string> IdSet => Ids.Select(site => site.Text).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// Reads C# source for the error ids it can raise, without building or running it. An error id is an
/// argument given to an error-id parameter: the first one of <c>SwarmException</c> (constructed by name, as
/// a target-typed <c>new(</c> in a member that returns one (or a subclass taking an id), or through <c>base(</c> in a subclass), the id of
/// a PowerShell <c>ErrorRecord</c>, the error of an exchange wire <c>ErrorResponse</c>, and any parameter
/// named <c>errorId</c> of a method or constructor in the scanned source (so a helper such as
/// <c>ExchangeErrors.Invalid(errorId, ...)</c> or a default value such as <c>errorId = FailedId</c> is
/// followed without being listed here). An argument is read as a string literal or a string constant; a
/// plain variable or member (<c>error.Error</c>, <c>failure.ErrorId</c>) is a relay of an id raised
/// elsewhere and is not counted; anything else (an interpolated string) is unreadable.
/// </summary>
public static partial class ErrorIdScanner
{
    /// <summary>Sinks that are not declared in the scanned source: (callee, index of the id argument).</summary>
    private static readonly (string Callee, int Index)[] KnownSinks =
    [
        ("SwarmException", 0),
        ("ErrorRecord", 1),
        ("ErrorResponse", 0),
    ];

    /// <summary>Scans the C# files under <paramref name="directories"/> (build output left out); sites name files relative to <paramref name="root"/>.</summary>
    public static ErrorIdScan ScanDirectories(string root, params string[] directories) => Scan(directories
        .SelectMany(directory => Directory.EnumerateFiles(Path.Combine(root, directory), "*.cs", SearchOption.AllDirectories))
        .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
        .Select(path => (Path.GetRelativePath(root, path).Replace('\\', '/'), File.ReadAllText(path))));

    public static ErrorIdScan Scan(IEnumerable<(string Path, string Text)> files)
    {
        var sources = files.Select(file => new Source(file.Path, WithoutComments(file.Text))).ToList();
        var constants = Constants(sources);
        var sinks = Sinks(sources);
        var ids = new List<ErrorIdSite>();
        var unreadable = new List<ErrorIdSite>();
        var plainThrows = new List<ErrorIdSite>();
        foreach (var source in sources)
        {
            foreach (var (call, sink) in Calls(source, sinks))
            {
                var arguments = Arguments(source.Text, call.OpenParen);
                var given = arguments.FirstOrDefault(a => a.StartsWith(sink.Name + ":", StringComparison.Ordinal)) is { } named
                    ? named[(sink.Name.Length + 1)..].Trim()
                    : sink.Index < arguments.Count && !arguments.Take(sink.Index + 1).Any(a => NamedArgument().IsMatch(a))
                        ? arguments[sink.Index]
                        : sink.Default;
                if (given is null || ParameterDeclaration().IsMatch(given))
                {
                    continue; // the sink's own declaration, or a call that leaves out an optional id
                }

                foreach (var part in given.Split("??").Select(p => p.Trim()))
                {
                    var site = new ErrorIdSite(part, source.Path, source.LineOf(call.OpenParen));
                    if (StringLiteral().Match(part) is { Success: true } literal)
                    {
                        ids.Add(site with { Text = literal.Groups["text"].Value });
                    }
                    else if (constants.Resolve(part, source.Path) is { } value)
                    {
                        ids.Add(site with { Text = value });
                    }
                    else if (!Relay().IsMatch(part))
                    {
                        unreadable.Add(site);
                    }
                }
            }

            if (IsCmdletSource(source.Path))
            {
                foreach (Match thrown in PlainThrow().Matches(source.Text))
                {
                    plainThrows.Add(new ErrorIdSite(thrown.Groups["type"].Value, source.Path, source.LineOf(thrown.Index)));
                }
            }
        }

        return new ErrorIdScan(ids, unreadable, plainThrows);
    }

    private static bool IsCmdletSource(string path) => path.Replace('\\', '/').Contains("SwarmPS.Cmdlets/", StringComparison.Ordinal);

    private sealed record Source(string Path, string Text)
    {
        private readonly int[] _lineStarts = Text.Select((c, i) => (c, i)).Where(x => x.c == '\n').Select(x => x.i + 1).Prepend(0).ToArray();

        public int LineOf(int index)
        {
            var line = Array.BinarySearch(_lineStarts, index);
            return (line >= 0 ? line : ~line - 1) + 1;
        }
    }

    private sealed record Sink(string Callee, int Index, string Name, string? Default, string? DeclaringType, string? DeclaringFile);

    private sealed record Call(int OpenParen);

    /// <summary>Every call of a sink: by name (<c>new X(</c>, <c>Type.Method(</c>, a method called in its own file), <c>base(</c> in a subclass of one, or a target-typed <c>new(</c> in a member returning SwarmException.</summary>
    private static IEnumerable<(Call, Sink)> Calls(Source source, IReadOnlyList<Sink> sinks)
    {
        foreach (var sink in sinks)
        {
            foreach (Match match in Regex.Matches(source.Text, $@"(?<![\w.])(?:(?<new>new\s+)(?:[\w.]+\.)?|(?<qualifier>(?:[A-Za-z_]\w*\.)+))?{Regex.Escape(sink.Callee)}\s*(?<paren>\()"))
            {
                var isConstructor = sink.DeclaringType is null || sink.DeclaringType == sink.Callee;
                var qualifier = match.Groups["qualifier"].Value.TrimEnd('.');
                var ownFile = sink.DeclaringFile == source.Path;
                var qualifiedByOwner = sink.DeclaringType is not null && qualifier.Split('.').LastOrDefault() == sink.DeclaringType;
                if (isConstructor ? match.Groups["new"].Success : qualifiedByOwner || (ownFile && qualifier.Length == 0))
                {
                    yield return (new Call(match.Groups["paren"].Index), sink);
                }
            }
        }

        // base( in a class deriving a constructor sink.
        foreach (Match type in TypeWithBase().Matches(source.Text))
        {
            var sink = sinks.FirstOrDefault(s => s.Callee == type.Groups["base"].Value && (s.DeclaringType is null || s.DeclaringType == s.Callee));
            if (sink is null)
            {
                continue;
            }

            var end = NextTypeDeclaration(source.Text, type.Index + type.Length);
            foreach (Match call in BaseCall().Matches(source.Text[..end], type.Index))
            {
                yield return (new Call(call.Groups["paren"].Index), sink);
            }
        }

        // new( in a member that returns an exception sink (SwarmException, ConfigException): the statement before it declares that type.
        foreach (Match call in TargetTypedNew().Matches(source.Text))
        {
            var statementStart = source.Text.LastIndexOfAny([';', '{', '}'], call.Index) + 1;
            if (DeclaredType().Match(source.Text[statementStart..call.Index]) is { Success: true } declared
                && sinks.FirstOrDefault(s => s.Callee == declared.Groups["type"].Value && (s.DeclaringType is null || s.DeclaringType == s.Callee)) is { } sink)
            {
                yield return (new Call(call.Groups["paren"].Index), sink);
            }
        }
    }

    private static int NextTypeDeclaration(string text, int from)
    {
        var next = TypeDeclaration().Match(text, from);
        return next.Success ? next.Index : text.Length;
    }

    /// <summary>The known sinks plus every method or constructor with a parameter named errorId.</summary>
    private static IReadOnlyList<Sink> Sinks(IReadOnlyList<Source> sources)
    {
        var sinks = KnownSinks.Select(k => new Sink(k.Callee, k.Index, "errorId", null, null, null)).ToList();
        foreach (var source in sources)
        {
            foreach (Match parameter in ErrorIdParameter().Matches(source.Text))
            {
                var open = OpeningParen(source.Text, parameter.Index);
                if (open < 0 || CalleeBefore(source.Text, open) is not { } callee || KnownSinks.Any(k => k.Callee == callee))
                {
                    continue;
                }

                var index = TopLevelCommas(source.Text, open + 1, parameter.Index);
                var defaultValue = parameter.Groups["default"].Success ? parameter.Groups["default"].Value.Trim() : null;
                sinks.Add(new Sink(callee, index, parameter.Groups["name"].Value, defaultValue, EnclosingType(source.Text, open), source.Path));
            }
        }

        return sinks;
    }

    private static string? EnclosingType(string text, int index) =>
        TypeDeclaration().Matches(text[..index]).LastOrDefault()?.Groups["name"].Value;

    private static int OpeningParen(string text, int index)
    {
        var depth = 0;
        for (var i = index - 1; i >= 0; i--)
        {
            if (text[i] == ')')
            {
                depth++;
            }
            else if (text[i] == '(' && depth-- == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static string? CalleeBefore(string text, int open)
    {
        var match = Regex.Match(text[..open], @"(?<name>[A-Za-z_]\w*)\s*(?:<[^<>]*>)?\s*$");
        return match.Success ? match.Groups["name"].Value : null;
    }

    private static int TopLevelCommas(string text, int from, int to)
    {
        var depth = 0;
        var commas = 0;
        for (var i = from; i < to; i++)
        {
            switch (text[i])
            {
                case '(' or '[' or '{' or '<':
                    depth++;
                    break;
                case ')' or ']' or '}' or '>':
                    depth--;
                    break;
                case ',' when depth == 0:
                    commas++;
                    break;
            }
        }

        return commas;
    }

    /// <summary>The arguments of the call whose '(' is at <paramref name="open"/>, split at top-level commas (strings and brackets respected).</summary>
    private static List<string> Arguments(string text, int open)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        for (var i = open + 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '"')
            {
                var end = StringEnd(text, i);
                current.Append(text, i, end - i + 1);
                i = end;
                continue;
            }

            if (c is '(' or '[' or '{')
            {
                depth++;
            }
            else if (c is ')' or ']' or '}')
            {
                if (depth-- == 0)
                {
                    break;
                }
            }
            else if (c == ',' && depth == 0)
            {
                arguments.Add(current.ToString().Trim());
                current.Clear();
                continue;
            }

            current.Append(c);
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            arguments.Add(last);
        }

        return arguments;
    }

    /// <summary>Index of the closing quote of the string literal opening at <paramref name="start"/> (regular, verbatim, interpolated or raw).</summary>
    private static int StringEnd(string text, int start)
    {
        var quotes = 0;
        while (start + quotes < text.Length && text[start + quotes] == '"')
        {
            quotes++;
        }

        if (quotes >= 3)
        {
            // A raw string literal ends at the next run of as many quotes.
            var close = text.IndexOf(new string('"', quotes), start + quotes, StringComparison.Ordinal);
            return close < 0 ? text.Length - 1 : close + quotes - 1;
        }

        var verbatim = start > 0 && text[start - 1] == '@' || start > 1 && text[start - 2] == '@';
        for (var i = start + 1; i < text.Length; i++)
        {
            if (!verbatim && text[i] == '\\')
            {
                i++;
            }
            else if (text[i] == '"')
            {
                if (verbatim && i + 1 < text.Length && text[i + 1] == '"')
                {
                    i++;
                    continue;
                }

                return i;
            }
        }

        return text.Length - 1;
    }

    /// <summary>The text with // and /* */ comments blanked (newlines kept, so line numbers hold); strings are left alone.</summary>
    private static string WithoutComments(string text)
    {
        var result = new StringBuilder(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
            {
                i = StringEnd(text, i);
            }
            else if (text[i] == '\'' && i + 2 < text.Length)
            {
                i = text[i + 1] == '\\' ? text.IndexOf('\'', i + 3) : i + 2;
            }
            else if (text[i] == '/' && i + 1 < text.Length && (text[i + 1] == '/' || text[i + 1] == '*'))
            {
                var end = text[i + 1] == '/' ? text.IndexOf('\n', i) : text.IndexOf("*/", i + 2, StringComparison.Ordinal) + 1;
                end = end <= 0 ? text.Length - 1 : end;
                for (var j = i; j <= end && j < text.Length; j++)
                {
                    if (text[j] != '\n')
                    {
                        result[j] = ' ';
                    }
                }

                i = end;
            }
        }

        return result.ToString();
    }

    /// <summary>String constants by name and by Type.Name; a bare name is looked up in its own file first.</summary>
    private sealed class ConstantTable
    {
        private readonly Dictionary<string, List<(string File, string Value)>> _byName = new(StringComparer.Ordinal);

        public void Add(string name, string file, string value)
        {
            if (!_byName.TryGetValue(name, out var values))
            {
                _byName[name] = values = new List<(string, string)>();
            }

            values.Add((file, value));
        }

        public string? Resolve(string expression, string file)
        {
            var name = expression.StartsWith("nameof(", StringComparison.Ordinal) ? null : expression;
            if (name is null || !_byName.TryGetValue(name, out var values))
            {
                return null;
            }

            return values.FirstOrDefault(v => v.File == file).Value ?? (values.Select(v => v.Value).Distinct().Count() == 1 ? values[0].Value : null);
        }
    }

    private static ConstantTable Constants(IEnumerable<Source> sources)
    {
        var table = new ConstantTable();
        foreach (var source in sources)
        {
            foreach (Match constant in StringConstant().Matches(source.Text))
            {
                var name = constant.Groups["name"].Value;
                var value = constant.Groups["value"].Value;
                table.Add(name, source.Path, value);
                if (EnclosingType(source.Text, constant.Index) is { } type)
                {
                    table.Add(type + "." + name, source.Path, value);
                }
            }
        }

        return table;
    }

    [GeneratedRegex(@"const\s+string\s+(?<name>\w+)\s*=\s*""(?<value>[^""\\]*)""\s*;")]
    private static partial Regex StringConstant();

    [GeneratedRegex(@"\bstring\??\s+(?<name>errorId)\b(?:\s*=\s*(?<default>[^,)]+))?")]
    private static partial Regex ErrorIdParameter();

    [GeneratedRegex(@"^(?:[\w.]+\s*[?]?|(?:this|params|ref|out|in)\s+\S+)\s+\w+(?:\s*=.*)?$")]
    private static partial Regex ParameterDeclaration();

    [GeneratedRegex(@"^\w+\s*:")]
    private static partial Regex NamedArgument();

    [GeneratedRegex(@"^@?""(?<text>[^""]*)""$")]
    private static partial Regex StringLiteral();

    /// <summary>A variable or member chain (with ! or ?.): a value that carries an id raised elsewhere.</summary>
    [GeneratedRegex(@"^[A-Za-z_][\w]*(?:\??\.[A-Za-z_][\w]*)*!?$")]
    private static partial Regex Relay();

    [GeneratedRegex(@"\b(?:class|record|struct|interface)\s+(?<name>[A-Za-z_]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"\b(?:class|record)\s+(?<name>[A-Za-z_]\w*)(?:\s*\([^)]*\))?\s*:\s*(?:[\w.]+\.)?(?<base>[A-Za-z_]\w*)")]
    private static partial Regex TypeWithBase();

    [GeneratedRegex(@":\s*base\s*(?<paren>\()")]
    private static partial Regex BaseCall();

    [GeneratedRegex(@"(?<![\w.])new\s*(?<paren>\()")]
    private static partial Regex TargetTypedNew();

    /// <summary>The type a member returns (<c>T Name(...) =></c>) or a variable is declared as (<c>T name =</c>), just before a <c>new(</c>.</summary>
    [GeneratedRegex(@"\b(?<type>[A-Za-z_]\w*)\??\s+(?:\w+\s*\([^;{}]*\)\s*=>|\w+\s*=)\s*$")]
    private static partial Regex DeclaredType();

    [GeneratedRegex(@"\bthrow\s+new\s+(?:[\w.]+\.)?(?<type>PS\w*Exception|InvalidOperationException|ArgumentException|ArgumentNullException|NotSupportedException|RuntimeException)\s*\(")]
    private static partial Regex PlainThrow();
}
