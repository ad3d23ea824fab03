using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class Terminus2ImporterTests
{
    private static readonly string s_tbTrial = TestData.Path("terminus-2", "tb-run", "fix-permissions", "fix-permissions.1-of-1.2025-01-02__03-04-05");
    private static readonly string s_terminus1Trial = TestData.Path("terminus-2", "tb-run", "terminus2-OpenAI__GPT-5-hello-world-a1b2c3d4", "hello-world.1-of-1.2025-01-02__03-04-05");
    private static readonly string s_harborTrial = TestData.Path("terminus-2", "harbor-job", "hello-world__AbCdEf1");

    [Fact]
    public void Read_TerminalBenchTrial_OneStepPerEpisodeWithKeystrokeCalls()
    {
        var run = ImportAssert.Single(s_tbTrial);

        Assert.Equal(Frameworks.Terminus2, run.Framework);
        Assert.Equal(RunFormats.Terminus2Episodes, run.Format);
        Assert.Equal("terminal-bench", run.FormatVersion);
        Assert.Equal(3, run.Steps.Count);

        var first = run.Steps[0];
        Assert.Equal("Analysis: The terminal is at /app. The task says run.sh cannot be executed.\nPlan: List the files with their modes, then read run.sh.", first.Thought);
        Assert.Equal(["ls -la /app", "cat /app/run.sh"], first.ToolCalls.Select(c => c.Command));
        Assert.All(first.ToolCalls, c => Assert.Equal("keystrokes", c.Tool));
        Assert.Equal([0.1, 0.5], first.ToolCalls.Select(c => c.DurationSeconds));
        Assert.Contains("\"keystrokes\": \"ls -la /app\\n\"", first.ToolCalls[0].Arguments);
        Assert.EndsWith("response.txt", first.Provenance!.File);
        Assert.Equal(1, first.Provenance.LineStart);
        Assert.Equal(11, first.Provenance.LineEnd);

        var third = run.Steps[2];
        Assert.Equal(["keystrokes", "keystrokes", "mark_task_complete"], third.ToolCalls.Select(c => c.Tool));
        Assert.Equal("task_complete", run.ExitStatus);
    }

    [Fact]
    public void Read_TerminalBenchTrial_NextPromptIsTheLastCallsObservation()
    {
        var run = ImportAssert.Single(s_tbTrial);
        var first = run.Steps[0];

        Assert.Null(first.ToolCalls[0].Observation);
        var observation = first.ToolCalls[^1].Observation!;
        Assert.StartsWith("Previous response had warnings:\nWARNINGS: - Extra text detected before JSON object", observation);
        Assert.Contains("echo \"it works\"", observation);
        Assert.EndsWith("root@box:/app#", observation);
        // The last episode has no next prompt.
        Assert.All(run.Steps[2].ToolCalls, c => Assert.Null(c.Observation));
    }

    [Fact]
    public void Read_UnparsableResponse_StepWithRawThoughtAndWarning()
    {
        var run = ImportAssert.Single(s_tbTrial);

        var broken = run.Steps[1];
        Assert.Empty(broken.ToolCalls);
        Assert.StartsWith("{\n  \"analysis\": \"run.sh has mode 644", broken.Thought);
        var warning = Assert.Single(run.Warnings);
        Assert.Equal("response-unparsed", warning.Code);
        Assert.EndsWith(Path.Combine("episode-1", "response.txt"), warning.File);
        Assert.Contains("ERROR: No valid JSON found in response", warning.Message);
    }

    [Fact]
    public void Read_TerminalBenchTrial_ResultsJsonGivesVerdictTaskModelAndTimes()
    {
        var run = ImportAssert.Single(s_tbTrial);

        Assert.Equal("openai/gpt-5-mini", run.Model);
        Assert.Equal("fix-permissions", run.Task.Id);
        Assert.Equal("Make /app/run.sh executable and run it.", run.Task.Text);

        // The trial's own results.json wins over the run-level aggregate (which says true for this trial).
        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Null(run.Outcome.FailureMode);
        var verdict = run.Outcome.Evidence[0];
        Assert.Equal(Path.Combine(s_tbTrial, "results.json"), verdict.File);
        Assert.Equal("is_resolved: false", verdict.Detail);
        Assert.Equal("passed", run.Outcome.TestResults["test_script_is_executable"]);
        Assert.Equal("failed", run.Outcome.TestResults["test_output"]);

        Assert.Equal(5120, run.Metrics.PromptTokens);
        Assert.Equal(640, run.Metrics.CompletionTokens);
        Assert.Equal(new DateTime(2025, 1, 2, 3, 5, 0, DateTimeKind.Utc), run.Metrics.StartedAtUtc);
        Assert.Equal(150, run.Metrics.DurationSeconds);
    }

    [Fact]
    public void Read_MissingFirstPrompt_TaskTextStillFromResults()
    {
        Assert.False(File.Exists(Path.Combine(s_tbTrial, "agent-logs", "episode-0", "prompt.txt")));
        var run = ImportAssert.Single(s_tbTrial);
        Assert.Equal(3, run.Steps.Count);
        Assert.Contains(run.Source.Files, f => f.Path.EndsWith(Path.Combine("episode-2", "prompt.txt"), StringComparison.Ordinal));
    }

    [Fact]
    public void Read_Terminus1FieldNames_AreUnderstood()
    {
        var run = ImportAssert.Single(s_terminus1Trial);

        Assert.Equal(2, run.Steps.Count);
        Assert.Equal("Analysis: Empty /app.\nPlan: Write the file.", run.Steps[0].Thought);
        var call = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal("echo 'Hello, world!' > /app/hello.txt", call.Command);
        Assert.Equal(3, call.DurationSeconds);
        Assert.StartsWith("New Terminal Output:", call.Observation);
        Assert.Equal("mark_task_complete", Assert.Single(run.Steps[1].ToolCalls).Tool);
    }

    [Fact]
    public void Read_NoResultsOrDebugJson_ModelFromFolderAndVerdictFromRunLevelResults()
    {
        var run = ImportAssert.Single(s_terminus1Trial);

        Assert.Equal("OpenAI/GPT-5", run.Model);
        Assert.DoesNotContain("model-from-run-metadata", ImportAssert.WarningCodes(run));
        Assert.Equal("hello-world", run.Task.Id);
        Assert.Equal("Create a file called hello.txt in /app containing \"Hello, world!\".", run.Task.Text);

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Equal("test_timeout", run.Outcome.FailureMode);
        var runResults = TestData.Path("terminus-2", "tb-run", "results.json");
        Assert.Contains(run.Outcome.Evidence, e => e.File == runResults && e.Detail == "results[1] (hello-world.1-of-1.2025-01-02__03-04-05): is_resolved: null");
        Assert.Contains(run.Outcome.Evidence, e => e.File == runResults && e.Detail.EndsWith("failure_mode: test_timeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_HarborTrial_XmlResponseAndHarborVerdict()
    {
        var run = ImportAssert.Single(s_harborTrial);

        Assert.Equal("harbor", run.FormatVersion);
        Assert.Equal("openai/gpt-4o", run.Model);
        Assert.Equal("hello-world", run.Task.Id);
        Assert.Equal("Print \"Hello, world!\" to a file named hello.txt in the current directory.", run.Task.Text);
        Assert.Equal(3, run.Steps.Count);

        var first = run.Steps[0];
        Assert.Equal("Analysis: The shell is at /app & nothing has run yet.\nPlan: Write the file, then show it.", first.Thought);
        Assert.Equal(["echo 'Hello, world!' > hello.txt", "cat hello.txt"], first.ToolCalls.Select(c => c.Command));
        Assert.Equal([0.1, 0.5], first.ToolCalls.Select(c => c.DurationSeconds));
        Assert.Contains("Hello, world!\nroot@c0ffee:/app#", first.ToolCalls[1].Observation);

        var confirm = Assert.Single(run.Steps[1].ToolCalls);
        Assert.Equal("mark_task_complete", confirm.Tool);
        Assert.StartsWith("Current terminal state:", confirm.Observation);
        Assert.Contains("Are you sure you want to mark the task as complete?", confirm.Observation);

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal(1.0, run.Outcome.Reward);
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_harborTrial, "result.json") && e.Detail == "verifier_result.rewards.reward: 1");
        Assert.Contains(run.Outcome.Evidence, e => e.File == Path.Combine(s_harborTrial, "verifier", "reward.txt") && e.Detail == "reward.txt: 1");
        Assert.Equal(2, run.Outcome.TestResults.Count);
        Assert.Equal(1364, run.Metrics.PromptTokens);
        Assert.Equal(0.0043, run.Metrics.CostUsd);
        Assert.Equal(60, run.Metrics.DurationSeconds);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Read_SameTrialTwice_SameStableId()
    {
        var first = ImportAssert.Single(s_tbTrial);
        var second = ImportAssert.Single(s_tbTrial);
        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.Id, ImportAssert.Single(s_terminus1Trial).Id);
    }

    [Fact]
    public void Read_EpisodeGapAndEmptyResponse_WarnAndKeepTheRest()
    {
        using var dir = new TempDirectory();
        var trial = Path.Combine(dir.Path, "gap.1-of-1.2025-01-01__00-00-00");
        dir.Write("gap.1-of-1.2025-01-01__00-00-00/agent-logs/episode-0/response.txt", "{\"analysis\": \"a\", \"plan\": \"p\", \"commands\": [{\"keystrokes\": \"ls\\n\"}]}");
        dir.Write("gap.1-of-1.2025-01-01__00-00-00/agent-logs/episode-2/prompt.txt", "New Terminal Output:\n\nfile\n");
        dir.Write("gap.1-of-1.2025-01-01__00-00-00/agent-logs/episode-2/response.txt", "   ");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(trial, run.Source.Path);
        Assert.Equal(2, run.Steps.Count);
        Assert.Equal("New Terminal Output:\n\nfile", run.Steps[0].ToolCalls[0].Observation);
        Assert.Null(run.Steps[0].ToolCalls[0].DurationSeconds);
        Assert.Empty(run.Steps[1].ToolCalls);
        Assert.Null(run.Steps[1].Thought);
        Assert.Contains("episodes-missing", ImportAssert.WarningCodes(run));
        Assert.Contains(run.Warnings, w => w.Code == "response-unparsed" && w.Message.Contains("empty", StringComparison.Ordinal));
        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
    }

    [Fact]
    public void Read_SummaryHandoffBeforeTerminalOutput_IsLeftOutOfTheObservation()
    {
        using var dir = new TempDirectory();
        dir.Write("t.1-of-1.x/agent-logs/episode-0/response.txt", "{\"analysis\": \"a\", \"plan\": \"p\", \"commands\": [{\"keystrokes\": \"make\\n\", \"duration\": 5}]}");
        dir.Write("t.1-of-1.x/agent-logs/episode-1/prompt.txt", "Here is a summary of the work so far: built the parser.\n\nNew Terminal Output:\n\nmake: done\n");
        dir.Write("t.1-of-1.x/agent-logs/episode-1/response.txt", "{\"analysis\": \"ok\", \"plan\": \"stop\", \"commands\": [], \"task_complete\": true}");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal("New Terminal Output:\n\nmake: done", run.Steps[0].ToolCalls[0].Observation);
    }
}
