using SwarmPS.Trainer;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// The contract's tokens and examples on a small file: each non-empty line is its tokens plus end-of-line,
/// one example per position with the three tokens before it (padding before the line starts), numbered in
/// file order; a character the model has no token for is refused naming its line and column.
/// </summary>
public sealed class ExampleSetTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-examples-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_directory, "data.txt");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Each_token_of_the_vocabulary_maps_as_the_contract_lists_it()
    {
        Assert.Equal(2, CharacterTokens.Of((byte)'a'));
        Assert.Equal(27, CharacterTokens.Of((byte)'z'));
        Assert.Equal(28, CharacterTokens.Of((byte)' '));
        Assert.Equal(29, CharacterTokens.Of((byte)'.'));
        Assert.Equal(30, CharacterTokens.Of((byte)','));
        Assert.Equal(31, CharacterTokens.Of((byte)'\''));
        Assert.All("AZ\r\t09-!\"".Select(c => (byte)c), c => Assert.Equal(-1, CharacterTokens.Of(c)));
    }

    [Fact]
    public void Lines_become_examples_in_file_order_with_padded_contexts_and_an_end_of_line_target()
    {
        // "abcd" → a b c d EOL (5 examples), the empty line is skipped, "z'." → z ' . EOL (4 examples).
        var examples = ExampleSet.Read(Write("abcd\n\nz'.\n"));

        Assert.Equal(9, examples.Count);
        Assert.Equal(2, examples.LineCount);
        Assert.Equal(new byte[] { 2, 3, 4, 5, 1, 27, 31, 29, 1 }, examples.Targets);
        Assert.Equal(new byte[]
        {
            0, 0, 0, // → a
            0, 0, 2, // → b
            0, 2, 3, // → c
            2, 3, 4, // → d
            3, 4, 5, // → EOL
            0, 0, 0, // → z (a new line starts from padding)
            0, 0, 27,
            0, 27, 31,
            27, 31, 29,
        }, examples.Contexts);
    }

    [Fact]
    public void A_last_line_without_a_newline_is_read_too()
    {
        var examples = ExampleSet.Read(Write("ab\ncd"));

        Assert.Equal(6, examples.Count);
        Assert.Equal(new byte[] { 2, 3, 1, 4, 5, 1 }, examples.Targets);
    }

    [Theory]
    [InlineData("ab\nAb\n", 2, 1, "'A'")]
    [InlineData("ab\r\ncd\n", 1, 3, "0x0d")]
    [InlineData("ok\n\nfine\nna\u00efve\n", 4, 3, "0xc3")]
    [InlineData("tab\there\n", 1, 4, "0x09")]
    public void A_character_the_model_has_no_token_for_is_refused_naming_the_line(string text, int line, int column, string shown)
    {
        var error = Assert.Throws<SwarmException>(() => ExampleSet.Read(Write(text)));

        Assert.Equal("DataFileInvalid", error.ErrorId);
        Assert.Contains($"line {line}, column {column}", error.Message);
        Assert.Contains(shown, error.Message);
    }

    [Fact]
    public void A_file_with_no_text_too_large_or_not_regular_is_refused()
    {
        Assert.Equal("DataFileInvalid", Assert.Throws<SwarmException>(() => ExampleSet.Read(Write("\n\n"))).ErrorId);
        Assert.Equal("DataFileInvalid", Assert.Throws<SwarmException>(() => ExampleSet.Read(Write(new string('a', (int)ExampleSet.MaxBytes + 1)))).ErrorId);
        Assert.Equal("TrainerInputNotFound", Assert.Throws<SwarmException>(() => ExampleSet.Read(Path.Combine(_directory, "absent.txt"))).ErrorId);

        // A device never ends: only its size is read (0 for /dev/zero), never the endless stream behind it.
        Assert.Equal("DataFileInvalid", Assert.Throws<SwarmException>(() => ExampleSet.Read("/dev/zero")).ErrorId);
        Assert.Equal("TrainerJobInvalid", Assert.Throws<SwarmException>(() => TrainerJob.Read("/dev/zero")).ErrorId);
    }
}
