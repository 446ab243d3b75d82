using System.Globalization;
using System.Text;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// One poll's remote half: a POSIX sh script that lists the site directory's files and prints, for each, only
/// what this side lacks; and the parser of what it prints. One round trip per poll, whatever the number of files.
/// </summary>
/// <remarks>
/// The script gets the site directory ($1; relative to the login's home unless absolute, as
/// RemoteLogin.Absolute resolves run roots, done here so a poll needs no probe first), the byte cap per file ($2)
/// and per poll ($3), the glob of a too-long name ($4), and on stdin one token <c>path:known</c> per file this
/// side holds: an append-only file's local length, or another file's <c>size-cksum</c> as last copied.
/// It prints <c>@@f size cksum|- path</c> per regular file, then <c>@@d offset</c> and the new bytes as
/// <c>od -An -v -tx1</c> hex (POSIX, unlike base64 or head -c) when there are any; then the odd names it
/// skipped, NUL-separated, also as hex (a name may hold a newline), capped at 2 KiB; then an end mark, so a
/// reply cut by a dropped connection is never half-applied.
/// Cost: names that could break the word list (anything outside [A-Za-z0-9._-]) are pruned by find itself, so
/// the unquoted <c>$(find ...)</c> list under <c>set -f</c> is safe; <c>-type f</c> without <c>-L</c> never
/// follows a link, and each file is checked again (<c>! -h</c>) just before it is read. An append-only file is
/// read from its offset (<c>tail -c +N</c> seeks on a regular file), so a poll reads the new bytes, not the old;
/// only a non-append file (a small JSON) is read whole, by cksum, to see whether it changed.
/// AtomicFile's temporaries (<c>.name.*.tmp</c>) are left out silently: they are renamed away within moments.
/// </remarks>
public static class MirrorReply
{
    /// <summary>At most this many new bytes of one file per poll (dd blocks of 4 KiB); a non-append file bigger than this is not copied.</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>At most this many new bytes in all per poll (about three times this as hex on the wire).</summary>
    public const int MaxPollBytes = 4 << 20;

    /// <summary>Exit code of the script when the site directory does not exist.</summary>
    public const int MissingExitCode = 3;

    private const string ListMark = "@@swarmps-list@@";
    private const string SkippedMark = "@@swarmps-skipped@@";
    private const string EndMark = "@@swarmps-end@@";

    private const string Odd = "\\( -name '*[!A-Za-z0-9._-]*' -o -name \"$4\" ";

    public const string Script = "set -f; case $1 in /*) d=$1 ;; *) d=$HOME/$1 ;; esac; "
        + "cd -- \"$d\" 2>/dev/null || { printf '%s\\n' \"$d\"; exit 3; }; "
        + "per=$2; left=$3; state=\" $(tr '\\n' ' ') \"; echo " + ListMark + "; "
        + "for f in $(find . -maxdepth 4 " + Odd + "-o -name '.*.tmp' \\) -prune -o -type f -print); do "
        + "f=${f#./}; { [ -f \"$f\" ] && [ ! -h \"$f\" ]; } || continue; s=$(wc -c < \"$f\") || continue; s=$((s + 0)); "
        + "case $state in *\" $f:\"*) v=${state#*\" $f:\"}; v=${v%% *} ;; *) v= ;; esac; "
        + "case $f in "
        + "*.jsonl|*.log) o=${v:-0}; [ \"$s\" -lt \"$o\" ] && o=0; echo \"@@f $s - $f\"; "
        + "n=$((s - o)); [ \"$n\" -gt \"$per\" ] && n=$per; [ \"$n\" -gt \"$left\" ] && n=$left; "
        + "if [ \"$n\" -gt 0 ]; then echo \"@@d $o\"; tail -c +$((o + 1)) \"$f\" | dd bs=4096 count=$(((n + 4095) / 4096)) 2>/dev/null | od -An -v -tx1; left=$((left - n)); fi ;; "
        + "*) if [ \"$s\" -gt \"$per\" ]; then echo \"@@f $s - $f\"; continue; fi; c=$(cksum < \"$f\") || continue; c=${c%% *}; echo \"@@f $s $c $f\"; "
        + "if [ \"$v\" != \"$s-$c\" ] && [ \"$left\" -gt 0 ]; then echo \"@@d 0\"; od -An -v -tx1 < \"$f\"; left=$((left - s)); fi ;; "
        + "esac; done; echo " + SkippedMark + "; "
        + "find . -maxdepth 4 " + Odd + "-o -type l \\) -prune -exec printf '%s\\000' {} + 2>/dev/null | dd bs=1 count=2048 2>/dev/null | od -An -v -tx1; "
        + "echo " + EndMark;

