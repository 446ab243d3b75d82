using SwarmPS.Engine;

namespace SwarmPS.Trainer;

/// <summary>The trainer's errors that more than one part raises; each part's own errors live beside it.</summary>
internal static class TrainerErrors
{
    public static SwarmException InputNotFound(string what, string path) => new(
        "TrainerInputNotFound",
        $"The {what} '{path}' does not exist (or is not a file).",
        "Check the path in the job file; a relative path is resolved from the trainer's working directory.",
        SwarmErrorCategory.ObjectNotFound,
        path);

    public static SwarmException OutputFailed(string path, Exception error) => new(
        "TrainerOutputFailed",
        $"The trainer could not write '{path}': {error.Message}",
        "Check that output_directory is on a writable file system with room, and that you own it.",
        SwarmErrorCategory.ResourceUnavailable,
        path,
        error);
}
