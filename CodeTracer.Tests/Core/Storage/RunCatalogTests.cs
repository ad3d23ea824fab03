using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Tests.Core.Storage;

public sealed class RunCatalogTests
{
    private static CatalogRecord Record(string id, long seq, long termsSeq, bool deleted = false) => new()
    {
        Id = id,
        Seq = seq,
        TermsSeq = termsSeq,
        Deleted = deleted,
        Summary = new RunSummary { Id = id, Framework = "swe-agent", TaskTitle = id },
        TaskFilterText = id,
    };

    private static string[] Search(RunCatalog catalog, string text) =>
        [.. catalog.Query(new RunQuery { Text = text, Take = 1000 }).Items.Select(s => s.Id).Order()];

    private static void LoadAllTerms(RunCatalog catalog, Dictionary<string, string> terms)
    {
        while (catalog.HasPendingTerms)
        {
            foreach (var id in catalog.TakePendingTermIds(10)) catalog.ApplyTerms(id, terms.GetValueOrDefault(id));
        }
    }

    [Fact]
    public void ApplyTerms_ThenSearch_FindsByWordAndPrefix()
    {
        var catalog = new RunCatalog();
        catalog.Apply([Record("a", 1, 1), Record("b", 1, 1)], version: 1);
        LoadAllTerms(catalog, new() { ["a"] = "alpha beta", ["b"] = "beta gamma" });

        Assert.Equal(["a", "b"], Search(catalog, "beta"));
        Assert.Equal(["a"], Search(catalog, "alp"));
        Assert.Equal(["b"], Search(catalog, "beta gam"));
        Assert.Empty(Search(catalog, "al")); // two letters match whole words only
    }

    [Fact]
    public void Requeue_AfterAFailedRead_IdsAreTakenAgain()
    {
        var catalog = new RunCatalog();
        catalog.Apply([Record("a", 1, 1), Record("b", 1, 1), Record("c", 1, 1)], version: 1);

        var taken = catalog.TakePendingTermIds(2);
        catalog.ApplyTerms(taken[0], "one");
        catalog.Requeue(taken.Skip(1));

        Assert.True(catalog.HasPendingTerms);
        Assert.Equal(new[] { "c", taken[1] }.Order(), catalog.TakePendingTermIds(10).Order());
    }

    [Fact]
    public void Apply_ResavedRun_ReindexedUnderNewWordsOnly()
    {
        var catalog = new RunCatalog();
        catalog.Apply([Record("a", 1, 1)], version: 1);
        LoadAllTerms(catalog, new() { ["a"] = "old" });

        catalog.Apply([Record("a", 2, 2)], version: 2);
        Assert.True(catalog.HasPendingTerms);
        LoadAllTerms(catalog, new() { ["a"] = "new" });

        Assert.Empty(Search(catalog, "old"));
        Assert.Equal(["a"], Search(catalog, "new"));
        Assert.Equal(2, catalog.LoadedSeq);
    }

    [Fact]
    public void Apply_SummaryChangeWithoutNewWords_KeepsTheIndex()
    {
        var catalog = new RunCatalog();
        catalog.Apply([Record("a", 1, 1)], version: 1);
        LoadAllTerms(catalog, new() { ["a"] = "word" });

        catalog.Apply([Record("a", 5, 1)], version: 5); // a diagnosis was added: same terms sequence

        Assert.False(catalog.HasPendingTerms);
        Assert.Equal(["a"], Search(catalog, "word"));
    }

    [Fact]
    public void Apply_ManyResaves_CompactsAndStaysCorrect()
    {
        var catalog = new RunCatalog();
        var terms = new Dictionary<string, string> { ["a"] = "apple", ["b"] = "banana" };
        catalog.Apply([Record("a", 1, 1), Record("b", 1, 1)], version: 1);
        LoadAllTerms(catalog, terms);

        for (var seq = 2; seq < 3000; seq++)
        {
            terms["a"] = "apple v" + seq;
            catalog.Apply([Record("a", seq, seq)], version: seq);
            LoadAllTerms(catalog, terms);
        }
        catalog.Apply([Record("b", 3000, 3000, deleted: true)], version: 3000);

        Assert.Equal(["a"], Search(catalog, "apple"));
        Assert.Equal(["a"], Search(catalog, "v2999"));
        Assert.Empty(Search(catalog, "v2998"));
        Assert.Empty(Search(catalog, "banana"));
        Assert.Equal(1, catalog.Count);
    }

    [Fact]
    public void Query_ReturnsCopies_CacheCannotBeChangedByCallers()
    {
        var catalog = new RunCatalog();
        catalog.Apply([Record("a", 1, 1)], version: 1);

        catalog.Query(new RunQuery()).Items[0].TaskTitle = "changed";

        Assert.Equal("a", catalog.Query(new RunQuery()).Items[0].TaskTitle);
    }
}

public sealed class CatalogDocumentTests
{
    [Fact]
    public void ToCatalogRecord_SummaryRoundTrip_KeepsEveryField()
    {
        var summary = new RunSummary
        {
            Id = "r1",
            Framework = "openhands",
            Format = "openhands-eval-jsonl",
            Model = "gpt-4o",
            TaskId = "t-1",
            TaskTitle = "Title",
            Outcome = OutcomeStatus.Resolved,
            ExitStatus = "submitted",
            StepCount = 42,
            ToolCallCount = 50,
            StageCount = 5,
            ErrorSignalCount = 3,
            TotalTokens = 12_345_678_901,
            CostUsd = 1.5,
            DurationSeconds = 99.5,
            WarningCount = 2,
            HasDiagnosis = true,
            OnsetStep = 7,
            SourcePath = "/runs/x",
            ImportedAtUtc = StoreTestRuns.T0,
        };

        var record = StorageDocuments.ToCatalogRecord(StorageDocuments.ToSummaryDocument(summary, "title text", seq: 9, termsSeq: 8));

        Assert.Equal((9L, 8L, false, "title text"), (record.Seq, record.TermsSeq, record.Deleted, record.TaskFilterText));
        Assert.Equal(StoreTestRuns.Json(summary), StoreTestRuns.Json(record.Summary));
    }

    [Fact]
    public void ToCatalogRecord_MissingFields_ReadsDefaultsInsteadOfFailing()
    {
        var record = StorageDocuments.ToCatalogRecord(new LiteDB.BsonDocument { ["_id"] = "odd", ["Outcome"] = "NotAnOutcome", ["StepCount"] = "many" });

        Assert.Equal(("odd", 0L, OutcomeStatus.Unknown, 0, ""), (record.Id, record.Seq, record.Summary.Outcome, record.Summary.StepCount, record.Summary.Framework));
    }
}
