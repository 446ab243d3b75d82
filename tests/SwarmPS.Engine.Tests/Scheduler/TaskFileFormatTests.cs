using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

public sealed class TaskFileFormatTests
{
    [Theory]
    [InlineData("plain")]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("line1\nline2\n")]
    [InlineData("it's \"quoted\" \\ back\\slash \\x41")]
    [InlineData("$(rm -rf /) `x` ; & | > *")]
    [InlineData("grüße 日本 🚀")]
    [InlineData("a=b=c")]
    public void Encoding_round_trips_and_holds_no_whitespace(string value)
    {
        var encoded = TaskFileFormat.Encode(value);

        Assert.DoesNotContain(encoded, c => char.IsWhiteSpace(c));
        Assert.Equal(value, TaskFileFormat.Decode(encoded));
    }

    [Fact]
    public void Lines_carry_the_task_index_so_a_subset_file_still_names_its_tasks()
    {
        var set = TaskSet.Product(new[] { TaskAxis.Of("x", new object[] { "a", "b c" }) });

        var text = System.Text.Encoding.UTF8.GetString(TaskFileFormat.Write(set, new long[] { 1 }));

        Assert.Equal("1 X=b\\x20c\n", text);
    }
}
