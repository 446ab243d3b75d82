using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Writes values as the JSON that Python's <c>json.dumps(value, sort_keys=True, ensure_ascii=False)</c>
/// writes, byte for byte, so a Python tool can recompute a run id or diff a ledger entry without SwarmPS.
/// Compact form uses the separators <c>(',', ':')</c>; indented form is Python's <c>indent=2</c>.
/// Keys sort by Unicode code point (Python's str order, not .NET's UTF-16 order); integers are decimal
/// digits; doubles are Python's float repr (shortest round-trip digits); strings escape only
/// <c>"</c>, <c>\</c> and control characters. NaN, infinities and lone surrogates have no JSON form and
/// are refused, so every value written here can be read back.
/// <see cref="SerializeSignac"/> is the other Python form SwarmPS must match byte for byte: plain
/// <c>json.dumps(value, sort_keys=True)</c>, the text signac hashes into a job id (<see cref="SignacJobId"/>).
/// </summary>
public static class CanonicalJson
{
    /// <summary>How the text is laid out: Python's <c>indent</c>, <c>separators</c> and <c>ensure_ascii</c>.</summary>
    private sealed record Layout(int? Indent, string ItemSeparator, string KeySeparator, bool EnsureAscii);

    private static readonly Layout Compact = new(null, ",", ":", EnsureAscii: false);
    private static readonly Layout Indented = new(2, ",", ": ", EnsureAscii: false);
    private static readonly Layout PythonDefault = new(null, ", ", ": ", EnsureAscii: true);

