using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What a batch citation needs from a ledger entry: its status and experiments, read in one forward
/// pass of <see cref="Utf8JsonReader"/> instead of a <see cref="JsonDocument"/>, a <see cref="LedgerEntry"/>
/// and a re-serialised statepoint. Over 100,000 entries that is the difference between the parse
/// dominating and the file reads dominating.
/// <para>
/// The pass is a conservative acceptor: it accepts an entry only when it is sure that
/// <see cref="LedgerEntryParser.Parse"/> would accept it with the same status and experiments, which
/// holds for every file the ledger writes (canonical JSON). At the first thing it is not sure of (an
/// escaped or repeated key, an unknown status spelling, a time it cannot parse, any JSON error) it hands
/// the file to <see cref="LedgerEntryParser"/>, whose verdict (the entry, or the
/// <c>LedgerEntryInvalid</c> finding with its message) is final. So a file that is not JSON or has an
/// unknown <c>schema_version</c> gives exactly the finding it always gave.
/// </para>
/// </summary>
internal sealed record LedgerEntrySummary(RunStatus Status, IReadOnlyList<string> Experiments)
{
    private const int MaxDepth = 64;

    private static readonly (byte[] Name, RunStatus Status)[] TerminalStatuses =
        Enum.GetValues<RunStatus>().Where(s => s.IsTerminal()).Select(s => (System.Text.Encoding.UTF8.GetBytes(s.ToName()), s)).ToArray();

    private static readonly string[] TimeFields = ["created_at", "started_at", "ended_at", "promoted_at"];

    /// <summary>The entry's summary, or the finding the full parser gives for the file.</summary>
    public static (LedgerEntrySummary? Summary, LedgerFinding? Problem) Read(ReadOnlySpan<byte> bytes, string fileName)
    {
        if (TryReadCanonical(bytes, fileName, out var summary))
        {
            return (summary, null);
        }

        var (entry, problem) = LedgerEntryParser.Parse(bytes, fileName);
        return entry is null ? (null, problem) : (new LedgerEntrySummary(entry.Status, entry.Experiments), null);
    }

    /// <summary>
    /// True only when the full parser is certain to accept the file with this status and experiments.
    /// Besides the top-level fields it checks what the full parser would trip over anywhere in the file:
    /// every string must be valid UTF-8 (GetString throws otherwise), every object's keys must be strictly
    /// ascending (so none is repeated: the canonical statepoint refuses duplicates, and for top-level
    /// fields the last copy would win), and every non-integer number must be finite.
    /// </summary>
    internal static bool TryReadCanonical(ReadOnlySpan<byte> bytes, string fileName, out LedgerEntrySummary? summary)
    {
        summary = null;
        if (!fileName.EndsWith(".json", StringComparison.Ordinal) || !LedgerRunId.IsValid(fileName[..^5]))
        {
            return false;
        }

        var expectedId = fileName.AsSpan(0, fileName.Length - 5);
        try
        {
            var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            // The start and length of the previous key at each depth, to check that keys ascend.
            Span<(int Start, int Length)> previousKey = stackalloc (int, int)[MaxDepth + 1];
            previousKey[1] = (0, -1);
            var sawSchema = false;
            var sawId = false;
            RunStatus? status = null;
            List<string>? experiments = null;

            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        previousKey[reader.CurrentDepth + 1] = (0, -1);
                        break;
                    case JsonTokenType.PropertyName:
                        if (!KeyAscends(bytes, ref reader, previousKey))
                        {
                            return false;
                        }

                        if (reader.CurrentDepth == 1 && reader.ValueTextEquals("statepoint"u8))
                        {
                            // Re-serialised by the full parser: its tokens are checked by this loop; only
                            // its shape is checked here.
                            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                            {
                                return false;
                            }

                            previousKey[reader.CurrentDepth + 1] = (0, -1);
                        }
                        else if (reader.CurrentDepth == 1 && !ReadTopLevelField(ref reader, expectedId, ref sawSchema, ref sawId, ref status, ref experiments))
                        {
                            return false;
                        }

                        break;
                    case JsonTokenType.String:
                        if (!IsReadableString(ref reader))
                        {
                            return false;
                        }

                        break;
                    case JsonTokenType.Number:
                        if (!IsAcceptedNumber(ref reader))
                        {
                            return false;
                        }

                        break;
                }
            }

