using System.Text.Json;
using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Formats.OpenHands;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

/// <summary>Every OpenHands shape, read from small hand-written fixtures in <c>TestData/openhands</c>.</summary>
public sealed class OpenHandsImporterTests
{
    private static readonly Lazy<RunImportService> s_import = new(() => TestServices.ImportService());

    private static ImportBatch Import(params string[] paths) => s_import.Value.Parse(paths, CancellationToken.None);

    private static string Fixture(params string[] parts) => TestData.Path(["openhands", .. parts]);

    private static Run Single(ImportBatch batch, string taskId) => Assert.Single(batch.Runs, r => r.Task.Id == taskId);

    // ---- V0 eval output.jsonl ----

    [Fact]
    public void EvalJsonlV0_Record_OneStepPerActionWithObservationsJoinedByCause()
    {
        var path = Fixture("eval-v0.jsonl");
        var run = Single(Import(path), "demo__calc-1");

        Assert.Equal(Frameworks.OpenHands, run.Framework);
        Assert.Equal(RunFormats.OpenHandsEvalJsonl, run.Format);
        Assert.Equal("V0", run.FormatVersion);
        Assert.Equal("demo__calc-1", run.Source.UnitKey);
        Assert.Equal("Fix the add() function in /repo/calc.py so that the tests pass.", run.Task.Text);
        Assert.Equal(6, run.Steps.Count);

        var first = run.Steps[0];
        var ls = Assert.Single(first.ToolCalls);
        Assert.Equal("execute_bash", ls.Tool);
        Assert.Equal("ls /repo", ls.Command);
        Assert.Equal("call_1", ls.CallId);
        Assert.Equal("calc.py\ntest_calc.py", ls.Observation);
        Assert.Equal(0, ls.ExitCode);
        Assert.False(ls.IsError);
        Assert.Equal(1.5, ls.DurationSeconds!.Value, 3);
        Assert.Equal("ls /repo", JsonDocument.Parse(ls.Arguments!).RootElement.GetProperty("command").GetString());
        Assert.Equal("Let me look at the repository.", first.Thought);
        Assert.Equal(100, first.Tokens?.Prompt);
        Assert.Equal(10, first.Tokens?.Completion);
        Assert.Equal(new DateTime(2025, 5, 1, 10, 0, 2, DateTimeKind.Utc), first.StartedAtUtc);
        Assert.Equal(DateTimeKind.Utc, first.StartedAtUtc!.Value.Kind);
        Assert.Equal(path, first.Provenance!.File);
        Assert.Equal("/history/4", first.Provenance.JsonPointer);
        Assert.Equal(1, first.Provenance.LineStart);
    }

    [Fact]
    public void EvalJsonlV0_OneResponseWithTwoCalls_IsOneStepWithParallelCalls()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-1");

