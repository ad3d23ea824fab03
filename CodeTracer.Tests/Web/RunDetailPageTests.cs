using AngleSharp.Dom;
using Bunit;
using CodeTracer.Web.Components.Layout;
using CodeTracer.Web.Components.Pages;
using Microsoft.AspNetCore.Components;
using CodeTracer.Web.Utils;

namespace CodeTracer.Tests.Web;

public sealed class RunDetailPageTests : RunPageTestContext
{
    private IRenderedComponent<RunDetail> RenderAt(string url, string runId)
    {
        Navigation.NavigateTo(url);
        return Render<RunDetail>(p => p.Add(x => x.RunId, runId));
    }

    private static IElement Row(IRenderedComponent<RunDetail> cut, string selector) => cut.Find(selector);

    [Fact]
    public void Render_KnownRun_ShowsContractElements()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        Assert.Equal("demo__parser-1", cut.Find("#ct-run-title").TextContent);
        Assert.Equal("unresolved", cut.Find("#ct-run-outcome").GetAttribute("data-outcome"));
        Assert.Equal(3, cut.FindAll("#ct-timeline .ct-timeline-seg[data-stage]").Count);
        Assert.Equal(3, cut.FindAll("#ct-tree .ct-stage-row[data-stage][data-expanded='true']").Count);
        Assert.Equal(9, cut.FindAll("#ct-tree .ct-step-row[data-step]").Count);
        Assert.NotNull(cut.Find("#ct-run-search"));
        Assert.NotNull(cut.Find("#ct-search-count"));
        Assert.NotNull(cut.Find("#ct-expand-all"));
        Assert.NotNull(cut.Find("#ct-collapse-all"));
        Assert.NotNull(cut.Find("#ct-tab-tree"));
        Assert.NotNull(cut.Find("#ct-tab-state"));
        Assert.NotNull(cut.Find("#ct-tab-diagram"));
    }

    [Fact]
    public void Render_UnknownRun_SaysNotFound()
    {
        var cut = RenderAt("/runs/nope", "nope");

        Assert.Contains("was not found", cut.Find("#ct-run-not-found").TextContent);
        Assert.Empty(cut.FindAll("#ct-tree"));
    }

    [Fact]
    public void Render_StepInQuery_SelectsAndShowsThatStep()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id, step: 5), run.Id);

        Assert.Equal("5", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='5']").GetAttribute("data-selected"));
        Assert.Single(cut.FindAll("#ct-tree [data-selected='true']"));
        Assert.Equal("true", cut.Find(".ct-stage-row[data-stage='2']").GetAttribute("data-current"));
        Assert.Equal("true", cut.Find(".ct-timeline-seg[data-stage='2']").GetAttribute("data-selected"));
    }

    [Fact]
    public void Render_StepInCollapsedStage_ExpandsItAndAsksToScrollToIt()
    {
        var run = Save(TestRuns.Large(2000));

        var cut = RenderAt(RunUrls.Run(run.Id, step: 1500), run.Id);

        Assert.Equal("1500", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        var scroll = Module.Invocations["scrollTreeToIndex"];
        Assert.NotEmpty(scroll);
        // Stage 75 holds steps 1481-1500; with every stage expanded the row sits after 75 stage rows and 1499 step rows.
        Assert.Equal(75 + 1499, Assert.IsType<int>(scroll[^1].Arguments[1]));
    }

    [Fact]
    public void Render_CallInQuery_SelectsTheCallRowAndItsDetail()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id, step: 4, call: 1), run.Id);

        Assert.Equal("true", cut.Find(".ct-call-row[data-step='4'][data-call='1']").GetAttribute("data-selected"));
        Assert.Equal("true", cut.Find("#ct-step-detail .ct-call[data-call='1']").GetAttribute("data-selected"));
    }

    [Fact]
    public void Render_StepOutOfRangeOrNotANumber_SelectsNothing()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt($"/runs/{run.Id}?step=999&call=x", run.Id);

        Assert.Empty(cut.FindAll("#ct-step-detail"));
        Assert.Empty(cut.FindAll("#ct-tree [data-selected='true']"));
        Navigation.NavigateTo($"/runs/{run.Id}?step=abc");
        Assert.Empty(cut.FindAll("#ct-step-detail"));
    }

    [Fact]
    public void ClickStepRow_PushesTheStepIntoTheUrl()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        cut.Find(".ct-step-row[data-step='3']").Click();

        Assert.EndsWith(RunUrls.Run(run.Id, step: 3), Navigation.Uri, StringComparison.Ordinal);
        var navigation = Assert.IsType<Bunit.TestDoubles.BunitNavigationManager>(Navigation).History.First();
        Assert.False(navigation.Options.ReplaceHistoryEntry);
        Assert.Equal("3", cut.Find("#ct-step-detail").GetAttribute("data-step"));
    }

    [Fact]
    public void ClickCallRow_SelectsTheCall()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        cut.Find(".ct-call-row[data-step='4'][data-call='1']").Click();

        Assert.EndsWith(RunUrls.Run(run.Id, step: 4, call: 1), Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void NavigateBack_ToAnEarlierUrl_RestoresThatSelection()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 2), run.Id);
        cut.Find(".ct-step-row[data-step='8']").Click();

        Navigation.NavigateTo(RunUrls.Run(run.Id, step: 2));

        // The page reacts to the new URL asynchronously (it may reload the run and its diagnosis): wait for the render.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", cut.Find("#ct-step-detail").GetAttribute("data-step"));
            Assert.Equal("true", cut.Find(".ct-step-row[data-step='2']").GetAttribute("data-selected"));
        });
    }

    [Fact]
    public void ToggleStageRow_CollapsesAndExpandsItsSteps()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        cut.Find(".ct-stage-row[data-stage='2'] .ct-toggle").Click();

        Assert.Equal("false", cut.Find(".ct-stage-row[data-stage='2']").GetAttribute("data-expanded"));
        Assert.Empty(cut.FindAll(".ct-step-row[data-step='5']"));
        Assert.Equal(6, cut.FindAll(".ct-step-row").Count);

        cut.Find(".ct-stage-row[data-stage='2'] .ct-toggle").Click();

        Assert.Equal("true", cut.Find(".ct-stage-row[data-stage='2']").GetAttribute("data-expanded"));
        Assert.Single(cut.FindAll(".ct-step-row[data-step='5']"));
    }

    [Fact]
    public void CollapseAllThenExpandAll_HidesThenShowsEveryStep()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        cut.Find("#ct-collapse-all").Click();

        Assert.Equal(3, cut.FindAll(".ct-stage-row[data-expanded='false']").Count);
        Assert.Empty(cut.FindAll(".ct-step-row"));

        cut.Find("#ct-expand-all").Click();

        Assert.Equal(9, cut.FindAll(".ct-step-row").Count);
        Assert.Equal(2, cut.FindAll(".ct-call-row[data-step='4']").Count);
    }

    [Fact]
    public void Tree_2000Steps_KeepsOnlyAWindowOfRowsInTheDom()
    {
        var run = Save(TestRuns.Large(2000));

        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        var tree = cut.Find("#ct-tree");
        Assert.Equal("2100", tree.GetAttribute("data-total-rows"));
        var rendered = cut.FindAll("#ct-tree .ct-row").Count;
        // The virtualizer caps the rows it renders at MaxItemCount, plus the overscan on each side.
        Assert.InRange(rendered, 1, PageOptions.TreeMaxItemCount + (2 * PageOptions.TreeOverscanCount));
        Assert.True(rendered < 2100 / 5, $"{rendered} rows rendered out of 2,100");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RenderInLayout_Always_HasExactlyOneRenderModeMarker(bool interactive)
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo(interactive ? "Server" : "Static", interactive));
        var run = Save(TestRuns.Small());
        Navigation.NavigateTo(RunUrls.Run(run.Id));

        var cut = Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b =>
        {
            b.OpenComponent<RunDetail>(0);
            b.AddAttribute(1, nameof(RunDetail.RunId), run.Id);
            b.CloseComponent();
        })));

        var marker = Assert.Single(cut.FindAll("#render-mode"));
        Assert.Equal(interactive ? "true" : "false", marker.GetAttribute("data-interactive"));
        Assert.Equal("demo__parser-1", cut.Find("#ct-run-title").TextContent);
    }

    [Fact]
    public void Prerender_ShowsAWindowOfRowsAroundTheSelection()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));
        var run = Save(TestRuns.Large(2000));

        var cut = RenderAt(RunUrls.Run(run.Id, step: 1000), run.Id);

        Assert.Equal(CodeTracer.Web.Components.Controls.StepTree.PrerenderRows, cut.FindAll("#ct-tree .ct-row").Count);
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='1000']").GetAttribute("data-selected"));
        Assert.Empty(cut.FindAll(".diagram-canvas"));
    }

    [Fact]
    public void ClickTimelineSegment_SelectsTheStagesFirstStep()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);
        cut.Find(".ct-stage-row[data-stage='3'] .ct-toggle").Click();

        cut.Find(".ct-timeline-seg[data-stage='3']").Click();

        Assert.EndsWith(RunUrls.Run(run.Id, step: 7), Navigation.Uri, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find(".ct-stage-row[data-stage='3']").GetAttribute("data-expanded"));
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='7']").GetAttribute("data-selected"));
    }

    [Fact]
    public void Tabs_SwitchAndLiveInTheUrl()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 7), run.Id);

        cut.Find("#ct-tab-state").Click();

        Assert.EndsWith(RunUrls.Run(run.Id, step: 7, tab: RunUrls.StateTab), Navigation.Uri, StringComparison.Ordinal);
        Assert.Equal(4, cut.FindAll("#ct-state-tree .ct-state-node").Count);
        Assert.Equal("true", cut.Find(".ct-state-node[data-step='7']").GetAttribute("data-selected"));

        cut.Find("#ct-tab-diagram").Click();

        Assert.Equal(3, cut.FindAll("#ct-diagram .ct-diagram-node[data-stage]").Count);
        Assert.Equal("true", cut.Find(".ct-diagram-node[data-stage='3']").GetAttribute("data-selected"));
    }

    [Fact]
    public void ClickDiagramNode_SelectsTheStage()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, tab: RunUrls.DiagramTab), run.Id);

        cut.Find(".ct-diagram-node[data-stage='2']").Click();

        Assert.EndsWith(RunUrls.Run(run.Id, step: 4, tab: RunUrls.DiagramTab), Navigation.Uri, StringComparison.Ordinal);
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='4']").GetAttribute("data-selected"));
    }

    [Fact]
    public void Search_FiltersToMatchingStepsWithTheirStages()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        cut.Find("#ct-run-search").Input("traceback");

        cut.WaitForAssertion(() => Assert.Equal("1 match", cut.Find("#ct-search-count").TextContent));
        Assert.Equal(["2"], cut.FindAll(".ct-stage-row").Select(r => r.GetAttribute("data-stage")));
        Assert.Equal(["5"], cut.FindAll(".ct-step-row").Select(r => r.GetAttribute("data-step")));
        Assert.Contains("output", cut.Find(".ct-step-row[data-step='5'] .ct-match-where").TextContent);
        Assert.Contains("q=traceback", Navigation.Uri);
    }

    [Fact]
    public void Search_MatchInLabel_IsMarked()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id, q: "PYTEST"), run.Id);

        Assert.Equal("2 matches", cut.Find("#ct-search-count").TextContent);
        Assert.Equal("pytest", cut.Find(".ct-step-row[data-step='6'] mark").TextContent);
        Assert.Equal("PYTEST", cut.Find("#ct-run-search").GetAttribute("value"));
    }

    [Fact]
    public void Search_MatchesAreMarkedInTheStepDetailToo()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id, step: 5, q: "valueerror"), run.Id);

        Assert.Equal("ValueError", cut.Find("#ct-step-detail .ct-observation mark").TextContent);
    }

    [Fact]
    public void SearchEnter_StepsThroughMatches()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, q: "pytest"), run.Id);

        cut.Find("#ct-run-search").KeyDown("Enter");
        Assert.Equal("6", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.Equal("1 of 2 matches", cut.Find("#ct-search-count").TextContent);

        cut.Find("#ct-run-search").KeyDown("Enter");
        Assert.Equal("8", cut.Find("#ct-step-detail").GetAttribute("data-step"));

        cut.Find("#ct-run-search").KeyDown("Enter");
        Assert.Equal("6", cut.Find("#ct-step-detail").GetAttribute("data-step"));
    }

    [Fact]
    public void Search_NothingFound_SaysSo()
    {
        var run = Save(TestRuns.Small());

        var cut = RenderAt(RunUrls.Run(run.Id, q: "no such text anywhere"), run.Id);

        Assert.Equal("0 matches", cut.Find("#ct-search-count").TextContent);
        Assert.Empty(cut.FindAll(".ct-row"));
        Assert.Contains("No step contains", cut.Find(".ct-tree-empty").TextContent);
    }

    [Fact]
    public async Task Keys_JAndK_MoveBetweenSteps()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("j"));
        Assert.Equal("1", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("j"));
        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("j"));
        Assert.Equal("3", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("k"));

        Assert.Equal("2", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.EndsWith(RunUrls.Run(run.Id, step: 2), Navigation.Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_E_GoesToTheNextErrorStep()
    {
        var run = Save(TestRuns.Large(200));
        var cut = RenderAt(RunUrls.Run(run.Id, step: 60), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("e"));

        Assert.Equal("100", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.Contains("ct-has-error", cut.Find(".ct-step-row[data-step='100']").ClassList);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("p"));
        Assert.Equal("50", cut.Find("#ct-step-detail").GetAttribute("data-step"));
    }

    [Fact]
    public async Task Keys_Enter_TogglesTheSelectedStepsStage()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 5), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("Enter"));

        Assert.Equal("false", cut.Find(".ct-stage-row[data-stage='2']").GetAttribute("data-expanded"));

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("Enter"));
        Assert.Equal("true", cut.Find(".ct-stage-row[data-stage='2']").GetAttribute("data-expanded"));
    }

    [Fact]
    public async Task Keys_QuestionMark_OpensHelpAndEscapeClosesIt()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("?"));
        Assert.Contains("Next step", cut.Find("#ct-keys-help").TextContent);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("Escape"));
        Assert.Empty(cut.FindAll("#ct-keys-help"));
    }

    [Fact]
    public async Task Keys_Slash_FocusesTheSearchBox()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("/"));

        Assert.Contains(JSInterop.Invocations, i => i.Identifier.Contains("focus", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Page_RegistersOneKeyListenerAndRemovesItWhenDisposed()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);
        Assert.Single(Module.Invocations["registerKeys"]);

        await DisposeComponentsAsync();

        var unregister = Assert.Single(Module.Invocations["unregisterKeys"]);
        Assert.Equal(7, unregister.Arguments[0]);
    }

    [Fact]
    public void CopyLink_CopiesTheAbsoluteDeepLink()
    {
        var run = Save(TestRuns.Small());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 4, call: 1), run.Id);

        cut.Find("#ct-copy-link").Click();

        var copy = Assert.Single(Module.Invocations["copyText"]);
        Assert.Equal("http://localhost/runs/run-small?step=4&call=1", copy.Arguments[0]);
    }

    [Fact]
    public void Hostile_Run_RendersInert()
    {
        var run = Save(TestRuns.Hostile());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 1), run.Id);
        cut.Find("#ct-task-toggle").Click();
        cut.Find("#ct-raw-toggle").Click();

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Empty(cut.FindAll("[onerror]"));
        Assert.Empty(cut.FindAll("a[href^='javascript']"));
        Assert.DoesNotContain('\u001b', cut.Markup);
        Assert.Contains("<script>window.__pwned=1</script>", cut.Find(".ct-thought").TextContent);
        Assert.Contains("<script>window.__pwned=5</script>", cut.Find(".ct-observation").TextContent);
        Assert.Contains("ansi-fg-1", cut.Find(".ct-observation").InnerHtml);
        Assert.Contains("<img src=x onerror=alert(5)>", cut.Find(".ct-raw").TextContent);
    }
}