            if (!sawSchema || !sawId || status is null)
            {
                return false;
            }

            summary = new LedgerEntrySummary(status.Value, experiments ?? []);
            return true;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Reads the value of a top-level field the summary or the full parser's checks depend on; false when
    /// the value is not in the form the ledger writes. Leaves the reader on the value's last token.
    /// </summary>
    private static bool ReadTopLevelField(
        ref Utf8JsonReader reader,
        ReadOnlySpan<char> expectedId,
        ref bool sawSchema,
        ref bool sawId,
        ref RunStatus? status,
        ref List<string>? experiments)
    {
        if (reader.ValueTextEquals("schema_version"u8))
        {
            sawSchema = reader.Read() && reader.TokenType == JsonTokenType.Number
                && reader.TryGetInt32(out var schema) && schema == LedgerProjection.SchemaVersion;
            return sawSchema;
        }

        if (reader.ValueTextEquals("id"u8))
        {
            sawId = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(expectedId);
            return sawId;
        }

        if (reader.ValueTextEquals("status"u8))
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            {
                return false;
            }

            foreach (var (name, terminal) in TerminalStatuses)
            {
                if (reader.ValueTextEquals(name))
                {
                    status = terminal;
                    return true;
                }
            }

            return false;
        }

        if (reader.ValueTextEquals("experiments"u8))
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return false;
            }

            experiments = [];
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.String || !IsReadableString(ref reader))
                {
                    return false;
                }

                experiments.Add(reader.GetString()!);
            }

            return true;
        }

        foreach (var field in TimeFields)
        {
            if (reader.ValueTextEquals(field))
            {
                if (!reader.Read())
                {
                    return false;
                }

                // The full parser reads a time from a string only, and throws FormatException exactly when
                // TryParse (same culture and styles) is false.
                return reader.TokenType == JsonTokenType.Null
                    || (reader.TokenType == JsonTokenType.String
                        && IsReadableString(ref reader)
                        && DateTimeOffset.TryParse(reader.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out _));
            }
        }

        return true;
    }

    private static bool KeyAscends(scoped ReadOnlySpan<byte> bytes, ref Utf8JsonReader reader, scoped Span<(int Start, int Length)> previousKey)
    {
        if (reader.ValueIsEscaped || !Utf8.IsValid(reader.ValueSpan))
        {
            return false;
        }

        // TokenStartIndex is the opening quote; with a single-span input ValueSpan is a slice of it.
        var start = (int)reader.TokenStartIndex + 1;
        var key = reader.ValueSpan;
        ref var previous = ref previousKey[reader.CurrentDepth];
        if (previous.Length >= 0 && key.SequenceCompareTo(bytes.Slice(previous.Start, previous.Length)) <= 0)
        {
            return false;
        }

        previous = (start, key.Length);
        return true;
    }

    private static bool IsReadableString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        // An escape such as a lone \uD800 makes GetString throw (InvalidOperationException), as it would
        // in the full parser; the caller turns that into "not sure".
        reader.GetString();
        return true;
    }

    /// <summary>
    /// A number the full parser reads as a double (<c>wall_seconds</c>) must parse as one; one the canonical
    /// statepoint writes as a float (with a fraction or exponent) must also be finite. Integers are
    /// re-serialised as they are.
    /// </summary>
    private static bool IsAcceptedNumber(ref Utf8JsonReader reader)
    {
        if (!reader.TryGetDouble(out var value))
        {
            return false;
        }

        return double.IsFinite(value) || reader.ValueSpan.IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0;
    }
}
