using CodeTracer.Core.Import.Formats.Terminus2;

namespace CodeTracer.Tests.Core.Import;

public sealed class TerminusResponseParserTests
{
    [Fact]
    public void Parse_ProseAroundJson_ReadsTheObject()
    {
        var response = TerminusResponseParser.Parse(
            "Sure! Here is my plan {as always}.\n```json\n{\"analysis\": \"A\", \"plan\": \"P\", \"commands\": [{\"keystrokes\": \"ls\\n\", \"duration\": 0.1}], \"task_complete\": false}\n```\nDone.");

        Assert.NotNull(response);
        Assert.Equal("json", response.Parser);
        Assert.Equal("Analysis: A\nPlan: P", response.Thought);
        var command = Assert.Single(response.Commands);
        Assert.Equal("ls\n", command.Keystrokes);
        Assert.Equal(0.1, command.Duration);
        Assert.False(response.TaskComplete);
    }

    [Fact]
    public void Parse_UnclosedBraceInProse_StillFindsTheResponse()
    {
        var response = TerminusResponseParser.Parse("I will write `int main() {` later.\n{\"analysis\": \"A\", \"plan\": \"P\", \"commands\": []}");

        Assert.NotNull(response);
        Assert.Equal("Analysis: A\nPlan: P", response.Thought);
    }

    [Fact]
    public void Parse_Terminus1Fields_MapToAnalysisPlanAndTimeout()
    {
        var response = TerminusResponseParser.Parse(
            "{\"state_analysis\": \"S\", \"explanation\": \"E\", \"commands\": [{\"keystrokes\": \"make\\n\", \"is_blocking\": true, \"timeout_sec\": 60}], \"is_task_complete\": \"true\"}");

        Assert.NotNull(response);
        Assert.Equal("Analysis: S\nPlan: E", response.Thought);
        Assert.Equal(60, Assert.Single(response.Commands).Duration);
        Assert.True(response.TaskComplete);
    }

    [Fact]
    public void Parse_XmlResponse_DecodesEntitiesAndDurations()
    {
        var response = TerminusResponseParser.Parse(
            "<response><analysis>x &lt; y</analysis><plan>go</plan><commands><keystrokes duration=\"2.5\">echo a &gt; b\n</keystrokes><keystrokes>C-c</keystrokes></commands><task_complete>true</task_complete></response>");

        Assert.NotNull(response);
        Assert.Equal("xml", response.Parser);
        Assert.Equal("Analysis: x < y\nPlan: go", response.Thought);
        Assert.Equal(["echo a > b\n", "C-c"], response.Commands.Select(c => c.Keystrokes));
        Assert.Equal([2.5, null], response.Commands.Select(c => c.Duration));
        Assert.Contains("\"keystrokes\":\"C-c\"", response.Commands[1].ArgumentsJson);
        Assert.True(response.TaskComplete);
    }

    [Theory]
    [InlineData("{\n  \"analysis\": \"cut off in the middle of a sent")]
    [InlineData("I am not sure what to do next.")]
    [InlineData("{\"unrelated\": 1}")]
    [InlineData("")]
    public void Parse_NotATerminusResponse_ReturnsNull(string text)
    {
        Assert.Null(TerminusResponseParser.Parse(text));
    }
}
