using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using static CodeTracer.Tests.Core.Storage.StoreTestRuns;

namespace CodeTracer.Tests.Core.Storage;

public sealed class LiteDbRunStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LiteDbRunStore _store;

    public LiteDbRunStoreTests()
    {
        _store = Store(_dir);
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task SaveRuns_EveryRunAndStepField_RoundTripsExactly()
    {
        var run = Full("full-run");
        var expectedSteps = Json(run.Steps);
        await _store.SaveRunsAsync([run], CancellationToken.None);

        // Reopen the file so nothing comes from memory.
        _store.Dispose();
        using var reopened = Store(_dir);
        var loaded = await reopened.GetRunAsync("full-run", includeSteps: true, CancellationToken.None);

        Assert.NotNull(loaded);
        Assert.Equal(Json(run), Json(loaded));
        Assert.Equal(expectedSteps, Json(loaded.Steps));
        Assert.Equal(DateTimeKind.Utc, loaded.ImportedAtUtc.Kind);
        Assert.Equal(DateTimeKind.Utc, loaded.Steps[0].StartedAtUtc!.Value.Kind);
        Assert.Equal(T0, loaded.Metrics.StartedAtUtc);
        Assert.Equal("", loaded.Steps[0].Thought);
        Assert.Equal("  Indented task\nwith trailing spaces   \n", loaded.Task.Text);
    }

    [Fact]
    public async Task GetRun_WithoutSteps_KeepsStoredCountsAndStructure()
    {
        await _store.SaveRunsAsync([Full("r1")], CancellationToken.None);

        var loaded = await _store.GetRunAsync("r1", includeSteps: false, CancellationToken.None);

        Assert.NotNull(loaded);
        Assert.Empty(loaded.Steps);
        Assert.Equal(2, loaded.StepCount);
        Assert.Equal(3, loaded.ToolCallCount);
        Assert.Equal(2, loaded.Stages.Count);
        Assert.Equal(2, loaded.StateTree!.Nodes.Count);
        Assert.Single(loaded.ShippedStages);
    }

    [Fact]
    public async Task GetRun_UnknownId_ReturnsNull()
    {
        Assert.Null(await _store.GetRunAsync("nope", includeSteps: true, CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_SameIdAgain_UpdatesInsteadOfDuplicating()
    {
        var first = await _store.SaveRunsAsync([Simple("a", 3), Simple("b", 2)], CancellationToken.None);
        var changed = Simple("a", 3, outcome: OutcomeStatus.Resolved);
        var second = await _store.SaveRunsAsync([changed, Simple("c", 1)], CancellationToken.None);

        Assert.Equal((2, 0, 5), (first.Inserted, first.Updated, first.Steps));
        Assert.Equal((1, 1, 4), (second.Inserted, second.Updated, second.Steps));
        Assert.Equal(3, await _store.CountRunsAsync(CancellationToken.None));
        var page = await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None);
        Assert.Equal(3, page.TotalCount);
        Assert.Equal(OutcomeStatus.Resolved, page.Items.Single(s => s.Id == "a").Outcome);
    }

    [Fact]
    public async Task SaveRuns_ResavedWithFewerSteps_ReplacesTheSteps()
    {
        var original = Simple("r", 12);
        original.Steps[10].ToolCalls[0].Observation = new string('x', 5000); // moved to file storage
        await _store.SaveRunsAsync([original], CancellationToken.None);

        var shorter = Simple("r", 3);
        shorter.Steps[0].Thought = "rewritten";
        var summary = await _store.SaveRunsAsync([shorter], CancellationToken.None);

        Assert.Equal(1, summary.Updated);
        var steps = await _store.GetStepsAsync("r", 1, 100, CancellationToken.None);
        Assert.Equal([1, 2, 3], steps.Select(s => s.Id));
        Assert.Equal("rewritten", steps[0].Thought);
        Assert.Empty(await _store.GetStepsAsync("r", 11, 1, CancellationToken.None));
        var run = await _store.GetRunAsync("r", includeSteps: false, CancellationToken.None);
        Assert.Equal(3, run!.StepCount);
    }

    [Fact]
    public async Task SaveRuns_IdsDifferingOnlyInCaseOrSuffix_StayApart()
    {
        await _store.SaveRunsAsync([Simple("abc", 2), Simple("ABC", 3), Simple("abc0", 4), Simple("abc-x", 5), Simple("abc_x", 6)], CancellationToken.None);

        Assert.Equal(5, await _store.CountRunsAsync(CancellationToken.None));
        Assert.Equal(2, (await _store.GetStepsAsync("abc", 1, 100, CancellationToken.None)).Count);
        Assert.Equal(3, (await _store.GetStepsAsync("ABC", 1, 100, CancellationToken.None)).Count);
        Assert.True(await _store.DeleteRunAsync("abc", CancellationToken.None));
        var counts = new List<int>();
        foreach (var id in new[] { "ABC", "abc0", "abc-x", "abc_x" }) counts.Add((await _store.GetStepsAsync(id, 1, 100, CancellationToken.None)).Count);
        Assert.Equal([3, 4, 5, 6], counts);
    }

    [Fact]
    public async Task GetSteps_Ranges_ReturnThoseStepsInOrder()
    {
        await _store.SaveRunsAsync([Simple("r", 25), Simple("r2", 5)], CancellationToken.None);

        Assert.Equal([9, 10, 11], (await _store.GetStepsAsync("r", 9, 3, CancellationToken.None)).Select(s => s.Id));
        Assert.Equal(Enumerable.Range(1, 25), (await _store.GetStepsAsync("r", 1, int.MaxValue, CancellationToken.None)).Select(s => s.Id));
        Assert.Equal([24, 25], (await _store.GetStepsAsync("r", 24, 10, CancellationToken.None)).Select(s => s.Id));
        Assert.Equal([1, 2], (await _store.GetStepsAsync("r", -5, 2, CancellationToken.None)).Select(s => s.Id));
        Assert.Empty(await _store.GetStepsAsync("r", 26, 10, CancellationToken.None));
        Assert.Empty(await _store.GetStepsAsync("r", 1, 0, CancellationToken.None));
        Assert.Empty(await _store.GetStepsAsync("missing", 1, 10, CancellationToken.None));
        Assert.Equal("cat file10.py", (await _store.GetStepsAsync("r", 10, 1, CancellationToken.None))[0].ToolCalls[0].Command);
    }

    [Fact]
    public async Task QueryRuns_PagingAndSort_PageThroughEveryRunOnce()
    {
        var runs = Enumerable.Range(1, 23).Select(i => Simple($"run{i:D2}", i % 5, importedAt: T0.AddMinutes(i))).ToList();
        await _store.SaveRunsAsync(runs, CancellationToken.None);

        var seen = new List<string>();
        for (var skip = 0; skip < 30; skip += 10)
        {
            var page = await _store.QueryRunsAsync(new RunQuery { SortBy = RunSortField.Steps, Descending = false, Skip = skip, Take = 10 }, CancellationToken.None);
            Assert.Equal(23, page.TotalCount);
            seen.AddRange(page.Items.Select(s => s.Id));
        }
        Assert.Equal(runs.Select(r => r.Id).Order(), seen.Order());
        var byDefault = await _store.QueryRunsAsync(new RunQuery { Take = 3 }, CancellationToken.None);
        Assert.Equal(["run23", "run22", "run21"], byDefault.Items.Select(s => s.Id));
        var bySteps = await _store.QueryRunsAsync(new RunQuery { SortBy = RunSortField.Steps, Descending = true, Take = 5 }, CancellationToken.None);
        Assert.Equal([4, 4, 4, 4, 3], bySteps.Items.Select(s => s.StepCount));
        Assert.Equal(["run04", "run09", "run14", "run19", "run03"], bySteps.Items.Select(s => s.Id)); // ties by id
    }

    [Fact]
    public async Task QueryRuns_Filters_MatchOnlyThoseRuns()
    {
        await _store.SaveRunsAsync(
        [
            Simple("a", 10, framework: "openhands", model: "gpt-4o", outcome: OutcomeStatus.Resolved, task: "astropy issue"),
            Simple("b", 50, framework: "openhands", model: "claude", outcome: OutcomeStatus.Unresolved, task: "django bug"),
            Simple("c", 120, framework: "swe-agent", model: null, outcome: OutcomeStatus.Unknown, task: "Django migration"),
        ], CancellationToken.None);
        await _store.SaveDiagnosisAsync(new RunDiagnosis { RunId = "b", Method = "heuristic", OnsetStep = 7 }, CancellationToken.None);

        async Task<string[]> Ids(RunQuery q) => [.. (await _store.QueryRunsAsync(q, CancellationToken.None)).Items.Select(s => s.Id).Order()];

        Assert.Equal(["a", "b"], await Ids(new RunQuery { Framework = "openhands" }));
        Assert.Equal(["b"], await Ids(new RunQuery { Model = "claude" }));
        Assert.Equal(["c"], await Ids(new RunQuery { Outcome = OutcomeStatus.Unknown }));
        Assert.Equal(["b", "c"], await Ids(new RunQuery { TaskText = "DJANGO" }));
        Assert.Equal(["b"], await Ids(new RunQuery { MinSteps = 20, MaxSteps = 100 }));
        Assert.Equal(["b"], await Ids(new RunQuery { HasDiagnosis = true }));
        Assert.Equal(["a", "c"], await Ids(new RunQuery { HasDiagnosis = false }));
        Assert.Equal(["b"], await Ids(new RunQuery { Framework = "openhands", TaskText = "django" }));
        Assert.Empty(await Ids(new RunQuery { Framework = "terminus-2" }));
        var b = (await _store.QueryRunsAsync(new RunQuery { HasDiagnosis = true }, CancellationToken.None)).Items.Single();
        Assert.Equal(7, b.OnsetStep);
    }

    [Fact]
    public async Task QueryRuns_FreeText_SearchesTaskAndEveryKindOfStepText()
    {
        var thought = Simple("thought", 2);
        thought.Steps[1].Thought = "I suspect the ConfigLoader is wrong";
        var command = Simple("command", 2);
        command.Steps[0].ToolCalls[0].Command = "python -m pytest tests/test_widgets.py";
        var observation = Simple("observation", 2);
        observation.Steps[1].ToolCalls[0].Observation = "Traceback (most recent call last):\nTypeError: unsupported operand";
        var bigObservation = Simple("big", 2);
        bigObservation.Steps[0].ToolCalls[0].Observation = new string('.', 4000) + " zebrafish " + new string('.', 4000);
        var task = Simple("task", 1, task: "astropy separability matrix");
        await _store.SaveRunsAsync([thought, command, observation, bigObservation, task], CancellationToken.None);

        async Task<string[]> Search(string text) => [.. (await _store.QueryRunsAsync(new RunQuery { Text = text }, CancellationToken.None)).Items.Select(s => s.Id).Order()];

        Assert.Equal(["thought"], await Search("configloader"));
        Assert.Equal(["thought"], await Search("loader"));            // camelCase part
        Assert.Equal(["command"], await Search("test_widgets"));      // both words of an identifier
        Assert.Equal(["command"], await Search("pytest"));
        Assert.Equal(["observation"], await Search("TypeError"));
        Assert.Equal(["observation"], await Search("typeerr"));       // prefix
        Assert.Equal(["big"], await Search("zebrafish"));             // inside a text stored apart
        Assert.Equal(["task"], await Search("separability"));
        Assert.Equal(["observation"], await Search("traceback operand")); // every word must match
        Assert.Empty(await Search("traceback zebrafish"));
        Assert.Empty(await Search("nonexistentword"));
        Assert.Equal(5, (await Search("  ")).Length);                  // blank: no text filter
    }

    [Fact]
    public async Task QueryRuns_FreeTextAfterResave_FindsNewWordsNotOldOnes()
    {
        var run = Simple("r", 1);
        run.Steps[0].Thought = "alpha";
        await _store.SaveRunsAsync([run], CancellationToken.None);
        Assert.Single((await _store.QueryRunsAsync(new RunQuery { Text = "alpha" }, CancellationToken.None)).Items);

        run.Steps[0].Thought = "omega";
        await _store.SaveRunsAsync([run], CancellationToken.None);

        Assert.Empty((await _store.QueryRunsAsync(new RunQuery { Text = "alpha" }, CancellationToken.None)).Items);
        Assert.Single((await _store.QueryRunsAsync(new RunQuery { Text = "omega" }, CancellationToken.None)).Items);
    }

    [Fact]
    public async Task QueryRuns_FirstPage_FillsTheWordIndexInTheBackground()
    {
        await _store.SaveRunsAsync(Enumerable.Range(0, 120).Select(i => Simple("w" + i, 2)).ToList(), CancellationToken.None);
        Assert.Null(_store.SearchIndexWarmup);

        await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None);
        await _store.SearchIndexWarmup!;

        Assert.True(_store.SearchIndexComplete);
        Assert.Equal(120, (await _store.QueryRunsAsync(new RunQuery { Text = "contents" }, CancellationToken.None)).TotalCount);
    }

    [Fact]
    public async Task QueryRuns_PreloadOff_IndexLoadsAtTheFirstSearch()
    {
        using var store = Store(_dir, o => o.PreloadSearchIndex = false, name: "lazy.db");
        await store.SaveRunsAsync([Simple("a", 2)], CancellationToken.None);

        await store.QueryRunsAsync(new RunQuery(), CancellationToken.None);
        Assert.Null(store.SearchIndexWarmup);
        Assert.False(store.SearchIndexComplete);

        Assert.Single((await store.QueryRunsAsync(new RunQuery { Text = "file1" }, CancellationToken.None)).Items);
        Assert.True(store.SearchIndexComplete);
    }

    [Fact]
    public async Task GetFacets_CountsEveryValue()
    {
        await _store.SaveRunsAsync(
        [
            Simple("a", 1, framework: "openhands", model: "gpt-4o", outcome: OutcomeStatus.Resolved),
            Simple("b", 1, framework: "openhands", model: "gpt-4o"),
            Simple("c", 1, framework: "swe-agent", model: null),
        ], CancellationToken.None);

        var facets = await _store.GetFacetsAsync(CancellationToken.None);

        Assert.Equal(3, facets.TotalRuns);
        Assert.Equal(new Dictionary<string, int> { ["openhands"] = 2, ["swe-agent"] = 1 }, facets.Frameworks);
        Assert.Equal(new Dictionary<string, int> { ["gpt-4o"] = 2 }, facets.Models);
        Assert.Equal(new Dictionary<OutcomeStatus, int> { [OutcomeStatus.Resolved] = 1, [OutcomeStatus.Unresolved] = 2 }, facets.Outcomes);
    }

    [Fact]
    public async Task Diagnoses_SeveralPerRun_NewestFirstAndKeptAcrossReimport()
    {
        await _store.SaveRunsAsync([Simple("r", 3)], CancellationToken.None);
        var old = new RunDiagnosis { Id = "d-old", RunId = "r", Method = "heuristic", OnsetStep = 1, CreatedAtUtc = T0 };
        var newest = new RunDiagnosis
        {
            Id = "d-new",
            RunId = "r",
            Method = "llm:gpt-4o",
            OnsetStep = 2,
            CreatedAtUtc = T0.AddHours(1),
            ErrorChain = [new ErrorChainLink { Step = 2, Role = "onset", Why = "edited the wrong file" }],
            StageLabels = [new StageLabel { StageId = 1, IncorrectStepIds = [2], UnusefulStepIds = [3], Reasoning = "r" }],
            DecisionPoints = [new DecisionPoint { StepId = 2, Decision = "edit", ShouldHave = "test first" }],
            RootCauseChain = ["a", "b"],
            PromptTokens = 10,
            CompletionTokens = 5,
            CostUsd = 0.5,
            RunStepCount = 3,
        };
        var middle = new RunDiagnosis { Id = "d-mid", RunId = "r", Method = "heuristic", OnsetStep = 3, CreatedAtUtc = T0.AddMinutes(30) };
        await _store.SaveDiagnosisAsync(old, CancellationToken.None);
        await _store.SaveDiagnosisAsync(newest, CancellationToken.None);
        await _store.SaveDiagnosisAsync(middle, CancellationToken.None);
        var generated = new RunDiagnosis { RunId = "other", Method = "heuristic" };
        await _store.SaveDiagnosisAsync(generated, CancellationToken.None);

        await _store.SaveRunsAsync([Simple("r", 3)], CancellationToken.None);

        var list = await _store.GetDiagnosesAsync("r", CancellationToken.None);
        Assert.Equal(["d-new", "d-mid", "d-old"], list.Select(d => d.Id));
        Assert.Equal(Json(newest), Json(await _store.GetDiagnosisAsync("d-new", CancellationToken.None)));
        Assert.False(string.IsNullOrEmpty(generated.Id));
        Assert.NotEqual(default, generated.CreatedAtUtc);
        Assert.NotNull(await _store.GetDiagnosisAsync(generated.Id, CancellationToken.None));
        var summary = (await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Single();
        Assert.True(summary.HasDiagnosis);
        Assert.Equal(2, summary.OnsetStep);
    }

    [Fact]
    public async Task DeleteRun_RemovesRunStepsDiagnosesAndListing()
    {
        var doomed = Simple("doomed", 4);
        doomed.Steps[0].ToolCalls[0].Observation = new string('z', 3000);
        await _store.SaveRunsAsync([doomed, Simple("kept", 1)], CancellationToken.None);
        await _store.SaveDiagnosisAsync(new RunDiagnosis { Id = "dx", RunId = "doomed", Method = "heuristic" }, CancellationToken.None);
        Assert.Equal(2, await _store.CountRunsAsync(CancellationToken.None));

        Assert.True(await _store.DeleteRunAsync("doomed", CancellationToken.None));

        Assert.False(await _store.DeleteRunAsync("doomed", CancellationToken.None));
        Assert.Null(await _store.GetRunAsync("doomed", includeSteps: true, CancellationToken.None));
        Assert.Empty(await _store.GetStepsAsync("doomed", 1, 10, CancellationToken.None));
        Assert.Empty(await _store.GetDiagnosesAsync("doomed", CancellationToken.None));
        Assert.Equal(["kept"], (await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Select(s => s.Id));
        Assert.Equal(1, (await _store.GetFacetsAsync(CancellationToken.None)).TotalRuns);

        await _store.SaveRunsAsync([Simple("doomed", 2)], CancellationToken.None);
        Assert.Equal(2, await _store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_HugeObservation_StoredApartAndReadBackWhole()
    {
        // 20 million characters in one observation: over LiteDB's 16 MB document cap if it were kept inline.
        var huge = string.Create(20_000_000, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = (char)('a' + (i * 7 % 26));
        });
        var run = Simple("huge", 2);
        run.Steps[1].ToolCalls[0].Observation = huge;
        run.Steps[1].Thought = "é漢字🙂 " + new string('t', 3000);
        using var store = Store(_dir, o => o.MaxInlineTextChars = 256 * 1024, name: "huge.db");

        var summary = await store.SaveRunsAsync([run], CancellationToken.None);

        Assert.Empty(summary.Errors);
        var step = (await store.GetStepsAsync("huge", 2, 1, CancellationToken.None)).Single();
        Assert.Equal(huge.Length, step.ToolCalls[0].Observation!.Length);
        Assert.Equal(huge, step.ToolCalls[0].Observation);
        Assert.Equal(run.Steps[1].Thought, step.Thought);
        var whole = await store.GetRunAsync("huge", includeSteps: true, CancellationToken.None);
        Assert.Equal(huge, whole!.Steps[1].ToolCalls[0].Observation);
        Assert.True(new FileInfo(store.DatabasePath).Length > 20_000_000);
    }

    [Fact]
    public async Task SaveRuns_ManyParallelCallsEachUnderTheLimit_StillStoredWhole()
    {
        // 100 calls of 200,000 characters: each under the inline limit, together 20 MB, over LiteDB's document cap.
        var run = Simple("wide", 1);
        run.Steps[0].ToolCalls = Enumerable.Range(0, 100)
            .Select(i => new ToolCall { Tool = "read", Command = "cat f" + i, Observation = new string((char)('a' + i % 26), 200_000) + i })
            .ToList();
        using var store = Store(_dir, o => o.MaxInlineTextChars = 256 * 1024, name: "wide.db");

        var summary = await store.SaveRunsAsync([run], CancellationToken.None);

        Assert.Empty(summary.Errors);
        var step = (await store.GetStepsAsync("wide", 1, 1, CancellationToken.None)).Single();
        Assert.Equal(run.Steps[0].ToolCalls.Select(c => c.Observation), step.ToolCalls.Select(c => c.Observation));
    }

    [Fact]
    public async Task Reads_EmptyIds_ReturnNothing()
    {
        Assert.Null(await _store.GetRunAsync("", includeSteps: true, CancellationToken.None));
        Assert.Empty(await _store.GetStepsAsync("", 1, 10, CancellationToken.None));
        Assert.Null(await _store.GetDiagnosisAsync("", CancellationToken.None));
        Assert.False(await _store.DeleteRunAsync("", CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_LongTaskTextAndArguments_MovedApartAndRestored()
    {
        var run = Simple("long", 1);
        run.Task.Text = new string('q', 5000);
        run.Steps[0].ToolCalls[0].Arguments = "{\"file_text\":\"" + new string('w', 5000) + "\"}";
        run.Steps[0].ToolCalls[0].Command = new string('c', 2000);
        run.Steps[0].Reasoning = new string('r', 2000);

        await _store.SaveRunsAsync([run], CancellationToken.None);

        var loaded = await _store.GetRunAsync("long", includeSteps: true, CancellationToken.None);
        Assert.Equal(Json(run), Json(loaded));
    }

    [Fact]
    public async Task SaveRuns_ZeroStepRun_StoredAndListed()
    {
        var empty = Simple("empty", 0);
        empty.Warnings.Add(new ImportWarning { Code = "no-steps", Message = "the run has no agent steps" });

        var summary = await _store.SaveRunsAsync([empty], CancellationToken.None);

        Assert.Equal((1, 0), (summary.Inserted, summary.Steps));
        var listed = (await _store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Single();
        Assert.Equal(("empty", 0, 1), (listed.Id, listed.StepCount, listed.WarningCount));
        var run = await _store.GetRunAsync("empty", includeSteps: true, CancellationToken.None);
        Assert.Empty(run!.Steps);
        Assert.Empty(await _store.GetStepsAsync("empty", 1, 50, CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_OneUnstorableRun_OthersStillStored()
    {
        var badId = Simple("../escape", 1);
        var duplicateSteps = Simple("dupes", 2);
        duplicateSteps.Steps[1].Id = 1; // two documents with one key: the insert fails inside the batch
        var good = Simple("good", 2);
        var good2 = Simple("good2", 3);

        var summary = await _store.SaveRunsAsync([badId, duplicateSteps, good, good2], CancellationToken.None);

        Assert.Equal(2, summary.Inserted);
        Assert.Equal(5, summary.Steps);
        Assert.Equal(["../escape", "dupes"], summary.Errors.Select(e => e.RunId));
        Assert.Contains("only letters, digits", summary.Errors[0].Reason);
        Assert.Equal("/runs/dupes.traj", summary.Errors[1].Source);
        Assert.Equal(["good", "good2"], (await _store.QueryRunsAsync(new RunQuery { SortBy = RunSortField.Steps, Descending = false }, CancellationToken.None)).Items.Select(s => s.Id));
        Assert.Null(await _store.GetRunAsync("dupes", includeSteps: false, CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_ManyBatches_AllStored()
    {
        using var store = Store(_dir, o => o.WriteBatchRuns = 7, name: "batches.db");
        var runs = Enumerable.Range(0, 50).Select(i => Simple("b" + i, 3)).ToList();

        var summary = await store.SaveRunsAsync(runs, CancellationToken.None);

        Assert.Equal((50, 150), (summary.Inserted, summary.Steps));
        Assert.Equal(50, await store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_OneLargeBatchIntoFreshFileThenAgain_Succeeds()
    {
        // LiteDB 5.0.21 guards index walks with a budget computed from the file size when a transaction starts: a
        // full scan of a collection that grew inside one large transaction fails with "Detected loop in FindAll".
        // Every lookup while saving must therefore be an index seek, even when the batch replaces thousands of steps.
        using var store = Store(_dir, o => o.WriteBatchRuns = 10_000, name: "large.db");
        var runs = Enumerable.Range(0, 150).Select(i => Simple($"r{i}", 30)).ToList();

        var first = await store.SaveRunsAsync(runs, CancellationToken.None);
        var second = await store.SaveRunsAsync(runs, CancellationToken.None);

        Assert.Empty(first.Errors);
        Assert.Empty(second.Errors);
        Assert.Equal((150, 4500), (first.Inserted, first.Steps));
        Assert.Equal((150, 4500), (second.Updated, second.Steps));
        Assert.Equal(30, (await store.GetStepsAsync("r149", 1, 100, CancellationToken.None)).Count);
    }

    [Fact]
    public async Task AllMethods_CancelledToken_ThrowWithoutWriting()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.SaveRunsAsync([Simple("x", 1)], token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetRunAsync("x", true, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetStepsAsync("x", 1, 5, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.QueryRunsAsync(new RunQuery(), token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetFacetsAsync(token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.CountRunsAsync(token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.DeleteRunAsync("x", token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.SaveDiagnosisAsync(new RunDiagnosis { RunId = "x" }, token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetDiagnosesAsync("x", token));
        Assert.Equal(0, await _store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task SaveRuns_CancelledBetweenBatches_KeepsFinishedBatchesOnly()
    {
        using var store = Store(_dir, o => o.WriteBatchRuns = 1, name: "cancel.db");
        using var cts = new CancellationTokenSource();
        // The list cancels the token when the second run is taken from it, i.e. after the first batch was written.
        var runs = new CancellingList([Simple("first", 1), Simple("second", 1), Simple("third", 1)], cancelAt: 1, cts);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SaveRunsAsync(runs, cts.Token));

        var ids = (await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Select(s => s.Id).ToList();
        Assert.Equal(["first"], ids);
    }

    [Fact]
    public async Task TwoStoresOnOneFile_SeeEachOthersWrites()
    {
        // Two store instances stand for the server and the command line: each has its own catalog and connection.
        using var other = Store(_dir);
        await _store.SaveRunsAsync([Simple("mine", 1)], CancellationToken.None);
        Assert.Equal(["mine"], (await other.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Select(s => s.Id));

        var theirs = Simple("theirs", 2);
        theirs.Steps[0].Thought = "quokka";
        await other.SaveRunsAsync([theirs], CancellationToken.None);
        Assert.Equal(["theirs"], (await _store.QueryRunsAsync(new RunQuery { Text = "quokka" }, CancellationToken.None)).Items.Select(s => s.Id));

        await other.SaveDiagnosisAsync(new RunDiagnosis { RunId = "mine", Method = "heuristic", OnsetStep = 1 }, CancellationToken.None);
        Assert.True((await _store.QueryRunsAsync(new RunQuery { HasDiagnosis = true }, CancellationToken.None)).Items.Single().Id == "mine");

        await other.DeleteRunAsync("theirs", CancellationToken.None);
        Assert.Empty((await _store.QueryRunsAsync(new RunQuery { Text = "quokka" }, CancellationToken.None)).Items);
        Assert.Equal(1, await _store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Open_FileThatIsNotADatabase_FailsNamingTheFile()
    {
        var path = _dir.Write("notes.db", "this is a text file, not a LiteDB database; " + new string('x', 20_000));
        using var store = Store(_dir, name: "notes.db");

        var error = await Assert.ThrowsAsync<StorageException>(() => store.CountRunsAsync(CancellationToken.None));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public async Task Open_MissingFolder_IsCreated()
    {
        using var store = Store(_dir, name: Path.Combine("nested", "deeper", "runs.db"));

        await store.SaveRunsAsync([Simple("r", 1)], CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_dir.Path, "nested", "deeper", "runs.db")));
    }

    private sealed class CancellingList(List<Run> runs, int cancelAt, CancellationTokenSource cts) : IReadOnlyList<Run>
    {
        public Run this[int index] => runs[index];

        public int Count => runs.Count;

        public IEnumerator<Run> GetEnumerator()
        {
            for (var i = 0; i < runs.Count; i++)
            {
                if (i == cancelAt) cts.Cancel();
                yield return runs[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
