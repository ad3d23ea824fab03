using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Formats.MiniSweAgent;
using CodeTracer.Core.Import.Formats.SweAgent;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class MiniSweAgentImporterTests
{
    private static readonly string s_v1 = TestData.Path("mini-swe-agent", "run-v1", "trajs", "acme__lib-5", "acme__lib-5.traj.json");
    private static readonly string s_v11 = TestData.Path("mini-swe-agent", "run-v11", "run_a", "acme__lib-9", "acme__lib-9.traj.json");
    private static readonly string s_degenerate = TestData.Path("mini-swe-agent", "run-v11", "run_a", "acme__lib-10", "acme__lib-10.traj.json");

    private static Run ReadOne(string path)
    {
        var batch = TestServices.ImportService().Parse([path], CancellationToken.None);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Runs);
    }

    [Fact]
    public void Parse_V1_OneStepPerAssistantMessageWithBashBlockAsCommand()
    {
        var run = ReadOne(s_v1);

        Assert.Equal(Frameworks.MiniSweAgent, run.Framework);
        Assert.Equal(RunFormats.MiniSweAgentTraj, run.Format);
        Assert.Equal("1", run.FormatVersion);
        Assert.Equal([1, 2, 3, 4, 5, 6], run.Steps.Select(s => s.Id));
        Assert.Equal("cat lib/parse.py", run.Steps[0].ToolCalls[0].Command);
        Assert.Equal("python -c 'import lib.parse as p; assert p.parse(\"a,b\") == [\"a\", \"b\"]'", run.Steps[1].ToolCalls[0].Command);
        Assert.Equal([0, 1, null, null, 0, null], run.Steps.Select(s => s.ToolCalls[0].ExitCode));
        Assert.Equal("/messages/2", run.Steps[0].Provenance!.JsonPointer);
    }

    [Fact]
    public void Parse_V1_ObservationIsOutputWithoutReturnCodeWrapper()
    {
        var run = ReadOne(s_v1);

        Assert.Equal("def parse(line):\n    return line.split(',')[:-1]\n", run.Steps[0].ToolCalls[0].Observation);
        Assert.Contains("AssertionError", run.Steps[1].ToolCalls[0].Observation);
        Assert.False(run.Steps[1].ToolCalls[0].IsError);
        // Elided output stays as the model saw it.
        Assert.Contains("<elided_chars>\n588885 characters elided\n</elided_chars>", run.Steps[4].ToolCalls[0].Observation);
    }

    [Fact]
    public void Parse_V1_ThoughtIsTextWithoutLabelAndCommand()
    {
        var run = ReadOne(s_v1);
        Assert.Equal("Let me look at the parser first.", run.Steps[0].Thought);
    }

    [Fact]
    public void Parse_V1_FormatError_IsRejectedCallWithHarnessMessage()
    {
        var step = ReadOne(s_v1).Steps[2];

        var call = Assert.Single(step.ToolCalls);
        Assert.Equal(MiniSweAgentTrajImporter.FormatErrorTool, call.Tool);
        Assert.True(call.IsError);
        Assert.Null(call.ExitCode);
        Assert.Equal("sed -i 's/\\[:-1\\]//' lib/parse.py\npytest -q", call.Command);
        Assert.StartsWith("Please always provide EXACTLY ONE action", call.Observation);
        // A rejected turn keeps its whole text, both blocks included.
        Assert.Contains("```bash\npytest -q\n```", step.Thought);
    }

    [Fact]
    public void Parse_V1_HarnessRejectsTurnWithOneBlock_IsFormatError()
    {
        // A harness whose own rules are stricter than one bash block (here, a block with no command text left) says so
        // with its format-error template; that answer, not the block count, decides.
        using var dir = new TempDirectory();
        var path = dir.Write("acme__lib-20.traj.json", "{\"info\": {\"config\": {\"agent\": {\"format_error_template\": \"Your output was malformed: {{error}}\"}}},"
            + " \"messages\": [{\"role\": \"user\", \"content\": \"task\"}, {\"role\": \"assistant\", \"content\": \"```bash\\n \\n```\"},"
            + " {\"role\": \"user\", \"content\": \"Your output was malformed: empty command\"}], \"trajectory_format\": \"mini-swe-agent-1\"}");

        var call = Assert.Single(ReadOne(path).Steps).ToolCalls[0];

        Assert.Equal(MiniSweAgentTrajImporter.FormatErrorTool, call.Tool);
        Assert.True(call.IsError);
        Assert.Equal("Your output was malformed: empty command", call.Observation);
    }

    [Fact]
    public void Parse_V1_Timeout_IsErrorWithNoticeAsObservation()
    {
        var call = ReadOne(s_v1).Steps[3].ToolCalls[0];

        Assert.Equal("bash", call.Tool);
        Assert.True(call.IsError);
        Assert.Null(call.ExitCode);
        Assert.StartsWith("The last command <command>", call.Observation);
    }

    [Fact]
    public void Parse_V1_SubmittedDiffIsLastObservation()
    {
        var call = ReadOne(s_v1).Steps[5].ToolCalls[0];

        Assert.StartsWith("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", call.Command);
        Assert.StartsWith("diff --git a/lib/parse.py", call.Observation);
        Assert.False(call.IsError);
    }

    [Fact]
    public void Parse_V1_TaskModelAndMetrics()
    {
        var run = ReadOne(s_v1);

        Assert.Equal("acme__lib-5", run.Task.Id);
        Assert.Contains("parse() drops the last field", run.Task.Text);
        Assert.Equal("acme/tiny-coder", run.Model);
        Assert.Equal("Submitted", run.ExitStatus);
        Assert.Equal(0.042, run.Metrics.CostUsd);
        Assert.Equal(6, run.Metrics.ApiCalls);
        Assert.Equal(8400, run.Metrics.PromptTokens);
        Assert.Equal(270, run.Metrics.CompletionTokens);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1763509960), run.Steps[0].StartedAtUtc);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Parse_V11_ParallelToolCallsStayInOneStepJoinedById()
    {
        var run = ReadOne(s_v11);

        Assert.Equal("1.1", run.FormatVersion);
        Assert.Equal(4, run.Steps.Count);
        var first = run.Steps[0];
        Assert.Equal(["call_01", "call_02"], first.ToolCalls.Select(c => c.CallId));
        Assert.Equal(["cat lib/fmt.py", "grep -rn pad lib"], first.ToolCalls.Select(c => c.Command));
        Assert.Equal([0, 0], first.ToolCalls.Select(c => c.ExitCode));
        Assert.Equal("lib/fmt.py:2:    return s.rjust(n, '-')\n", first.ToolCalls[1].Observation);
        Assert.Equal("{\"command\": \"cat lib/fmt.py\"}", first.ToolCalls[0].Arguments);
        Assert.Equal([0.5, 0.75], first.ToolCalls.Select(c => c.DurationSeconds));
    }

    [Fact]
    public void Parse_V11_ReasoningTimestampsAndTokens()
    {
        var run = ReadOne(s_v11);
        var first = run.Steps[0];

        Assert.Null(first.Thought);
        Assert.Equal("I should read fmt.py and grep for pad at the same time.", first.Reasoning);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1775809100), first.StartedAtUtc);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1775809101.25), first.EndedAtUtc);
        Assert.Equal(900, first.Tokens!.Prompt);
        Assert.Equal(0.0005, first.Tokens.CostUsd);
        Assert.Equal(100, run.Metrics.CachedTokens);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1775809168), run.Metrics.EndedAtUtc);
        Assert.Equal("openai/tiny-model", run.Model);
    }

    [Fact]
    public void Parse_V11_TurnWithoutToolCall_ShowsFormatError()
    {
        var step = ReadOne(s_v11).Steps[1];

        Assert.Equal("I will just describe the fix without a tool call.", step.Thought);
        var call = Assert.Single(step.ToolCalls);
        Assert.Equal(MiniSweAgentTrajImporter.FormatErrorTool, call.Tool);
        Assert.Null(call.Command);
        Assert.True(call.IsError);
        Assert.StartsWith("Tool call error:", call.Observation);
    }

    [Fact]
    public void Parse_V11_ToolException_IsErrorWithReturnCode()
    {
        var call = ReadOne(s_v11).Steps[2].ToolCalls[0];

        Assert.Equal(-1, call.ExitCode);
        Assert.True(call.IsError);
        Assert.Equal(60, call.DurationSeconds);
        Assert.Equal("", call.Observation);
    }

    [Fact]
    public void Parse_V11_ExitMessageGivesStatusAndSubmission()
    {
        var run = ReadOne(s_v11);

        Assert.Equal("Submitted", run.ExitStatus);
        Assert.Equal("diff --git a/lib/fmt.py b/lib/fmt.py\n", run.Steps[3].ToolCalls[0].Observation);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Parse_DegenerateRun_HasNoStepsAndSaysWhy()
    {
        var run = ReadOne(s_degenerate);

        Assert.Empty(run.Steps);
        Assert.Equal("Timeout", run.ExitStatus);
        Assert.Contains("fmt() crashes on None", run.Task.Text);
        Assert.Equal(["agent-exception", "no-steps"], run.Warnings.Select(w => w.Code).Order());
        Assert.Contains("Connection timed out after 600.0 seconds", run.Warnings.Single(w => w.Code == "agent-exception").Message);
    }

    [Fact]
    public void Parse_MessagesNotArray_NamesJsonPath()
    {
        var path = TestData.Path("mini-swe-agent", "bad", "messages-object.traj.json");
        var error = Assert.Single(TestServices.ImportService().Parse([path], CancellationToken.None).Errors);

        Assert.Equal("$.messages", error.Location);
        Assert.Contains("found an object", error.Reason);
    }

    [Fact]
    public void Parse_TruncatedTrajJson_ReportsLine()
    {
        var path = TestData.Path("mini-swe-agent", "bad", "truncated.traj.json");
        var error = Assert.Single(TestServices.ImportService().Parse([path], CancellationToken.None).Errors);

        Assert.Equal(path, error.File);
        Assert.StartsWith("line 24", error.Location);
        Assert.Contains("truncated", error.Reason);
    }

    [Fact]
    public void CanRead_FormatNamedOnlyAfterHugeSubmission_IsDetectedFromTheEnd()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("x.json", "{\"info\": {\"exit_status\": \"Submitted\", \"submission\": \"" + new string('d', 200_000)
            + "\"}, \"messages\": [], \"trajectory_format\": \"mini-swe-agent-1\", \"instance_id\": \"x\"}");
        var sniff = FileSniffer.Sniff(path, 64 * 1024);

        Assert.True(new MiniSweAgentTrajImporter().CanRead(sniff));
        Assert.False(new SweAgentTrajImporter().CanRead(sniff));
    }

    [Fact]
    public void CanRead_OtherChatLog_IsNotClaimed()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("chat.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + new string('m', 70_000) + "\"}], \"format\": \"other\"}");
        Assert.False(new MiniSweAgentTrajImporter().CanRead(FileSniffer.Sniff(path, 64 * 1024)));
    }

    [Theory]
    [InlineData("<returncode>0</returncode>\n<output>\nok\n</output>", 0, null, "ok\n")]
    [InlineData("<returncode>127</returncode>\n<output>\nsh: foo: not found\n</output>", 127, null, "sh: foo: not found\n")]
    [InlineData("<exception>timed out</exception>\n<returncode>-1</returncode>\n<output>\n</output>", -1, "timed out", "")]
    [InlineData("<returncode>0</returncode>\n<warning>\ntoo long\n</warning><output_head>\na\n</output_head>", 0, null, "<warning>\ntoo long\n</warning><output_head>\na\n</output_head>")]
    [InlineData("diff --git a/x b/x", null, null, "diff --git a/x b/x")]
    public void ObservationParse_RenderedOutput_SplitsCodeAndText(string rendered, int? exitCode, string? exception, string text)
    {
        var parsed = MiniSweAgentObservation.Parse(rendered);

        Assert.Equal(exitCode, parsed.ExitCode);
        Assert.Equal(exception, parsed.Exception);
        Assert.Equal(text, parsed.Text);
    }
}