    /// <summary>$4: a name of 129 characters or more (find -name has no length test).</summary>
    public static string TooLongGlob { get; } = new string('?', MirrorPath.MaxSegmentLength + 1) + "*";

    /// <summary>Whether a remote file is append-only (copied by offset) rather than replaced whole.</summary>
    public static bool IsAppendOnly(string path) =>
        path.EndsWith(".jsonl", StringComparison.Ordinal) || path.EndsWith(".log", StringComparison.Ordinal);

    /// <summary>The stdin of a poll: one <c>path:known</c> token a line.</summary>
    public static byte[] State(IEnumerable<KeyValuePair<string, string>> known) =>
        Encoding.ASCII.GetBytes(string.Concat(known.Select(entry => $"{entry.Key}:{entry.Value}\n")));

    /// <summary>The reply, or null when it is not whole (no end mark, or a line that is not what the script prints).</summary>
    public static Parsed? Parse(string output)
    {
        var list = output.IndexOf(ListMark + "\n", StringComparison.Ordinal);
        var skipped = output.IndexOf("\n" + SkippedMark + "\n", StringComparison.Ordinal);
        var end = output.IndexOf("\n" + EndMark, StringComparison.Ordinal);
        if (list < 0 || skipped < list || end < skipped)
        {
            return null;
        }

        var files = new List<RemoteFile>();
        RemoteFile? current = null;
        long? offset = null;
        var hex = new StringBuilder();

        void Close()
        {
            if (current is not null)
            {
                files.Add(offset is null ? current : current with { Offset = offset, Bytes = Convert.FromHexString(hex.ToString()) });
            }

            current = null;
            offset = null;
            hex.Clear();
        }

        try
        {
            foreach (var line in Section(output, list + ListMark.Length + 1, skipped).Split('\n'))
            {
                if (line.StartsWith("@@f ", StringComparison.Ordinal))
                {
                    Close();
                    var words = line.Split(' ', 4);
                    if (words.Length != 4 || !long.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size))
                    {
                        return null;
                    }

                    current = new RemoteFile(words[3], size, words[2] == "-" ? null : words[2]);
                }
                else if (line.StartsWith("@@d ", StringComparison.Ordinal))
                {
                    if (current is null || offset is not null || !long.TryParse(line[4..], NumberStyles.None, CultureInfo.InvariantCulture, out var at))
                    {
                        return null;
                    }

                    offset = at;
                }
                else if (offset is not null)
                {
                    AppendHex(hex, line);
                }
                else if (line.Trim().Length > 0)
                {
                    return null;
                }
            }

            Close();
            var names = new StringBuilder();
            foreach (var line in Section(output, skipped + SkippedMark.Length + 2, end).Split('\n'))
            {
                AppendHex(names, line);
            }

            var odd = Encoding.UTF8.GetString(Convert.FromHexString(names.ToString()))
                .Split('\0', StringSplitOptions.RemoveEmptyEntries)
                .Select(name => name.StartsWith("./", StringComparison.Ordinal) ? name[2..] : name)
                .ToList();
            return new Parsed(files, odd);
        }
        catch (FormatException)
        {
            // Odd hex: a reply garbled on the way. Retried next poll.
            return null;
        }
    }

    // An empty section: its two marks share the newline between them.
    private static string Section(string output, int start, int end) => start >= end ? "" : output[start..end];

    // od -An -v -tx1: two hex digits per byte, separated by blanks.
    private static void AppendHex(StringBuilder hex, string line)
    {
        foreach (var character in line)
        {
            if (character is not (' ' or '\t' or '\r'))
            {
                hex.Append(character);
            }
        }
    }

    /// <summary>A regular file of the site directory: its path there, size, cksum (null for append-only files), and new bytes from Offset when sent.</summary>
    public sealed record RemoteFile(string Path, long Size, string? Checksum, long? Offset = null, byte[]? Bytes = null);

    /// <summary>The files, and the odd names (and links) the remote skipped (cut at 2 KiB).</summary>
    public sealed record Parsed(IReadOnlyList<RemoteFile> Files, IReadOnlyList<string> Skipped);
}
