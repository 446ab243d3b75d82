namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// The one thing a task value cannot hold: a NUL character, because neither environment variables nor
/// bash strings can carry it. Everything else (tabs, newlines, quotes, non-ASCII) is delivered verbatim.
/// </summary>
internal static class TaskValueRule
{
    public static void Check(string parameter, string value)
    {
        if (value.Contains('\0'))
        {
            throw new SwarmException(
                "TaskValueInvalid",
                $"A value of parameter '{parameter}' contains a NUL character, which no environment variable can carry.",
                "Remove the NUL character, or pass binary data as a file path instead of a value.",
                SwarmErrorCategory.InvalidData,
                parameter);
        }
    }
}
