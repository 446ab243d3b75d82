using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>The errors a submit command can end in, worded the same for every scheduler.</summary>
internal static class SubmitErrors
{
    /// <summary>The scheduler's own words: its stderr, else its stdout, trimmed.</summary>
    public static string Message(ShellResult result)
    {
        var text = string.IsNullOrWhiteSpace(result.StandardError) ? result.StandardOutput : result.StandardError;
        text = text.Trim();
        return text.Length == 0 ? $"exit code {result.ExitCode} and no message" : text;
    }

    public static SwarmException UnknownQueue(string scheduler, string noun, string? queue, string message, string listCommand, string target) => new(
        "QueueUnknown",
        $"{scheduler} does not know the {noun} '{queue ?? "(default)"}': {message}",
        $"Use a {noun} that '{listCommand}' lists on the site: set Queue in the site profile or pass -Queue.",
        SwarmErrorCategory.ObjectNotFound,
        target);

    public static SwarmException Rejected(string program, string message, string target) => new(
        "SubmitRejected",
        $"{program} refused the job: {message}",
        "Fix what the scheduler names (account, limits, resources in -Resources), then run Submit-SwarmJob again: arrays already queued are not submitted twice.",
        SwarmErrorCategory.InvalidOperation,
        target);
}