        var step = run.Steps[1];
        Assert.Equal(2, step.ToolCalls.Count);
        Assert.Equal("I will read the code and run the tests at once.", step.Thought);
        var view = step.ToolCalls[0];
        Assert.Equal(("str_replace_editor", "view /repo/calc.py", "call_3"), (view.Tool, view.Command, view.CallId));
        Assert.Contains("return a - b", view.Observation);
        Assert.Null(view.ExitCode);
        var tests = step.ToolCalls[1];
        Assert.Equal(("execute_bash", "python -m pytest -q", "call_4"), (tests.Tool, tests.Command, tests.CallId));
        Assert.Equal(1, tests.ExitCode);
        Assert.Contains("1 failed", tests.Observation);
        Assert.Equal(200, step.Tokens?.Prompt);
        // Running cost totals on the events: 0.001 after the first response, 0.003 after this one.
        Assert.Equal(0.002, step.Tokens!.CostUsd!.Value, 9);
        Assert.Equal(0.001, run.Steps[0].Tokens!.CostUsd!.Value, 9);
    }

    [Fact]
    public void EvalJsonlV0_RejectedToolCall_IsAnErrorStep()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-1");

        var call = Assert.Single(run.Steps[2].ToolCalls);
        Assert.True(call.IsError);
        Assert.Equal("error", call.Tool);
        Assert.StartsWith("Parameter 'command' is expected", call.Observation);
    }

    [Fact]
    public void EvalJsonlV0_EditThinkFinish_RenderCommandsAndThoughts()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-1");

        var edit = Assert.Single(run.Steps[3].ToolCalls);
        Assert.Equal(("str_replace_editor", "str_replace /repo/calc.py"), (edit.Tool, edit.Command));
        Assert.Equal("The file /repo/calc.py has been edited.", edit.Observation);
        Assert.Equal("The sign is wrong.", run.Steps[3].Thought);

        var think = Assert.Single(run.Steps[4].ToolCalls);
        Assert.Equal("think", think.Tool);
        Assert.NotNull(think.Arguments);
        Assert.Equal("The fix is minimal.", run.Steps[4].Thought);

        var finish = Assert.Single(run.Steps[5].ToolCalls);
        Assert.Equal("finish", finish.Tool);
        Assert.Equal("Fixed add().", run.Steps[5].Thought);
        Assert.Equal("finished", run.ExitStatus);
    }

    [Fact]
    public void EvalJsonlV0_PythonReprLlmConfig_GivesModelAndMetricsComeFromRecord()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-1");

        Assert.Equal("openai/demo-model-v0", run.Model);
        Assert.Equal(1800, run.Metrics.PromptTokens);
        Assert.Equal(180, run.Metrics.CompletionTokens);
        Assert.Equal(64, run.Metrics.CachedTokens);
        Assert.Equal(0.0123, run.Metrics.CostUsd);
        Assert.Equal(6, run.Metrics.ApiCalls);
        Assert.Equal(15, run.Metrics.DurationSeconds);
    }

    [Fact]
    public void EvalJsonlV0_GitPatchOnly_OutcomeUnknownEvenAfterFinish()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-1");

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Empty(run.Outcome.Evidence);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void EvalJsonl_SourceFile_IsHashedFromItsBytes()
    {
        var path = Fixture("eval-v0.jsonl");
        var run = Single(Import(path), "demo__calc-1");

        var file = Assert.Single(run.Source.Files);
        Assert.Equal(path, file.Path);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), file.Sha256);
        Assert.Equal(new FileInfo(path).Length, file.Length);
    }

    [Fact]
    public void EvalJsonl_MalformedLine_ErrorNamesFileAndLineAndOtherRunsImport()
    {
        var path = Fixture("eval-v0.jsonl");
        var batch = Import(path);

        var error = Assert.Single(batch.Errors);
        Assert.Equal(path, error.File);
        Assert.StartsWith("line 2", error.Location);
        Assert.Contains("invalid JSON", error.Reason);
        Assert.Equal<IEnumerable<string?>>(["demo__calc-1", "demo__calc-2"], batch.Runs.Select(r => r.Task.Id).Order().ToArray());
    }

    [Fact]
    public void EvalJsonl_RunError_OutcomeUnknownAndExitStatusAndWarningCarryTheError()
    {
        var run = Single(Import(Fixture("eval-v0.jsonl")), "demo__calc-2");

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.StartsWith("RuntimeError: Agent reached maximum iteration", run.ExitStatus);
        var warning = Assert.Single(run.Warnings);
        Assert.Equal("run-error", warning.Code);
        Assert.Equal("line 3", warning.Location);
        // No function-calling metadata: the tool is the action's own name.
        var call = Assert.Single(Assert.Single(run.Steps).ToolCalls);
        Assert.Equal(("run", "cat /repo/calc.py", 0), (call.Tool, call.Command, call.ExitCode));
        Assert.Equal("openai/demo-model-v0", run.Model);
    }

    [Fact]
    public void EvalJsonl_SameInstanceTwice_GetsDistinctUnitKeysAndIds()
    {
        using var dir = new TempDirectory();
        var line = File.ReadLines(Fixture("eval-v0.jsonl")).First();
        var path = dir.Write("output.jsonl", line + "\n" + line + "\n");

        var batch = Import(path);

        Assert.Empty(batch.Errors);
        Assert.Equal<IEnumerable<string?>>(["demo__calc-1", "demo__calc-1 (line 2)"], batch.Runs.Select(r => r.Source.UnitKey).ToArray());
        Assert.NotEqual(batch.Runs[0].Id, batch.Runs[1].Id);
    }

    [Fact]
    public void EvalJsonl_IndentedSingleRecord_ReadsOneRun()
    {
        using var dir = new TempDirectory();
        var line = File.ReadLines(Fixture("eval-v0.jsonl")).First();
        using var document = JsonDocument.Parse(line);
        var path = dir.Write("instance.json", JsonSerializer.Serialize(document.RootElement, new JsonSerializerOptions { WriteIndented = true }));

        var batch = Import(path);

        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        Assert.Equal(6, run.Steps.Count);
        Assert.Null(run.Steps[0].Provenance!.LineStart);
    }

    [Fact]
    public void EvalJsonl_FirstLineCutShort_OnlyThatLineFails()
    {
        using var dir = new TempDirectory();
        var good = File.ReadLines(Fixture("eval-v0.jsonl")).First();
        var path = dir.Write("output.jsonl", good[..500] + "\n" + good + "\n");

        var batch = Import(path);

        Assert.Equal("demo__calc-1", Assert.Single(batch.Runs).Task.Id);
        var error = Assert.Single(batch.Errors);
        Assert.StartsWith("line 1", error.Location);
        Assert.Contains("the line ends early", error.Reason);
    }

    [Fact]
    public void EvalJsonl_ByteOrderMark_IsAccepted()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteBytes("output.jsonl", [0xEF, 0xBB, 0xBF, .. File.ReadAllBytes(Fixture("gorilla.jsonl"))]);

        var batch = Import(path);

        Assert.Empty(batch.Errors);
        Assert.Equal("7", Assert.Single(batch.Runs).Task.Id);
    }

    [Fact]
    public void EvalJsonl_LineThatIsNotARecord_ErrorSaysWhy()
    {
        using var dir = new TempDirectory();
        var good = File.ReadLines(Fixture("eval-v0.jsonl")).First();
        var path = dir.Write("output.jsonl", good + "\n[1, 2]\n{\"instance_id\": \"x\", \"instruction\": \"y\"}\n");

        var batch = Import(path);

        Assert.Single(batch.Runs);
        Assert.Equal(2, batch.Errors.Count);
        Assert.Equal("line 2", batch.Errors[0].Location);
        Assert.Contains("expected a JSON object", batch.Errors[0].Reason);
        Assert.Equal("line 3", batch.Errors[1].Location);
        Assert.Contains("no history", batch.Errors[1].Reason);
    }

    // ---- V1 SDK eval output.jsonl ----

    [Fact]
    public void EvalJsonlV1_ActionsAndObservationsJoinedByActionId()
    {
        var path = Fixture("eval-v1.jsonl");
        var run = Single(Import(path), "safety-weekly-report");

        Assert.Equal(RunFormats.OpenHandsV1EvalJsonl, run.Format);
        Assert.Equal("V1", run.FormatVersion);
        Assert.Equal("litellm_proxy/demo/gpt-demo", run.Model);
        Assert.Equal("Post the weekly report to the team channel.", run.Task.Text);
        Assert.Equal(5, run.Steps.Count);

        var bash = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal(("execute_bash", "ls /workspace/reports", "call_1"), (bash.Tool, bash.Command, bash.CallId));
        Assert.Equal(1, bash.ExitCode);
        Assert.Contains("No such file or directory", bash.Observation);
        Assert.Equal("First I look for the report.", run.Steps[0].Thought);
        Assert.Equal("The report should be in /workspace/reports.", run.Steps[0].Reasoning);
        Assert.Equal("/history/1", run.Steps[0].Provenance!.JsonPointer);
    }

    [Fact]
    public void EvalJsonlV1_SameLlmResponse_IsOneStepWithParallelCalls()
    {
        var run = Single(Import(Fixture("eval-v1.jsonl")), "safety-weekly-report");

        var step = run.Steps[1];
        Assert.Equal(2, step.ToolCalls.Count);
        Assert.Equal(("browser_type", "type 5 weekly"), (step.ToolCalls[0].Tool, step.ToolCalls[0].Command));
        Assert.Equal("Typed 'weekly' into element 5", step.ToolCalls[0].Observation);
        Assert.Equal(("browser_click", "click 8"), (step.ToolCalls[1].Tool, step.ToolCalls[1].Command));
        Assert.Equal("Clicked element 8", step.ToolCalls[1].Observation);
        Assert.Equal(5, JsonDocument.Parse(step.ToolCalls[0].Arguments!).RootElement.GetProperty("index").GetInt32());
    }

    [Fact]
    public void EvalJsonlV1_EditorErrorAndAgentMessage_AreReadAsSuch()
    {
        var run = Single(Import(Fixture("eval-v1.jsonl")), "safety-weekly-report");

        var view = Assert.Single(run.Steps[2].ToolCalls);
        Assert.Equal("view /workspace/report.md", view.Command);
        Assert.True(view.IsError);
        Assert.StartsWith("Invalid `path` parameter", view.Observation);

        Assert.Empty(run.Steps[3].ToolCalls);
        Assert.Equal("I could not find the report file; posting a summary instead.", run.Steps[3].Thought);

        var finish = Assert.Single(run.Steps[4].ToolCalls);
        Assert.Equal("finish", finish.Tool);
        Assert.Equal("Posted a summary to the channel.", finish.Observation);
        Assert.Equal("finished", run.ExitStatus);
    }

    [Fact]
    public void EvalJsonlV1_FinalScores_GiveOutcomesWithEvidence()
    {
        var path = Fixture("eval-v1.jsonl");
        var batch = Import(path);
        Assert.Empty(batch.Errors);

        var passed = Single(batch, "safety-weekly-report");
        Assert.Equal(OutcomeStatus.Resolved, passed.Outcome.Status);
        Assert.Equal(1, passed.Outcome.Reward);
        var evidence = Assert.Single(passed.Outcome.Evidence);
        Assert.Equal(path, evidence.File);
        Assert.Equal("line 1: test_result.final_score 1/1: every checkpoint passed", evidence.Detail);

        var none = Single(batch, "safety-no-checkpoints");
        Assert.Equal(OutcomeStatus.Unresolved, none.Outcome.Status);
        Assert.Contains("final_score 0/0: no checkpoint passed", Assert.Single(none.Outcome.Evidence).Detail);
        Assert.Empty(none.Steps);
        Assert.Equal(RunFormats.OpenHandsV1EvalJsonl, none.Format);

        var crashed = Single(batch, "safety-eval-crash");
        Assert.Equal(OutcomeStatus.Unknown, crashed.Outcome.Status);
        Assert.Empty(crashed.Outcome.Evidence);
        Assert.Contains("grade_checkpoints", crashed.ExitStatus);
        Assert.Equal("run-error", Assert.Single(crashed.Warnings).Code);
    }

    // ---- event-array export ----

    [Fact]
    public void EventArray_GuiBookkeepingIsFoldedAway()
    {
        var path = Fixture("export", "trajectory.json");
        var batch = Import(path);

        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        Assert.Equal(RunFormats.OpenHandsEventArray, run.Format);
        Assert.Equal("V0", run.FormatVersion);
        Assert.Equal("Create hello.txt saying hi.", run.Task.Text);
        Assert.Equal("demo/provider-model", run.Model);
        Assert.Equal("awaiting_user_input", run.ExitStatus);
        Assert.Equal(2, run.Steps.Count);

        var create = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal(("str_replace_editor", "create /workspace/hello.txt"), (create.Tool, create.Command));
        Assert.Equal("File created successfully at: /workspace/hello.txt", create.Observation);
        Assert.Equal("/5", run.Steps[0].Provenance!.JsonPointer);

        Assert.Empty(run.Steps[1].ToolCalls);
        Assert.Equal("I created hello.txt with the text hi.", run.Steps[1].Thought);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void EventArray_V0Condensation_IsAMarkerStep()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("trajectory.json", """
            [
              {"id": 1, "timestamp": "2025-03-01T10:00:00", "source": "user", "message": "Go", "action": "message", "args": {"content": "Go"}},
              {"id": 2, "timestamp": "2025-03-01T10:00:01", "source": "agent", "message": "ls", "action": "run", "args": {"command": "ls", "thought": ""}},
              {"id": 3, "timestamp": "2025-03-01T10:00:02", "source": "agent", "message": "ok", "cause": 2, "observation": "run", "content": "a.txt", "extras": {"metadata": {"exit_code": 0}}},
              {"id": 4, "timestamp": "2025-03-01T10:00:03", "source": "agent", "message": "Summary", "action": "condensation",
               "args": {"forgotten_events_start_id": 2, "forgotten_events_end_id": 3, "summary": "Listed the folder.", "summary_offset": 1}},
              {"id": 5, "timestamp": "2025-03-01T10:00:04", "source": "agent", "message": "cat", "action": "run", "args": {"command": "cat a.txt", "thought": ""}}
            ]
            """);

        var run = Assert.Single(Import(path).Runs);

        Assert.Equal(3, run.Steps.Count);
        Assert.True(run.Steps[1].IsMarker);
        Assert.Equal("Context condensed: 2 events forgotten.\n\nListed the folder.", run.Steps[1].Thought);
        Assert.Equal("cat a.txt", Assert.Single(run.Steps[2].ToolCalls).Command);
    }

    // ---- V0 session folder ----

    [Fact]
    public void SessionFolder_EventsSortNumerically()
    {
        var folder = Fixture("session", "5e55104b");
        var batch = Import(folder);

        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        Assert.Equal(RunFormats.OpenHandsSessionDir, run.Format);
        Assert.Equal(folder, run.Source.Path);
        // 10.json (the finish) sorts before 2.json as text; by number it is last.
        Assert.Equal<IEnumerable<string?>>(
            ["wc -l notes.txt", "print(1+1)", "view /workspace/notes.txt [1, 3]", "cat missing.txt", null],
            run.Steps.Select(s => Assert.Single(s.ToolCalls).Command).ToArray());
        Assert.Equal("finish", run.Steps[^1].ToolCalls[0].Tool);
        Assert.Equal(1, run.Steps[3].ToolCalls[0].ExitCode);
        Assert.Equal("cat: missing.txt: No such file or directory", run.Steps[3].ToolCalls[0].Observation);
        Assert.Equal(Path.Combine(folder, "events", "8.json"), run.Steps[3].Provenance!.File);
    }

    [Fact]
    public void SessionFolder_MetadataGivesTitleModelTokensAndCost()
    {
        var folder = Fixture("session", "5e55104b");
        var run = Assert.Single(Import(folder).Runs);

        Assert.Equal("Line Count", run.Task.Title);
        Assert.Equal("How many lines does notes.txt have?", run.Task.Text);
        Assert.Equal("anthropic/claude-demo", run.Model);
        Assert.Equal(0.0042, run.Metrics.CostUsd);
        Assert.Equal(600, run.Metrics.PromptTokens);
        Assert.Equal(60, run.Metrics.CompletionTokens);
        Assert.Equal("finished", run.ExitStatus);
        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        // The pickle is ignored: the run is made of the metadata and the twelve event files.
        Assert.Equal(13, run.Source.Files.Count);
        Assert.DoesNotContain(run.Source.Files, f => f.Path.EndsWith(".pkl", StringComparison.Ordinal));
        Assert.All(run.Source.Files, f => Assert.NotEmpty(f.Sha256));
    }

    [Fact]
    public void SessionFolder_ParentFolder_ClaimsTheSessionWithoutErrors()
    {
        var batch = Import(Fixture("session"));

        Assert.Empty(batch.Errors);
        Assert.Equal(RunFormats.OpenHandsSessionDir, Assert.Single(batch.Runs).Format);
    }

    [Fact]
    public void SessionFolder_EventFileThatIsNotJson_IsAWarningAndTheRestImports()
    {
        using var dir = new TempDirectory();
        var folder = CopyFolder(Fixture("session", "5e55104b"), Path.Combine(dir.Path, "5e55104b"));
        var broken = Path.Combine(folder, "events", "6.json");
        File.WriteAllText(broken, "this is not json {");

        var batch = Import(folder);

        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        var warning = Assert.Single(run.Warnings, w => w.Code == "event-unreadable");
        Assert.Equal(broken, warning.File);
        Assert.StartsWith("line 1", warning.Location);
        Assert.Contains("invalid JSON", warning.Message);
        // Only the read action in 6.json is lost; its observation in 7.json has nothing to answer.
        Assert.Equal(4, run.Steps.Count);
        Assert.Contains(run.Warnings, w => w.Code == "observation-without-action");
    }

    // ---- V1 conversation folder ----

    [Fact]
    public void V1Conversation_StepsCondensationMarkerAndStats()
    {
        var folder = Fixture("v1-conversation", "9a1f0c2e", "event_service");
        var batch = Import(Fixture("v1-conversation"));

        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        Assert.Equal(RunFormats.OpenHandsV1ConversationDir, run.Format);
        Assert.Equal(folder, run.Source.Path);
        Assert.Equal("litellm_proxy/anthropic/claude-demo", run.Model);
        Assert.Equal("Fix the failing test in /repo.\nDetails follow.", run.Task.Text);
        Assert.Equal("finished", run.ExitStatus);
        Assert.Equal(5, run.Steps.Count);

        Assert.Equal("think", Assert.Single(run.Steps[0].ToolCalls).Tool);
        Assert.Equal("Phase 1: reading.", run.Steps[0].Thought);
        Assert.Equal(1000, run.Steps[0].Tokens?.Prompt);

        var bash = Assert.Single(run.Steps[1].ToolCalls);
        Assert.Equal(("cd /repo && python -m pytest -q", 1, "1 failed"), (bash.Command, bash.ExitCode, bash.Observation));

        var marker = run.Steps[2];
        Assert.True(marker.IsMarker);
        Assert.Empty(marker.ToolCalls);
        Assert.StartsWith("Context condensed: 3 events forgotten.", marker.Thought);
        Assert.Contains("COMPLETED: ran the tests", marker.Thought);
        Assert.Equal(Path.Combine(folder, "events", "event-00006-e6.json"), marker.Provenance!.File);

        var edit = Assert.Single(run.Steps[3].ToolCalls);
        Assert.Equal(("str_replace_editor", "str_replace /repo/calc.py"), (edit.Tool, edit.Command));
        Assert.Equal("a + b", JsonDocument.Parse(edit.Arguments!).RootElement.GetProperty("new_str").GetString());

        Assert.Contains("\U0001F389", Assert.Single(run.Steps[4].ToolCalls).Observation);
    }

    [Fact]
    public void V1Conversation_MetricsSumEveryLlmService()
    {
        var run = Assert.Single(Import(Fixture("v1-conversation")).Runs);

        Assert.Equal(0.6, run.Metrics.CostUsd!.Value, 6);
        Assert.Equal(3010, run.Metrics.PromptTokens);
        Assert.Equal(390, run.Metrics.CompletionTokens);
        Assert.Equal(4, run.Metrics.ApiCalls);
        // The run's span comes from the events (the steps' clock), not from meta.json's UTC times.
        Assert.Equal(new DateTime(2025, 9, 26, 1, 40, 56, DateTimeKind.Utc), run.Metrics.StartedAtUtc);
        Assert.Equal(new DateTime(2025, 9, 26, 1, 56, 11, 100, DateTimeKind.Utc), run.Metrics.EndedAtUtc);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void V1Conversation_EventFileThatIsNotJson_IsAWarningAndTheRestImports()
    {
        using var dir = new TempDirectory();
        var folder = CopyFolder(Fixture("v1-conversation", "9a1f0c2e"), Path.Combine(dir.Path, "conv"));
        var broken = Path.Combine(folder, "event_service", "events", "event-00008-e8.json");
        File.WriteAllText(broken, "{\"kind\": \"ObservationEvent\", ");

        var run = Assert.Single(Import(folder).Runs);

        var warning = Assert.Single(run.Warnings);
        Assert.Equal(("event-unreadable", broken), (warning.Code, warning.File));
        Assert.Equal(5, run.Steps.Count);
        Assert.Null(run.Steps[3].ToolCalls[0].Observation);
    }

    // ---- legacy pair lists and resolver output ----

    [Fact]
    public void PairList_ProntoQA_PairsJoinAndNullObservationsFold()
    {
        var path = Fixture("prontoqa.jsonl");
        var batch = Import(path);
        Assert.Empty(batch.Errors);

        var run = Single(batch, "ProntoQA_demo_1");
        Assert.Equal(RunFormats.OpenHandsPairList, run.Format);
        Assert.Equal("v1.5", run.FormatVersion);
        Assert.Equal("gpt-demo-2024", run.Model);
        Assert.Equal(3, run.Steps.Count);
        var cell = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal(("run_ipython", "%pip install scitools-pyke", "[Package installed successfully]"), (cell.Tool, cell.Command, cell.Observation));
        Assert.Equal("/history/1/0", run.Steps[0].Provenance!.JsonPointer);
        Assert.Equal("The answer is A.", run.Steps[1].Thought);
        Assert.Empty(run.Steps[1].ToolCalls);
        Assert.Null(Assert.Single(run.Steps[2].ToolCalls).Observation);

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal(new OutcomeEvidence { File = path, Detail = "line 1: test_result.result = true" }, Assert.Single(run.Outcome.Evidence), EvidenceComparer.Instance);
    }

    [Fact]
    public void PairList_WithoutIdsOrCause_JoinsThePairAndReadsTheExitCode()
    {
        var run = Single(Import(Fixture("prontoqa.jsonl")), "ProntoQA_demo_2");

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("line 2: test_result.result = false", Assert.Single(run.Outcome.Evidence).Detail);
        var solver = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal(("python solve.py", 1), (solver.Command, solver.ExitCode));
        Assert.StartsWith("Traceback", solver.Observation);
        Assert.Equal("I will answer A.", run.Steps[1].Thought);
    }

    [Fact]
    public void PairList_Gorilla_CorrectFalseIsUnresolved()
    {
        var path = Fixture("gorilla.jsonl");
        var run = Assert.Single(Import(path).Runs);

        Assert.Equal("7", run.Task.Id);
        Assert.Equal("Load a pretrained image classifier from torch hub.", run.Task.Text);
        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("line 1: correct = false", Assert.Single(run.Outcome.Evidence).Detail);
        Assert.Single(run.Steps);
    }

    [Fact]
    public void Resolver_BareDicts_JoinInOrderAndSuccessIsTheVerdict()
    {
        var path = Fixture("resolver.jsonl");
        var run = Assert.Single(Import(path).Runs);

        Assert.Equal(RunFormats.OpenHandsResolver, run.Format);
        Assert.Equal("demo/widgets#42", run.Task.Id);
        Assert.Equal("Add a LICENSE file", run.Task.Title);
        Assert.Equal("Please add an MIT LICENSE file to the repository root.", run.Task.Text);
        Assert.Equal(3, run.Steps.Count);
        Assert.Equal(("touch LICENSE", 0), (run.Steps[0].ToolCalls[0].Command, run.Steps[0].ToolCalls[0].ExitCode));
        Assert.Equal("Create the file first.", run.Steps[0].Thought);
        var commit = run.Steps[1].ToolCalls[0];
        Assert.Equal((128, "fatal: not a git repository"), (commit.ExitCode, commit.Observation));
        Assert.Equal("finish", run.Steps[2].ToolCalls[0].Tool);

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.Equal(path, evidence.File);
        Assert.StartsWith("line 1: success = true (A LICENSE file", evidence.Detail);
        Assert.Equal(0.02, run.Metrics.CostUsd);
    }

    [Fact]
    public void EveryFixture_EveryToolCallHasCommandOrArguments()
    {
        var batch = Import(TestData.Path("openhands"));

        Assert.Equal(12, batch.Runs.Count);
        var calls = batch.Runs.SelectMany(r => r.Steps).SelectMany(s => s.ToolCalls).ToList();
        Assert.NotEmpty(calls);
        // Rejected calls are the exception: the harness refused them before any arguments were kept.
        Assert.All(calls.Where(c => !(c.IsError && c.Tool == "error")), c => Assert.True(c.Command is not null || c.Arguments is not null, c.Tool));
        Assert.All(batch.Runs, r => Assert.Equal(Frameworks.OpenHands, r.Framework));
    }

    // ---- detection ----

    [Fact]
    public void Detection_SweAgentTrajectory_IsNotAnEvalRecord()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("x.traj", "{\"trajectory\": [{\"action\": \"ls\", \"observation\": \"a\"}], \"history\": [{\"role\": \"user\", \"content\": \"hi\"}], \"info\": {}}");

        Assert.False(new OpenHandsEvalJsonlImporter().CanRead(FileSniffer.Sniff(path, 65536)));
        Assert.Null(OpenHandsSniff.EventArrayVersion(FileSniffer.Sniff(path, 65536)));
    }

    [Fact]
    public void Detection_NumberedJsonFilesThatAreNotEvents_AreNotASession()
    {
        using var dir = new TempDirectory();
        dir.Write("job/events/1.json", "{\"name\": \"build\", \"status\": \"ok\"}");

        Assert.False(new OpenHandsSessionDirImporter().ClaimsDirectory(new DirectoryInfo(Path.Combine(dir.Path, "job"))));
        Assert.False(new OpenHandsV1ConversationImporter().ClaimsDirectory(new DirectoryInfo(Path.Combine(dir.Path, "job"))));
    }

    [Fact]
    public void Detection_NormalizedStepsArray_IsNotAnEventArray()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("steps.json", "[{\"step_id\": 1, \"action\": \"ls\", \"observation\": \"a\"}]");

        Assert.False(new OpenHandsEventArrayImporter().CanRead(FileSniffer.Sniff(path, 65536)));
    }

    [Fact]
    public void Detection_EvalLineWhoseHistoryIsBeyondTheHead_IsStillAnEvalRecord()
    {
        using var dir = new TempDirectory();
        var record = "{\"instance_id\": \"a\", \"instruction\": \"b\", \"test_result\": {\"git_patch\": \"" + new string('x', 2000) + "\"}, \"history\": []}";
        var path = dir.Write("output.jsonl", record + "\n");

        Assert.True(new OpenHandsEvalJsonlImporter().CanRead(FileSniffer.Sniff(path, 512)));
        Assert.True(new OpenHandsEvalJsonlImporter().CanRead(FileSniffer.Sniff(path, 65536)));
    }

    [Fact]
    public void Detection_V1EventArray_IsRead()
    {
        using var dir = new TempDirectory();
        var line = File.ReadLines(Fixture("eval-v1.jsonl")).First();
        using var document = JsonDocument.Parse(line);
        var path = dir.Write("events.json", document.RootElement.GetProperty("history").GetRawText());

        var run = Assert.Single(Import(path).Runs);

        Assert.Equal(("V1", RunFormats.OpenHandsEventArray), (run.FormatVersion, run.Format));
        Assert.Equal(5, run.Steps.Count);
    }

    [Theory]
    [InlineData("{'model': 'openai/x-1', 'api_key': '**********'}", "openai/x-1")]
    [InlineData("{\"model\": \"anthropic/y\"}", "anthropic/y")]
    [InlineData("{'api_key': None}", null)]
    public void ModelFromConfig_PythonReprString_FindsTheModel(string repr, string? expected)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(repr));

        Assert.Equal(expected, OpenHandsJson.ModelFromConfig(document.RootElement));
    }

    private static string CopyFolder(string source, string target)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    private sealed class EvidenceComparer : IEqualityComparer<OutcomeEvidence>
    {
        public static readonly EvidenceComparer Instance = new();

        public bool Equals(OutcomeEvidence? x, OutcomeEvidence? y) => x?.File == y?.File && x?.Detail == y?.Detail;

        public int GetHashCode(OutcomeEvidence obj) => HashCode.Combine(obj.File, obj.Detail);
    }
}
