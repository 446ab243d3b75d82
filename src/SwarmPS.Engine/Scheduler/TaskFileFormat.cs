using System.Text;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The task file a job script reads on the compute node, where only bash is assumed.
/// One line per task: <c>&lt;taskIndex&gt; NAME=VALUE NAME=VALUE ...</c>, fields separated by one space.
/// VALUE is the UTF-8 bytes of the value with every byte outside printable ASCII 0x21..0x7E, and the
/// backslash itself, written as <c>\xHH</c>. Such a value holds no whitespace (so <c>read -a</c> splits the
/// line safely) and bash alone decodes it: <c>printf -v value '%b' "$encoded"</c>. Tabs, newlines, quotes,
/// '$' and non-ASCII text therefore arrive byte for byte. Line n (1-based) is array index n - offset.
/// </summary>
public static class TaskFileFormat
{
    /// <summary>Appends the line of one task (without the newline).</summary>
    public static void AppendLine(StringBuilder line, TaskSet tasks, long task)
    {
        line.Append(task);
        for (var p = 0; p < tasks.ParameterNames.Count; p++)
        {
            line.Append(' ').Append(tasks.ParameterNames[p].ToUpperInvariant()).Append('=');
            AppendEncoded(line, tasks.GetValue(task, p));
        }
    }

    /// <summary>The whole file for the given task indices (all tasks when null), one line each, LF-terminated.</summary>
    public static byte[] Write(TaskSet tasks, IReadOnlyList<long>? selection)
    {
        using var buffer = new MemoryStream();
        using (var writer = new StreamWriter(buffer, new UTF8Encoding(false), 1 << 16))
        {
            var line = new StringBuilder(256);
            var count = selection?.Count ?? tasks.Count;
            for (long i = 0; i < count; i++)
            {
                line.Clear();
                AppendLine(line, tasks, selection is null ? i : selection[(int)i]);
                line.Append('\n');
                writer.Write(line);
            }
        }

        return buffer.ToArray();
    }

    public static string Encode(string value)
    {
        var text = new StringBuilder(value.Length + 8);
        AppendEncoded(text, value);
        return text.ToString();
    }

    /// <summary>The inverse of <see cref="Encode"/>, as bash's printf %b does it (for tests and tools).</summary>
    public static string Decode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '\\' && i + 3 < encoded.Length + 0 && encoded[i + 1] == 'x')
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static void AppendEncoded(StringBuilder text, string value)
    {
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= 0x21 and <= 0x7E && b != (byte)'\\')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append("\\x").Append(b.ToString("x2"));
            }
        }
    }
}
