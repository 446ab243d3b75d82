using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// A statepoint text as it can be compared between an intent and the ledger. The ledger scrubs every
/// string (docs/ledger.md, "Sanitization") with the paths of the machine that promoted the run, and
/// Submit-SwarmJob makes a relative script path absolute: <c>train.py</c> in the intent may be
/// <c>./train.py</c> or <c>&lt;path&gt;/train.py</c> in the ledger. So texts are compared by what follows
/// their last '/', and a text the ledger redacted (it holds <c>&lt;redacted&gt;</c>) matches any value:
/// a secret cannot be compared, only its place.
/// </summary>
internal static class LedgerComparable
{
    public static string Key(string text)
    {
        var cut = text.LastIndexOf('/');
        return cut >= 0 ? text[(cut + 1)..] : text;
    }

    public static bool IsRedacted(string text) => text.Contains(LedgerProjection.Redacted, StringComparison.Ordinal);

    public static bool Same(string intent, string ledger) =>
        IsRedacted(ledger) || IsRedacted(intent) || string.Equals(Key(intent), Key(ledger), StringComparison.Ordinal);

    /// <summary>Two commands are the same when they have as many arguments and each is <see cref="Same"/>.</summary>
    public static bool SameCommand(IReadOnlyList<string> intent, IReadOnlyList<string> ledger) =>
        intent.Count == ledger.Count && intent.Zip(ledger).All(pair => Same(pair.First, pair.Second));
}
