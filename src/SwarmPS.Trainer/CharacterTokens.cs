namespace SwarmPS.Trainer;

/// <summary>
/// The tiny model's 32 tokens: 0 padding (the context before a line starts), 1 end of line, 2–27 a–z,
/// 28 space, 29 '.', 30 ',', 31 '\''. Every other character has no token, and a data file holding one is refused.
/// </summary>
internal static class CharacterTokens
{
    public const int Count = 32;

    public const int Padding = 0;

    public const int EndOfLine = 1;

    /// <summary>The token of <paramref name="c"/>, or -1 when the model has none for it.</summary>
    public static int Of(byte c) => c switch
    {
        >= (byte)'a' and <= (byte)'z' => 2 + (c - 'a'),
        (byte)' ' => 28,
        (byte)'.' => 29,
        (byte)',' => 30,
        (byte)'\'' => 31,
        _ => -1,
    };
}