    /// <summary>Compact canonical text, the form a run id is hashed over.</summary>
    public static string Serialize(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, Compact, depth: 0, path: "$");
        return text.ToString();
    }

    /// <summary>
    /// Python's <c>json.dumps(value, sort_keys=True)</c> with every other argument at its default:
    /// separators <c>', '</c> and <c>': '</c>, and <c>ensure_ascii=True</c> (every character outside
    /// U+0020..U+007E written as <c>\uxxxx</c>, astral ones as a surrogate pair). Pure ASCII.
    /// </summary>
    public static string SerializeSignac(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, PythonDefault, depth: 0, path: "$");
        return text.ToString();
    }

    /// <summary>Indented canonical text (2 spaces, LF) with a trailing newline: the ledger file form.</summary>
    public static string SerializeIndented(object? value)
    {
        var text = new StringBuilder();
        Write(text, value, Indented, depth: 0, path: "$");
        text.Append('\n');
        return text.ToString();
    }

    /// <summary>Orders keys as Python's <c>sorted()</c> orders str: by code point.</summary>
    public static readonly IComparer<string> KeyOrder = Comparer<string>.Create(CompareByCodePoint);

    private static void Write(StringBuilder text, object? value, Layout layout, int depth, string path)
    {
        switch (value)
        {
            case null:
                text.Append("null");
                return;
            case bool flag:
                text.Append(flag ? "true" : "false");
                return;
            case string s:
                WriteString(text, s, layout.EnsureAscii, path);
                return;
            case char c:
                WriteString(text, c.ToString(), layout.EnsureAscii, path);
                return;
            case sbyte or byte or short or ushort or int or uint or long or ulong or System.Numerics.BigInteger:
                text.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                return;
            case float single:
                // A float's shortest form is found on the float itself, then widened, as Python would
                // see the same literal: 0.1f is 0.1, not 0.10000000149011612.
                WriteDouble(text, double.Parse(single.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), path);
                return;
            case double d:
                WriteDouble(text, d, path);
                return;
            case decimal m:
                WriteDouble(text, (double)m, path);
                return;
            case JsonElement element:
                WriteElement(text, element, layout, depth, path);
                return;
            case IDictionary map:
                WriteObject(text, ToEntries(map, path), layout, depth, path);
                return;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                WriteObject(text, pairs.Select(p => (p.Key, p.Value)).ToList(), layout, depth, path);
                return;
            case IEnumerable items:
                WriteArray(text, items.Cast<object?>().ToList(), layout, depth, path);
                return;
            default:
                throw new SwarmException(
                    "StatepointInvalid",
                    $"The value at {path} is a {value.GetType().Name}, which has no JSON form.",
                    "Use only strings, numbers, booleans, null, lists and hashtables in a statepoint.",
                    SwarmErrorCategory.InvalidArgument,
                    path);
        }
    }

    private static List<(string Key, object? Value)> ToEntries(IDictionary map, string path)
    {
        var entries = new List<(string, object?)>(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            if (entry.Key is not string key)
            {
                throw new SwarmException(
                    "StatepointInvalid",
                    $"The key '{entry.Key}' at {path} is a {entry.Key.GetType().Name}; JSON keys are strings.",
                    "Quote the key, e.g. @{ '1' = ... } instead of @{ 1 = ... }.",
                    SwarmErrorCategory.InvalidArgument,
                    path);
            }

            entries.Add((key, entry.Value));
        }

        return entries;
    }

    private static void WriteObject(StringBuilder text, List<(string Key, object? Value)> entries, Layout layout, int depth, string path)
    {
        if (entries.Count == 0)
        {
            text.Append("{}");
            return;
        }

        entries.Sort((a, b) => CompareByCodePoint(a.Key, b.Key));
        text.Append('{');
        for (var i = 0; i < entries.Count; i++)
        {
            if (i > 0 && entries[i].Key == entries[i - 1].Key)
            {
                throw new SwarmException(
                    "StatepointInvalid",
                    $"The key '{entries[i].Key}' appears twice at {path}.",
                    "Keep one value per key.",
                    SwarmErrorCategory.InvalidArgument,
                    path);
            }

            if (i > 0)
            {
                text.Append(layout.ItemSeparator);
            }

            NewLine(text, layout, depth + 1);
            WriteString(text, entries[i].Key, layout.EnsureAscii, path);
            text.Append(layout.KeySeparator);
            Write(text, entries[i].Value, layout, depth + 1, $"{path}.{entries[i].Key}");
        }

        NewLine(text, layout, depth);
        text.Append('}');
    }

    private static void WriteArray(StringBuilder text, List<object?> items, Layout layout, int depth, string path)
    {
        if (items.Count == 0)
        {
            text.Append("[]");
            return;
        }

        text.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                text.Append(layout.ItemSeparator);
            }

            NewLine(text, layout, depth + 1);
            Write(text, items[i], layout, depth + 1, $"{path}[{i}]");
        }

        NewLine(text, layout, depth);
        text.Append(']');
    }

    private static void WriteElement(StringBuilder text, JsonElement element, Layout layout, int depth, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(text, element.EnumerateObject().Select(p => (p.Name, (object?)p.Value)).ToList(), layout, depth, path);
                return;
            case JsonValueKind.Array:
                WriteArray(text, element.EnumerateArray().Select(e => (object?)e).ToList(), layout, depth, path);
                return;
            case JsonValueKind.String:
                WriteString(text, element.GetString()!, layout.EnsureAscii, path);
                return;
            case JsonValueKind.Number:
                // Python reads a number without '.', 'e' or 'E' as int, anything else as float.
                var raw = element.GetRawText();
                if (raw.IndexOfAny(['.', 'e', 'E']) < 0)
                {
                    text.Append(System.Numerics.BigInteger.Parse(raw, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
                }
                else
                {
                    WriteDouble(text, element.GetDouble(), path);
                }

                return;
            case JsonValueKind.True:
                text.Append("true");
                return;
            case JsonValueKind.False:
                text.Append("false");
                return;
            default:
                text.Append("null");
                return;
        }
    }

    private static void NewLine(StringBuilder text, Layout layout, int depth)
    {
        if (layout.Indent is { } width)
        {
            text.Append('\n').Append(' ', width * depth);
        }
    }

    private static void WriteString(StringBuilder text, string value, bool ensureAscii, string path)
    {
        text.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20)
                    {
                        AppendEscape(text, c);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        if (!char.IsHighSurrogate(c) || i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                        {
                            throw new SwarmException(
                                "StatepointInvalid",
                                $"The text at {path} holds a lone UTF-16 surrogate, which has no UTF-8 form.",
                                "Remove the broken character from the value.",
                                SwarmErrorCategory.InvalidArgument,
                                path);
                        }

                        if (ensureAscii)
                        {
                            AppendEscape(text, c);
                            AppendEscape(text, value[++i]);
                        }
                        else
                        {
                            text.Append(c).Append(value[++i]);
                        }
                    }
                    else if (ensureAscii && c > '~')
                    {
                        // Python's ensure_ascii escapes everything outside ' '..'~', DEL (U+007F) included.
                        AppendEscape(text, c);
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }

    private static void AppendEscape(StringBuilder text, char c) =>
        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));

    /// <summary>
    /// Python's float repr: the shortest digits that round-trip, in fixed notation when the decimal
    /// exponent is in [-4, 16), otherwise d.ddde±XX; a whole number in fixed notation keeps ".0".
    /// </summary>
    internal static void WriteDouble(StringBuilder text, double value, string path)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new SwarmException(
                "StatepointInvalid",
                $"The number at {path} is {value}, which JSON cannot hold.",
                "Use a finite number, or a string such as 'inf' if the value is a label.",
                SwarmErrorCategory.InvalidArgument,
                path);
        }

        if (value == 0)
        {
            text.Append(double.IsNegative(value) ? "-0.0" : "0.0");
            return;
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Python's.
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var (digits, pointPosition) = DigitsOf(shortest);
        if (value < 0)
        {
            text.Append('-');
        }

        // pointPosition is Python's decpt: value = 0.d1d2d3... x 10^decpt.
        if (pointPosition > -4 && pointPosition <= 16)
        {
            if (pointPosition <= 0)
            {
                text.Append("0.").Append('0', -pointPosition).Append(digits);
            }
            else if (pointPosition >= digits.Length)
            {
                text.Append(digits).Append('0', pointPosition - digits.Length).Append(".0");
            }
            else
            {
                text.Append(digits, 0, pointPosition).Append('.').Append(digits, pointPosition, digits.Length - pointPosition);
            }

            return;
        }

        text.Append(digits[0]);
        if (digits.Length > 1)
        {
            text.Append('.').Append(digits, 1, digits.Length - 1);
        }

        var exponent = pointPosition - 1;
        text.Append('e').Append(exponent < 0 ? '-' : '+').Append(Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture));
    }

    /// <summary>Splits .NET's shortest text ("1.5E-07", "123.45") into significant digits and decpt.</summary>
    private static (string Digits, int PointPosition) DigitsOf(string shortest)
    {
        var exponent = 0;
        var e = shortest.IndexOfAny(['E', 'e']);
        var mantissa = shortest;
        if (e >= 0)
        {
            exponent = int.Parse(shortest[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            mantissa = shortest[..e];
        }

        var dot = mantissa.IndexOf('.');
        var integerPart = dot < 0 ? mantissa : mantissa[..dot];
        var fraction = dot < 0 ? "" : mantissa[(dot + 1)..];
        var all = integerPart + fraction;
        var leadingZeros = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        var pointPosition = integerPart.Length - leadingZeros + exponent;
        return (digits, pointPosition);
    }

    private static int CompareByCodePoint(string? a, string? b)
    {
        if (ReferenceEquals(a, b))
        {
            return 0;
        }

        if (a is null)
        {
            return -1;
        }

        if (b is null)
        {
            return 1;
        }

        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            var x = a[i];
            var y = b[i];
            if (x == y)
            {
                continue;
            }

            // UTF-16 order puts U+E000..U+FFFF after surrogates (U+10000 and up); code point order does not.
            if (char.IsSurrogate(x) != char.IsSurrogate(y))
            {
                return char.IsSurrogate(x) ? 1 : -1;
            }

            return x.CompareTo(y);
        }

        return a.Length.CompareTo(b.Length);
    }
}
