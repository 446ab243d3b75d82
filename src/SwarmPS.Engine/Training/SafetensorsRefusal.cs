namespace SwarmPS.Engine.Training;

/// <summary>
/// Builds the refusal of a safetensors file: the file named in the message (its name, not where it
/// lives: the message may end up in a log others read) and the target (the full path), the problem
/// said in the format's own terms, and the fix. One place, so every refusal reads the same.
/// </summary>
internal static class SafetensorsRefusal
{
    public static SwarmException Refuse(string errorId, string path, string problem, string remediation) =>
        new(errorId,
            $"'{Path.GetFileName(path)}' is not a valid safetensors file: {problem}",
            remediation,
            SwarmErrorCategory.InvalidData,
            path);

    /// <summary>The fix for a file that is damaged rather than misused: nothing SwarmPS can repair.</summary>
    public const string Rewrite =
        "The file is damaged or was not written by a safetensors writer; write it again (safetensors.torch.save_file, PEFT save_pretrained, or SwarmPS) or fetch it again and compare its sha256.";
}
