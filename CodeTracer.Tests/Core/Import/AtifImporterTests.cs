using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class AtifImporterTests
{
    private static readonly string s_trial = TestData.Path("harbor-atif", "fix-proof__Qw3rTy9");
    private static readonly string s_terminusFile = TestData.Path("harbor-atif", "terminus-hello.trajectory.json");

    [Fact]
    public void Read_HarborTrialWithTrajectoryAndTranscript_ReadsOnlyTheTrajectory()
    {
        Assert.True(File.Exists(Path.Combine(s_trial, "agent", "claude-code.txt")));

        var run = ImportAssert.Single(s_trial);

        Assert.Equal(RunFormats.HarborAtif, run.Format);
        Assert.Equal("ATIF-v1.2", run.FormatVersion);
        Assert.Equal(Frameworks.ClaudeCode, run.Framework);
        Assert.Equal("kimi-k2.5", run.Model);
        Assert.Equal(s_trial, run.Source.Path);
        Assert.Equal([Path.Combine(s_trial, "agent", "trajectory.json")], run.Source.Files.Select(f => f.Path));

        var direct = ImportAssert.Single(Path.Combine(s_trial, "agent", "trajectory.json"));
        Assert.Equal(run.Id, direct.Id);
        Assert.Equal(OutcomeStatus.Resolved, direct.Outcome.Status);
    }

    [Fact]
    public void Read_HarborTrial_OneStepPerNonEmptyAgentStep()
    {
        var run = ImportAssert.Single(s_trial);

        Assert.Equal("Complete the proof in plus_comm.v and compile it with coqc.", run.Task.Text);
        // Seven ATIF steps: the user message and one empty agent step hold nothing to show.
        Assert.Equal(5, run.Steps.Count);

        var read = run.Steps[0];
        Assert.Null(read.Thought);
        var call = Assert.Single(read.ToolCalls);
        Assert.Equal("functions.Read:0", call.CallId);
        Assert.Equal("Read", call.Tool);
        Assert.Equal("/workspace/plus_comm.v", call.Command);
        Assert.Equal("{\"file_path\": \"/workspace/plus_comm.v\"}", call.Arguments);
        Assert.StartsWith("1\tTheorem plus_comm", call.Observation);
        Assert.Equal("/steps/2", read.Provenance!.JsonPointer);
        Assert.Equal(new DateTime(2026, 4, 1, 13, 58, 56, 416, DateTimeKind.Utc), read.StartedAtUtc);

        var message = run.Steps[1];
        Assert.Equal("The proof needs induction on n; the base case uses plus_n_O.", message.Thought);
        Assert.Empty(message.ToolCalls);
        Assert.Equal(20694, message.Tokens!.Prompt);
        Assert.Equal(281, message.Tokens.Completion);
    }

    [Fact]
    public void Read_HarborTrial_ErrorFlagReasoningAndMetrics()
    {
        var run = ImportAssert.Single(s_trial);

        var failed = run.Steps[2];
        Assert.Equal("Try compiling before editing to see the error.", failed.Reasoning);
        var compile = Assert.Single(failed.ToolCalls);
        Assert.Equal("coqc plus_comm.v", compile.Command);
        Assert.True(compile.IsError);
        Assert.Equal(1, compile.ExitCode);
        Assert.False(Assert.Single(run.Steps[3].ToolCalls).IsError);

        Assert.Equal(242114, run.Metrics.PromptTokens);
        Assert.Equal(926, run.Metrics.CompletionTokens);
        Assert.Equal(123136, run.Metrics.CachedTokens);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Read_HarborTrial_VerdictFromResultRewardAndTests()
    {
        var run = ImportAssert.Single(s_trial);

        Assert.Equal("fix-proof", run.Task.Id);
        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal(1.0, run.Outcome.Reward);
        Assert.Equal(
            [
                (Path.Combine(s_trial, "result.json"), "verifier_result.rewards.reward: 1"),
                (Path.Combine(s_trial, "verifier", "reward.txt"), "reward.txt: 1"),
                (Path.Combine(s_trial, "verifier", "ctrf.json"), "ctrf.json: 2 tests, 2 passed, 0 failed"),
            ],
            run.Outcome.Evidence.Select(e => (e.File, e.Detail)));
        Assert.Equal("passed", run.Outcome.TestResults["test_outputs.py::test_no_admit"]);
        Assert.Equal(new DateTime(2026, 4, 1, 13, 56, 29, 677, DateTimeKind.Utc).AddTicks(6510), run.Metrics.StartedAtUtc);
    }

    [Fact]
    public void Read_TerminusAtifFileGivenDirectly_BatchResultGoesToTheLastCall()
    {
        var run = ImportAssert.Single(s_terminusFile);

        Assert.Equal(Frameworks.Terminus2, run.Framework);
        Assert.Equal("ATIF-v1.6", run.FormatVersion);
        Assert.Equal("openai/gpt-4o", run.Model);
        Assert.Equal(s_terminusFile, run.Source.Path);
        Assert.Equal(3, run.Steps.Count);

        var batch = run.Steps[0];
        Assert.Equal("Analysis: Terminal is ready.\nPlan: Write the file and show it.", batch.Thought);
        Assert.Equal(["echo 'Hello, world!' > hello.txt", "cat hello.txt"], batch.ToolCalls.Select(c => c.Command));
        Assert.All(batch.ToolCalls, c => Assert.Equal("bash_command", c.Tool));
        Assert.Null(batch.ToolCalls[0].Observation);
        Assert.Contains("Hello, world!", batch.ToolCalls[1].Observation);
        Assert.Equal(0.002255, batch.Tokens!.CostUsd);

        Assert.Empty(run.Steps[1].ToolCalls);
        var complete = Assert.Single(run.Steps[2].ToolCalls);
        Assert.Equal("mark_task_complete", complete.Tool);
        Assert.Null(complete.Command);
        Assert.Equal("{}", complete.Arguments);

        Assert.Equal(0.006955, run.Metrics.CostUsd);
        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
    }

    [Fact]
    public void Read_MalformedTrajectory_ErrorNamesFileAndLine()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("run__AbCdE12/agent/trajectory.json", "{\"schema_version\": \"ATIF-v1.5\", \"agent\": {\"name\": \"x\"},\n \"steps\": [\n  {\"step_id\": 1,, }\n]}");

        var batch = ImportAssert.Parse(dir.Path);

        var error = Assert.Single(batch.Errors);
        Assert.Equal(path, error.File);
        Assert.StartsWith("line 3,", error.Location);
        Assert.Contains("invalid JSON", error.Reason);
        Assert.Empty(batch.Runs);
    }

    [Fact]
    public void Read_StepsNotAList_IsAClearError()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("t.json", "{\"schema_version\": \"ATIF-v1.2\", \"agent\": {}, \"steps\": {}}");

        var error = Assert.Single(ImportAssert.Parse(path).Errors);
        Assert.Equal("$.steps", error.Location);
    }

    [Fact]
    public void Read_TurnSplitIntoTextAndToolCalls_IsOneStepAsInTheClaudeCodeTranscript()
    {
        // Harbor's Claude Code converter writes one assistant turn as a text step and a tool-call step that share the
        // turn's reasoning; a text step with its own reasoning stays a step of its own.
        using var dir = new TempDirectory();
        var path = dir.Write("split.json", """
            {"schema_version": "ATIF-v1.2", "agent": {"name": "claude-code", "model_name": "kimi-k2.5"},
             "steps": [
              {"step_id": 1, "source": "user", "message": "Create /app/kv-store.proto."},
              {"step_id": 2, "source": "agent", "message": "I'll write the proto file.", "reasoning_content": "Plan: proto first.",
               "metrics": {"prompt_tokens": 100, "completion_tokens": 10}},
              {"step_id": 3, "source": "agent", "message": "Executed Write functions.Write:0", "reasoning_content": "Plan: proto first.",
               "tool_calls": [{"tool_call_id": "functions.Write:0", "function_name": "Write", "arguments": {"file_path": "/app/kv-store.proto", "content": "syntax = \"proto3\";"}}],
               "observation": {"results": [{"source_call_id": "functions.Write:0", "content": "File created successfully at: /app/kv-store.proto"}]},
               "metrics": {"prompt_tokens": 120, "completion_tokens": 30}},
              {"step_id": 4, "source": "agent", "message": "The proto is written.", "reasoning_content": "Check it next."},
              {"step_id": 5, "source": "agent", "message": "Executed Bash functions.Bash:1", "reasoning_content": "Something else.",
               "tool_calls": [{"tool_call_id": "functions.Bash:1", "function_name": "Bash", "arguments": {"command": "cat /app/kv-store.proto"}}]}
             ]}
            """);

        var run = ImportAssert.Single(path);

        Assert.Equal(3, run.Steps.Count);
        var write = run.Steps[0];
        Assert.Equal("I'll write the proto file.", write.Thought);
        Assert.Equal("Plan: proto first.", write.Reasoning);
        Assert.Equal("Write", Assert.Single(write.ToolCalls).Tool);
        Assert.Equal(220, write.Tokens!.Prompt);
        Assert.Equal(40, write.Tokens.Completion);
        Assert.Equal("The proto is written.", run.Steps[1].Thought);
        Assert.Empty(run.Steps[1].ToolCalls);
        Assert.Equal("Bash", Assert.Single(run.Steps[2].ToolCalls).Tool);
    }

    [Fact]
    public void Read_TranscriptNamedDirectly_IsReadAsStreamJsonWhileTheFolderStillGivesOneRun()
    {
        var transcript = Path.Combine(s_trial, "agent", "claude-code.txt");

        var named = ImportAssert.Single(transcript);
        var folder = ImportAssert.Parse(Path.Combine(s_trial, "agent"));

        Assert.Equal(RunFormats.ClaudeCodeStreamJson, named.Format);
        Assert.NotEmpty(named.Steps);
        Assert.Equal(RunFormats.HarborAtif, Assert.Single(folder.Runs).Format);
        Assert.Empty(folder.Errors);
    }
}
