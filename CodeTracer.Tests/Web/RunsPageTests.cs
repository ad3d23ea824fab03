using Bunit;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Components.Pages;
using CodeTracer.Web.Utils;

namespace CodeTracer.Tests.Web;

public sealed class RunsPageTests : WebTestContext
{
    private readonly RecordingRunStore _recording;

    public RunsPageTests()
    {
        _recording = new RecordingRunStore(Store);
        RunStore = _recording;
        JSInterop.SetupModule("./js/runs-grid.js");
        for (var i = 1; i <= 30; i++)
        {
            var outcome = i % 3 == 0 ? OutcomeStatus.Resolved : OutcomeStatus.Unresolved;
            Store.SaveRunsAsync([MakeRun($"run{i:00}", $"acme__task-{i}", i % 2 == 0 ? "openhands" : "swe-agent", outcome, steps: i)], CancellationToken.None).Wait();
        }
    }

    [Fact]
    public void Runs_FiltersInUrl_QueryTheStoreWithThem()
    {
        Navigation.NavigateTo("/?framework=swe-agent&outcome=unresolved&q=needle&task=acme&minSteps=2&maxSteps=20");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.NotEmpty(_recording.Queries));
        var query = _recording.Queries.Last();
        Assert.Equal("swe-agent", query.Framework);
        Assert.Equal(OutcomeStatus.Unresolved, query.Outcome);
        Assert.Equal("needle", query.Text);
        Assert.Equal("acme", query.TaskText);
        Assert.Equal(2, query.MinSteps);
        Assert.Equal(20, query.MaxSteps);
        Assert.Null(query.Model);
        Assert.Equal(0, query.Skip);
        Assert.Equal(WebOptions.RunsPageSize, query.Take);
    }

    [Fact]
    public void Runs_SortAndPageInUrl_QueryThatPageInThatOrder()
    {
        Navigation.NavigateTo("/?sort=-steps&page=2");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.NotEmpty(_recording.Queries));
        var query = _recording.Queries.Last();
        Assert.Equal(RunSortField.Steps, query.SortBy);
        Assert.True(query.Descending);
        Assert.Equal(WebOptions.RunsPageSize, query.Skip);
        // Page 2 of 30 runs, 25 per page, by steps descending: runs with 5..1 steps.
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("tr.ct-run-row").Count));
        Assert.Contains("acme__task-5", cut.FindAll("tr.ct-run-row")[0].TextContent);
    }

    [Fact]
    public void Runs_Rows_CarryRunIdOutcomeAndLink()
    {
        Navigation.NavigateTo("/?task=acme__task-9");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr.ct-run-row")));
        var row = cut.Find("tr.ct-run-row");
        Assert.Contains("ct-outcome-resolved", row.ClassList);
        Assert.Equal("run09", row.QuerySelector("[data-ct-row-id]")!.GetAttribute("data-ct-row-id"));
        Assert.Equal("/runs/run09", row.QuerySelector("a.ct-run-task")!.GetAttribute("href"));
        Assert.Equal("resolved", row.QuerySelector(".ct-outcome-chip")!.GetAttribute("data-outcome"));
        Assert.Equal("1 run", cut.Find("#ct-runs-count").TextContent);
    }

    [Fact]
    public void Runs_ClickRow_NavigatesToTheRunPage()
    {
        Navigation.NavigateTo("/?task=acme__task-7");
        var cut = Render<Runs>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr.ct-run-row")));

        cut.Find("tr.ct-run-row td:nth-child(2)").Click();

        Assert.EndsWith("/runs/run07", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_FilterMatchesNothing_SaysSoAndOffersToClear()
    {
        Navigation.NavigateTo("/?task=nothing-like-this");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#ct-runs-none")));
        Assert.Equal("0 runs", cut.Find("#ct-runs-count").TextContent);
        cut.Find("#ct-clear-filters").Click();
        Assert.DoesNotContain("task=", Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_DiagnosedFilterInUrl_QueriesDiagnosedRunsAndLinksTheirOnset()
    {
        await Store.SaveDiagnosisAsync(new RunDiagnosis { Id = "d1", RunId = "run05", Method = "heuristic", OnsetStep = 3 }, CancellationToken.None);
        Navigation.NavigateTo("/?diagnosed=yes");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr.ct-run-row")));
        Assert.True(_recording.Queries.Last().HasDiagnosis);
        var onset = cut.Find("tr.ct-run-row a.ct-run-onset");
        Assert.Equal("/runs/run05?step=3", onset.GetAttribute("href"));
        Assert.Equal("step 3", onset.TextContent);
        Assert.NotNull(cut.Find("#ct-clear-filters"));
    }

    [Fact]
    public async Task Runs_NotDiagnosedFilter_ShowsNoOnsetLinks()
    {
        await Store.SaveDiagnosisAsync(new RunDiagnosis { Id = "d1", RunId = "run05", Method = "heuristic", OnsetStep = 3 }, CancellationToken.None);
        Navigation.NavigateTo("/?diagnosed=no&sort=task");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.Equal("29 runs", cut.Find("#ct-runs-count").TextContent));
        Assert.False(_recording.Queries.Last().HasDiagnosis);
        Assert.Empty(cut.FindAll("a.ct-run-onset"));
        Assert.NotEmpty(cut.FindAll("tr.ct-run-row .ct-run-onset-none"));
    }

    [Fact]
    public void Runs_NoDiagnosedFilter_QueriesAllRuns()
    {
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.NotEmpty(_recording.Queries));
        Assert.Null(_recording.Queries.Last().HasDiagnosis);
    }

    [Fact]
    public void Runs_BeforeTheFirstLoadFinishes_SaysLoadingNotNoRuns()
    {
        _recording.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Navigation.NavigateTo("/?framework=swe-agent");
        var cut = Render<Runs>();

        cut.WaitForAssertion(() => Assert.NotEmpty(_recording.Queries));
        var count = cut.Find("#ct-runs-count");
        Assert.Equal("Loading runs…", count.TextContent);
        Assert.Equal("false", count.GetAttribute("data-loaded"));
        Assert.DoesNotContain("0 runs", cut.Markup, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("#ct-runs-none"));
        Assert.Empty(cut.FindAll(".ct-runs-of"));
        Assert.DoesNotContain("of 0", cut.Markup, StringComparison.Ordinal);

        _recording.Hold.SetResult();

        cut.WaitForAssertion(() => Assert.Equal("15 runs", cut.Find("#ct-runs-count").TextContent));
        Assert.Equal("true", cut.Find("#ct-runs-count").GetAttribute("data-loaded"));
        Assert.Empty(cut.FindAll("#ct-runs-loading"));
        Assert.NotNull(cut.Find(".ct-runs-of"));
        Assert.Contains("1-15 of 15", cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_FacetsShowCounts()
    {
        var cut = Render<Runs>();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("tr.ct-run-row")));
        var facets = await Store.GetFacetsAsync(CancellationToken.None);
        Assert.Equal(15, facets.Frameworks["swe-agent"]);
        Assert.Equal("30 runs", cut.Find("#ct-runs-count").TextContent);
    }
}

public sealed class EmptyRunsPageTests : WebTestContext
{
    [Fact]
    public void Runs_EmptyStore_ExplainsHowToImport()
    {
        JSInterop.SetupModule("./js/runs-grid.js");
        var cut = Render<Runs>();

        var empty = cut.Find("#ct-runs-empty");
        Assert.Contains("No runs yet", empty.TextContent);
        Assert.Contains("import PATH", empty.TextContent);
        Assert.NotNull(empty.QuerySelector($"a[href='{RunUrls.ImportPath}']"));
        Assert.Empty(cut.FindAll("tr.ct-run-row"));
    }
}

public sealed class RunListUrlTests
{
    [Fact]
    public void Runs_FilterWithEveryField_RoundTripsThroughTheUrl()
    {
        var filter = new RunListFilter
        {
            Framework = "open hands", Model = "gpt-4o/mini", Outcome = OutcomeStatus.Unknown, Text = "a&b=c", Task = "über",
            MinSteps = 3, MaxSteps = 9, Diagnosed = false, Sort = "-cost", Page = 4,
        };
        var url = RunUrls.Runs(filter);
        Assert.Equal("/?framework=open%20hands&model=gpt-4o%2Fmini&outcome=unknown&q=a%26b%3Dc&task=%C3%BCber&minSteps=3&maxSteps=9&diagnosed=no&sort=-cost&page=4", url);

        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + url).Query);
        var back = RunListFilter.FromQuery(query["framework"], query["model"], query["outcome"], query["q"], query["task"],
            int.Parse(query["minSteps"]!, System.Globalization.CultureInfo.InvariantCulture), int.Parse(query["maxSteps"]!, System.Globalization.CultureInfo.InvariantCulture),
            query["sort"], int.Parse(query["page"]!, System.Globalization.CultureInfo.InvariantCulture), query["diagnosed"]);
        Assert.Equal(filter, back);
        Assert.True(RunListFilter.FromQuery(null, null, null, null, null, null, null, null, null, "YES").Diagnosed);
    }

    [Fact]
    public void FromQuery_BadValues_AreDroppedNotFatal()
    {
        var filter = RunListFilter.FromQuery(" ", null, "maybe", "", null, -1, null, "nonsense", 0, "perhaps");
        Assert.Equal(new RunListFilter(), filter);
        Assert.Equal("/", RunUrls.Runs(filter));
    }

    [Fact]
    public void Run_WithSelection_BuildsDeepLink()
    {
        Assert.Equal("/runs/ab12?step=3&call=0&q=KiB%20suffix&tab=diagram&diagnosis=d1", RunUrls.Run("ab12", 3, 0, "KiB suffix", "diagram", "d1"));
        Assert.Equal("/runs/ab12", RunUrls.Run("ab12", tab: "tree"));
    }
}

public sealed class DisplayTests
{
    [Theory]
    [InlineData("\u001b[31mred\u001b[0m title", "red title")]
    [InlineData("a\u001b]0;window title\u0007b", "ab")]
    [InlineData("line1\nline2\r\u0000x", "line1 line2  x")]
    [InlineData("<script>alert(1)</script>", "<script>alert(1)</script>")]
    [InlineData(null, "")]
    public void Plain_TerminalNoise_IsRemoved(string? text, string expected) => Assert.Equal(expected, Display.Plain(text));

    [Fact]
    public void Figures_AreShortAndCultureFree()
    {
        Assert.Equal("1.2k", Display.Tokens(1234));
        Assert.Equal("3.4M", Display.Tokens(3_400_000));
        Assert.Equal("–", Display.Tokens(null));
        Assert.Equal("$0.40", Display.Cost(0.4));
        Assert.Equal("3m 12s", Display.Duration(192));
        Assert.Equal("2h 5m", Display.Duration(7500));
    }
}
