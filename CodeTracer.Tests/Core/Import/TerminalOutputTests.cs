using CodeTracer.Core.Import.Formats.ClaudeCode;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;

namespace CodeTracer.Tests.Core.Import;

/// <summary>Cleaning terminal output and recovering stream-json events from it.</summary>
public sealed class TerminalOutputTests
{
    private static List<TerminalLine> Decode(params string[] chunks)
    {
        var lines = new List<TerminalLine>();
        var decoder = new TerminalLineDecoder(lines.Add);
        for (var i = 0; i < chunks.Length; i++) decoder.Write(chunks[i], i + 1, i);
        decoder.Flush();
        return lines;
    }

    [Fact]
    public void Decode_AnsiSequencesSplitAcrossChunks_AreRemoved()
    {
        var lines = Decode("\u001b[1", ";32mgreen\u001b", "[0m text\u001b]0;title\u0007 end\r\n");

        var line = Assert.Single(lines);
        Assert.Equal("green text end", line.Text);
        Assert.Equal(2, line.FirstTag);
        Assert.Equal(3, line.LastTag);
    }

    [Fact]
    public void Decode_CarriageReturns_EndLines()
    {
        var lines = Decode("a\r\nb\rc\n\u001b[?2004hd", "\r", "\ne");

        Assert.Equal(["a", "b", "c", "d", "e"], lines.Select(l => l.Text));
    }

    [Fact]
    public void Decode_OscTerminatedByStringTerminator_AndCharsetSelection()
    {
        var lines = Decode("\u001b]2;x\u001b\\\u001b(Bplain\u0007\u000f text\n");

        Assert.Equal("plain text", Assert.Single(lines).Text);
    }

    [Fact]
    public void Decode_UnterminatedOsc_DoesNotSwallowTheNextLine()
    {
        var lines = Decode("\u001b]0;title without end\nnext line\n");

        Assert.Equal(["", "next line"], lines.Select(l => l.Text));
    }

    private static (List<RecoveredEvent> Events, List<ImportWarning> Warnings) Extract(params string[] lines)
    {
        var extractor = new StreamJsonLineExtractor("agent.cast");
        for (var i = 0; i < lines.Length; i++) extractor.Add(new TerminalLine(lines[i], i + 1, i + 1, i));
        var warnings = new List<ImportWarning>();
        extractor.Finish(warnings);
        return (extractor.Events.ToList(), warnings);
    }

    [Fact]
    public void Extract_DebugBlockWrittenInsideAnEvent_IsCutOut()
    {
        var (events, warnings) = Extract(
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"te[log_1a2b3c] sending request {",
            "  method: 'post',",
            "  headers: {",
            "    accept: 'application/json'",
            "  }",
            "}",
            "xt\":\"hi\"}]}}");

        var recovered = Assert.Single(events);
        Assert.Equal("{\"type\":\"assistant\",\"message\":{\"id\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}}", recovered.Json);
        Assert.Equal(1, recovered.FirstLine);
        Assert.Equal(7, recovered.LastLine);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Extract_DebugLinesBetweenEvents_AreSkipped()
    {
        var (events, _) = Extract(
            "response 200 http://localhost/v1/messages Headers {",
            "  'x': '{\"type\":\"fake\"}'",
            "} ReadableStream { locked: false }",
            "[log_abc] post http://localhost/v1/messages succeeded",
            "{\"type\":\"user\",\"message\":{}}{\"type\":\"result\"}");

        Assert.Equal(["{\"type\":\"user\",\"message\":{}}", "{\"type\":\"result\"}"], events.Select(e => e.Json));
    }

    [Fact]
    public void Extract_EventThatNeverCloses_IsReportedAndDoesNotHideTheNextOne()
    {
        var (events, warnings) = Extract(
            "{\"type\":\"assistant\",\"message\":{\"content\":\"cut",
            "{\"type\":\"result\",\"subtype\":\"success\"}");

        Assert.Equal("{\"type\":\"result\",\"subtype\":\"success\"}", Assert.Single(events).Json);
        var warning = Assert.Single(warnings);
        Assert.Equal("stream-json-incomplete", warning.Code);
        Assert.Equal("line 1", warning.Location);
    }

    [Fact]
    public void Extract_BracesInsideStrings_DoNotEndTheEvent()
    {
        var (events, _) = Extract("{\"type\":\"user\",\"text\":\"a } b { \\\" }\"} trailing");

        Assert.Equal("{\"type\":\"user\",\"text\":\"a } b { \\\" }\"}", Assert.Single(events).Json);
    }

    [Theory]
    [InlineData("['claude --verbose --output-format stream-json -p \\'Say \"hi\".\\' --allowedTools Bash', 'Enter']", "Say \"hi\".")]
    [InlineData("[\"claude --output-format stream-json -p 'It'\\\\''s here' --verbose\", 'Enter']", "It's here")]
    public void Commands_ClaudePrompt_ReadThroughPythonAndShellQuoting(string line, string expected)
    {
        var command = Assert.Single(TerminalBenchCommands.Read(line + "\n['C-d']\n"), TerminalBenchCommands.IsClaudeStreamJson);

        Assert.Equal(expected, TerminalBenchCommands.ClaudePrompt(command));
    }
}
