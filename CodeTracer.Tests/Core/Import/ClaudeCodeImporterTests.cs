using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class ClaudeCodeImporterTests
{
    private static readonly string s_castTrial = TestData.Path("claude-code", "tb-run", "create-hello", "create-hello.1-of-1.2026-01-06__10-00-00");
    private static readonly string s_noRecordingTrial = TestData.Path("claude-code", "tb-run", "no-recording", "no-recording.1-of-1.2026-01-06__10-00-00");
    private static readonly string s_harborTrial = TestData.Path("claude-code", "harbor-job", "polyglot-hello__Xy7Kp2Q");

    [Fact]
    public void Read_CastTrial_OneStepPerAssistantMessage()
    {
        var run = ImportAssert.Single(s_castTrial);

        Assert.Equal(Frameworks.ClaudeCode, run.Framework);
        Assert.Equal(RunFormats.ClaudeCodeCast, run.Format);
        Assert.Equal("2.0.29", run.FormatVersion);
        Assert.Equal("claude-sonnet-4-5-20250929", run.Model);
        Assert.Equal(4, run.Steps.Count);

        var first = run.Steps[0];
        Assert.Equal("I'll check what is in /app first.", first.Thought);
        var ls = Assert.Single(first.ToolCalls);
        Assert.Equal("Bash", ls.Tool);
        Assert.Equal("toolu_1", ls.CallId);
        Assert.Equal("ls /app", ls.Command);
        Assert.Equal("{\"command\":\"ls /app\",\"description\":\"List /app\"}", ls.Arguments);
        Assert.Equal("notes.txt", ls.Observation);
        Assert.False(ls.IsError);

        Assert.Equal("Creating the file now.", run.Steps[2].Thought);
        Assert.Equal("/app/hello.txt", Assert.Single(run.Steps[2].ToolCalls).Command);
        Assert.Equal("Done: /app/hello.txt holds Hello.", run.Steps[3].Thought);
        Assert.Empty(run.Steps[3].ToolCalls);
    }

    [Fact]
    public void Read_CastTrial_ParallelCallsSplitAndInterruptedByDebugLogsStayInOneStep()
    {
        var run = ImportAssert.Single(s_castTrial);

        // msg_2's second tool_use event was cut in two with an SDK debug block written in between.
        var parallel = run.Steps[1];
        Assert.Equal(["Read", "Bash"], parallel.ToolCalls.Select(c => c.Tool));
        Assert.Equal("/app/notes.txt", parallel.ToolCalls[0].Command);
        Assert.Contains("remember the milk", parallel.ToolCalls[0].Observation);
        var grep = parallel.ToolCalls[1];
        Assert.Equal("grep -r TODO /app", grep.Command);
        Assert.True(grep.IsError);
        Assert.Equal(1, grep.ExitCode);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Read_CastTrial_ProvenanceAndTimesComeFromTheRecording()
    {
        var run = ImportAssert.Single(s_castTrial);
        var cast = Path.Combine(s_castTrial, "sessions", "agent.cast");

        var first = run.Steps[0];
        Assert.Equal(cast, first.Provenance!.File);
        // Header on line 1; msg_1's text event is on line 9, its tool_use split over lines 10-11, the result on 12.
        Assert.Equal(9, first.Provenance.LineStart);
        Assert.Equal(12, first.Provenance.LineEnd);
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1767693600 + 3.0), first.StartedAtUtc);
        Assert.Contains(run.Source.Files, f => f.Path == cast);
    }

    [Fact]
    public void Read_CastTrial_ResultEventAndResultsJson()
    {
        var run = ImportAssert.Single(s_castTrial);

        Assert.Equal("success", run.ExitStatus);
        Assert.Equal(12.5, run.Metrics.DurationSeconds);
        Assert.Equal(0.0123, run.Metrics.CostUsd);
        Assert.Equal(5, run.Metrics.ApiCalls);
        Assert.Equal(4500, run.Metrics.PromptTokens);
        Assert.Equal(3000, run.Metrics.CachedTokens);
        Assert.Equal(200, run.Metrics.CompletionTokens);

        Assert.Equal("create-hello", run.Task.Id);
        Assert.Equal("Create /app/hello.txt holding \"Hello\".", run.Task.Text);
        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_castTrial, "results.json") && e.Detail == "is_resolved: true");
        Assert.Equal(2, run.Outcome.TestResults.Count);
    }

    [Fact]
    public void Read_TrialWithoutRecording_ZeroStepsWithVerdictAndClearWarning()
    {
        var run = ImportAssert.Single(s_noRecordingTrial);

        Assert.Empty(run.Steps);
        Assert.Equal(RunFormats.ClaudeCodeCast, run.Format);
        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal("Start the VM and leave it running.", run.Task.Text);
        var noSteps = Assert.Single(run.Warnings, w => w.Code == "no-steps");
        Assert.Contains("not recorded", noSteps.Message);

        Assert.Equal("openai/app-proxy-42", run.Model);
        var model = Assert.Single(run.Warnings, w => w.Code == "model-from-run-metadata");
        Assert.Equal(TestData.Path("claude-code", "tb-run", "run_metadata.json"), model.File);
        Assert.Equal(2, run.Warnings.Count);
    }

    [Fact]
    public void Read_TrialWithoutRecording_IdDiffersFromAnotherTrialWithTheSameCommands()
    {
        using var dir = new TempDirectory();
        var commands = File.ReadAllText(Path.Combine(s_noRecordingTrial, "commands.txt"));
        dir.Write("a/no-recording.1-of-1.run-a/commands.txt", commands);
        dir.Write("b/no-recording.1-of-1.run-b/commands.txt", commands);

        var batch = ImportAssert.Parse(dir.Path);

        Assert.Empty(batch.Errors);
        Assert.Equal(2, batch.Runs.Count);
        Assert.NotEqual(batch.Runs[0].Id, batch.Runs[1].Id);
    }

    [Fact]
    public void ClaimsDirectory_CommandsWithoutClaude_RecordingStillShowsIt()
    {
        using var dir = new TempDirectory();
        dir.Write("t.1-of-1.x/commands.txt", "['bash /installed-agent/run.sh', 'Enter']\n");
        Directory.CreateDirectory(Path.Combine(dir.Path, "t.1-of-1.x", "sessions"));
        File.Copy(Path.Combine(s_castTrial, "sessions", "agent.cast"), Path.Combine(dir.Path, "t.1-of-1.x", "sessions", "agent.cast"));

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(RunFormats.ClaudeCodeCast, run.Format);
        Assert.Equal(4, run.Steps.Count);
        Assert.Equal("t", run.Task.Id);
    }

    [Fact]
    public void ClaimsDirectory_TrialOfAnotherInstalledAgent_NotClaimed()
    {
        using var dir = new TempDirectory();
        dir.Write("t.1-of-1.x/commands.txt", "['openhands --task x', 'Enter']\n");
        dir.Write("t.1-of-1.x/sessions/agent.cast", "{\"version\": 2, \"width\": 80, \"height\": 24}\n[0.1, \"o\", \"hello\\r\\n\"]\n");

        var error = Assert.Single(ImportAssert.Parse(dir.Path).Errors);
        Assert.Contains("no agent run found", error.Reason);
    }

    [Fact]
    public void Read_HarborTranscript_ParallelToolUsesShareOneStep()
    {
        var run = ImportAssert.Single(s_harborTrial);

        Assert.Equal(RunFormats.ClaudeCodeStreamJson, run.Format);
        Assert.Equal("kimi-k2.5", run.Model);
        Assert.Equal("2.1.89", run.FormatVersion);
        Assert.Equal(3, run.Steps.Count);

        var first = run.Steps[0];
        Assert.Equal("The task wants a C and Rust polyglot. Look around first.", first.Reasoning);
        Assert.Null(first.Thought);
        Assert.Equal(["Glob", "Grep", "TodoWrite"], first.ToolCalls.Select(c => c.Tool));
        Assert.Equal("**/*.rs in /app", first.ToolCalls[0].Command);
        Assert.Equal("fn main in /app/src", first.ToolCalls[1].Command);
        Assert.Equal("update todo list: 2 todos (1 in progress, 1 pending)", first.ToolCalls[2].Command);
        Assert.Equal("/app/src/main.rs:1:fn main() {\nFound 1 match", first.ToolCalls[1].Observation);
        Assert.Equal(new DateTime(2026, 4, 1, 13, 58, 42, DateTimeKind.Utc), first.EndedAtUtc);
        // Line 1 is system/init; msg_a's events start on line 2 and its last result is on line 9.
        Assert.Equal(2, first.Provenance!.LineStart);
        Assert.Equal(9, first.Provenance.LineEnd);

        var compile = Assert.Single(run.Steps[1].ToolCalls);
        Assert.Equal("Now compile it with rustc.", run.Steps[1].Thought);
        Assert.True(compile.IsError);
        Assert.Equal(1, compile.ExitCode);
        Assert.Null(Assert.Single(run.Steps[2].ToolCalls).Observation);

        // No result event: totals come from the per-message usage (input + cache read per message).
        Assert.Equal(4800, run.Metrics.PromptTokens);
        Assert.Equal(240, run.Metrics.CompletionTokens);
        Assert.Equal(3, run.Metrics.ApiCalls);
    }

    [Fact]
    public void Read_HarborTranscript_TimeoutVerdictWithEvidence()
    {
        var run = ImportAssert.Single(s_harborTrial);

        Assert.Equal("polyglot-hello", run.Task.Id);
        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal(0.0, run.Outcome.Reward);
        Assert.Equal("AgentTimeoutError", run.Outcome.FailureMode);
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_harborTrial, "result.json") && e.Detail.StartsWith("exception_info.exception_type: AgentTimeoutError", StringComparison.Ordinal));
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_harborTrial, "verifier", "reward.txt") && e.Detail == "reward.txt: 0");
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_harborTrial, "exception.txt") && e.Detail.Contains("AgentTimeoutError: Agent execution timed out", StringComparison.Ordinal));
        Assert.Equal(["no-final-result"], ImportAssert.WarningCodes(run));
    }

    [Fact]
    public void Read_TranscriptFileGivenDirectly_GetsTheTrialVerdict()
    {
        var run = ImportAssert.Single(Path.Combine(s_harborTrial, "agent", "claude-code.txt"));

        Assert.Equal(3, run.Steps.Count);
        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("polyglot-hello", run.Task.Id);
        Assert.Equal(ImportAssert.Single(s_harborTrial).Id, run.Id);
    }

    [Fact]
    public void Read_CastFileGivenDirectly_ReadsTheTranscript()
    {
        var run = ImportAssert.Single(Path.Combine(s_castTrial, "sessions", "agent.cast"));

        Assert.Equal(RunFormats.ClaudeCodeCast, run.Format);
        Assert.Equal(4, run.Steps.Count);
        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal(ImportAssert.Single(s_castTrial).Id, run.Id);
    }

    [Fact]
    public void Read_BareStreamJsonWithBadLine_WarnsAndKeepsTheRest()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("session.jsonl", string.Join('\n',
            "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\",\"model\":\"claude-opus-4\",\"tools\":[]}",
            "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"Fix the failing test.\"}}",
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"WebFetch\",\"input\":{\"url\":\"https://example.com\"}}]}}",
            "{\"type\":\"assistant\",\"message\":{\"id\":\"m1\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"CustomTool\",\"input\":{\"target\":\"x\"}}]}}",
            "{not json",
            "{\"type\":\"user\",\"message\":{\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t9\",\"content\":\"?\"}]}}",
            "{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true,\"num_turns\":1}"));

        var run = ImportAssert.Single(path);

        Assert.Equal(RunFormats.ClaudeCodeStreamJson, run.Format);
        Assert.Equal("claude-opus-4", run.Model);
        Assert.Equal("Fix the failing test.", run.Task.Text);
        var step = Assert.Single(run.Steps);
        Assert.Equal(["https://example.com", "{\"target\":\"x\"}"], step.ToolCalls.Select(c => c.Command));
        Assert.Equal("error_max_turns", run.ExitStatus);
        var skipped = Assert.Single(run.Warnings, w => w.Code == "lines-skipped");
        Assert.Equal("line 5, byte 2", skipped.Location);
        Assert.Contains(run.Warnings, w => w.Code == "orphan-tool-results" && w.Message.Contains("t9", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_StreamJsonWithNoEvents_IsAClearError()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("weird.jsonl", "{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\"\n");

        var batch = ImportAssert.Parse(path);

        var error = Assert.Single(batch.Errors);
        Assert.Equal(path, error.File);
        Assert.StartsWith("line 1,", error.Location);
        Assert.Contains("invalid JSON", error.Reason);
    }

    [Fact]
    public void Read_CastThatIsNotARecording_IsAClearError()
    {
        using var dir = new TempDirectory();
        dir.Write("t.1-of-1.x/commands.txt", "['claude --output-format stream-json -p \\'x\\'', 'Enter']\n");
        dir.Write("t.1-of-1.x/sessions/agent.cast", "{\"version\": 1, \"width\": 80, \"stdout\": []}\n");

        var batch = ImportAssert.Parse(dir.Path);

        var error = Assert.Single(batch.Errors);
        Assert.EndsWith("agent.cast", error.File);
        Assert.Equal("line 1", error.Location);
        Assert.Contains("version 1 is not supported", error.Reason);
    }
}
