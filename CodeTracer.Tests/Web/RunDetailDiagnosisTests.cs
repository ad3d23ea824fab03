using AngleSharp.Dom;
using Bunit;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Core.Diagnosis;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Components.Graph;
using CodeTracer.Web.Components.Pages;
using CodeTracer.Web.Utils;

namespace CodeTracer.Tests.Web;

/// <summary>The diagnosis on the run page: which one shows, how the tree, timeline and diagram mark it, and Diagnose.</summary>
public sealed class RunDetailDiagnosisTests : RunPageTestContext
{
    // PlantedOnset: unresolved; the heuristic puts the onset at step 5 (stage 2) and the terminal failure at step 9 (stage 3).
    private IRenderedComponent<RunDetail> RenderAt(string url, string runId)
    {
        Navigation.NavigateTo(url);
        return Render<RunDetail>(p => p.Add(x => x.RunId, runId));
    }

    private RunDiagnosis StoreDiagnosis(Run run, string id, int onset, DateTime created)
    {
        var diagnosis = Fixtures.Localizer().Diagnose(run);
        diagnosis.Id = id;
        diagnosis.CreatedAtUtc = created;
        diagnosis.OnsetStep = onset;
        diagnosis.ErrorChain = [new ErrorChainLink { Step = onset, Role = ChainRoles.Onset, Why = "planted onset " + id }, new ErrorChainLink { Step = 9, Role = ChainRoles.Terminal, Why = "tests fail" }];
        Store.SaveDiagnosisAsync(diagnosis, CancellationToken.None).GetAwaiter().GetResult();
        return diagnosis;
    }

    private void ConfigureLlm(FakeOpenAiServer server)
    {
        DiagnosisConfiguration["Diagnosis:Endpoint"] = server.BaseUrl;
        DiagnosisConfiguration["Diagnosis:Model"] = "gpt-4o-mini";
        DiagnosisConfiguration["Diagnosis:ApiKey"] = LlmDiagnosisTests.ApiKey;
        DiagnosisConfiguration["Diagnosis:HttpRetries"] = "0";
        DiagnosisConfiguration["Diagnosis:InlineRunMaxChars"] = "0"; // keep the index and its function calls on the small fixture
    }

    private static string[] Classes(IElement element) => element.ClassList.ToArray();

    [Fact]
    public async Task Render_FailedRunWithoutDiagnosis_ShowsUnsavedHeuristicAndMarksOnsetAndChainRows()
    {
        var run = Save(Fixtures.PlantedOnset());

        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        Assert.NotNull(cut.Find("#ct-diagnosis-panel .ct-heuristic-badge"));
        var source = cut.Find("#ct-diagnosis-source");
        Assert.Equal("true", source.GetAttribute("data-preview"));
        Assert.Contains("Heuristic diagnosis", source.TextContent, StringComparison.Ordinal);
        Assert.Contains("not saved", source.TextContent, StringComparison.Ordinal);

        var onset = cut.Find("#ct-tree .ct-step-row[data-step='5']");
        Assert.Contains("ct-onset", Classes(onset));
        Assert.Contains("ct-chain", Classes(onset));
        Assert.Contains("onset", onset.GetAttribute("title"), StringComparison.Ordinal);
        Assert.Equal("onset", onset.QuerySelector(".ct-chain-badge")!.GetAttribute("data-role"));
        var terminal = cut.Find("#ct-tree .ct-step-row[data-step='9']");
        Assert.Contains("ct-chain", Classes(terminal));
        Assert.DoesNotContain("ct-onset", Classes(terminal));
        Assert.Equal("5", Assert.Single(cut.FindAll("#ct-tree .ct-onset")).GetAttribute("data-step"));
        Assert.Equal(["5", "9"], cut.FindAll("#ct-tree .ct-chain").Select(r => r.GetAttribute("data-step")));
        Assert.Empty(cut.FindAll("#ct-tree .ct-step-row[data-step='1'].ct-chain"));

        Assert.Equal("true", cut.Find(".ct-timeline-seg[data-stage='2']").GetAttribute("data-onset"));
        Assert.Contains("failure onset at step 5", cut.Find(".ct-timeline-seg[data-stage='2']").GetAttribute("title"), StringComparison.Ordinal);
        Assert.Null(cut.Find(".ct-timeline-seg[data-stage='1']").GetAttribute("data-onset"));
        Assert.Contains("ct-chain-stage", Classes(cut.Find(".ct-timeline-seg[data-stage='3']")));

        // Shown, not stored: only Diagnose keeps a diagnosis.
        Assert.Empty(await Store.GetDiagnosesAsync(run.Id, CancellationToken.None));
    }

    [Fact]
    public void Render_ResolvedRunWithoutDiagnosis_ShowsNoDiagnosisAndNoMarks()
    {
        var run = Save(Fixtures.CleanResolved());

        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        Assert.NotNull(cut.Find("#ct-diagnosis-panel .ct-diagnosis-empty"));
        Assert.NotNull(cut.Find("#ct-diagnose"));
        Assert.Empty(cut.FindAll("#ct-tree .ct-onset, #ct-tree .ct-chain"));
    }

    [Fact]
    public async Task Render_StoredDiagnoses_ShowsTheNewestOrTheOneTheUrlNames()
    {
        var run = Save(Fixtures.PlantedOnset());
        StoreDiagnosis(run, "d-old", onset: 3, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        StoreDiagnosis(run, "d-new", onset: 5, new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc));

        var newest = RenderAt(RunUrls.Run(run.Id), run.Id);
        Assert.Equal("5", newest.Find("#ct-tree .ct-onset").GetAttribute("data-step"));
        Assert.Equal("false", newest.Find("#ct-diagnosis-source").GetAttribute("data-preview"));
        Assert.Contains("diagnosis=d-new", newest.Find(".ct-onset-link a").GetAttribute("href"), StringComparison.Ordinal);
        await DisposeComponentsAsync();

        var named = RenderAt(RunUrls.Run(run.Id, diagnosis: "d-old"), run.Id);
        Assert.Equal("3", named.Find("#ct-tree .ct-onset").GetAttribute("data-step"));
        Assert.Contains("planted onset d-old", named.Find(".ct-error-chain").TextContent, StringComparison.Ordinal);
        Assert.Equal("/runs/planted?step=3&diagnosis=d-old", named.Find(".ct-onset-link a").GetAttribute("href"));
    }

    [Fact]
    public async Task Select_WithDiagnosisInUrl_KeepsItInEveryLinkAndCopyLinkNamesTheShownOne()
    {
        var run = Save(Fixtures.PlantedOnset());
        StoreDiagnosis(run, "d-old", onset: 3, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        StoreDiagnosis(run, "d-new", onset: 5, new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        var cut = RenderAt(RunUrls.Run(run.Id, diagnosis: "d-old"), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("j"));
        Assert.Equal("/runs/planted?step=1&diagnosis=d-old", "/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        cut.Find(".ct-step-row[data-step='7']").Click();
        Assert.Equal("/runs/planted?step=7&diagnosis=d-old", "/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        Assert.Equal("3", cut.Find("#ct-tree .ct-onset").GetAttribute("data-step"));

        cut.Find("#ct-copy-link").Click();
        var copied = Assert.IsType<string>(Module.Invocations["copyText"][^1].Arguments[0]);
        Assert.EndsWith("/runs/planted?step=7&diagnosis=d-old", copied, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_O_JumpsToTheShownDiagnosisOnsetStep()
    {
        var run = Save(Fixtures.PlantedOnset());
        StoreDiagnosis(run, "d-old", onset: 3, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        StoreDiagnosis(run, "d-new", onset: 5, new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        var cut = RenderAt(RunUrls.Run(run.Id, step: 7, diagnosis: "d-old"), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("o"));

        Assert.Equal("/runs/planted?step=3&diagnosis=d-old", "/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='3']").GetAttribute("data-selected"));
        Assert.Equal("3", cut.Find("#ct-step-detail").GetAttribute("data-step"));
    }

    [Fact]
    public async Task Keys_O_WithoutDiagnosis_KeepsTheSelection()
    {
        var run = Fixtures.PlantedOnset();
        run.Outcome.Status = OutcomeStatus.Resolved;
        Save(run);
        var cut = RenderAt(RunUrls.Run(run.Id, step: 7), run.Id);
        Assert.Empty(cut.FindAll("#ct-tree .ct-onset"));

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("o"));

        Assert.Equal("/runs/planted?step=7", "/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        Assert.Equal("7", cut.Find("#ct-step-detail").GetAttribute("data-step"));
    }

    [Fact]
    public async Task Keys_QuestionMark_HelpListsTheOnsetKey()
    {
        var run = Save(Fixtures.PlantedOnset());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        await cut.InvokeAsync(() => cut.Instance.OnKeyAsync("?"));

        var row = Assert.Single(cut.FindAll("#ct-keys-help tr"), r => r.QuerySelector("kbd")?.TextContent == "o");
        Assert.Contains("onset", row.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Navigate_OtherDiagnosisLink_ShowsItAndKeepsTheSelectedStep()
    {
        var run = Save(Fixtures.PlantedOnset());
        StoreDiagnosis(run, "d-old", onset: 3, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        StoreDiagnosis(run, "d-new", onset: 5, new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc));
        var cut = RenderAt(RunUrls.Run(run.Id, step: 7), run.Id);

        var other = Assert.Single(cut.FindAll(".ct-other-diagnosis"));
        Assert.Equal("/runs/planted?step=7&diagnosis=d-old", other.GetAttribute("href"));
        var scrollsBefore = Module.Invocations["scrollToTop"].Count;
        cut.InvokeAsync(() => Navigation.NavigateTo(other.GetAttribute("href")!));

        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find("#ct-tree .ct-onset").GetAttribute("data-step")));
        // The panel shows the new diagnosis from its top.
        cut.WaitForAssertion(() => Assert.True(Module.Invocations["scrollToTop"].Count > scrollsBefore));
        Assert.Equal("7", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.Equal("/runs/planted?step=7&diagnosis=d-new", Assert.Single(cut.FindAll(".ct-other-diagnosis")).GetAttribute("href"));
    }

    [Fact]
    public void Navigate_PanelOnsetLink_SelectsTheOnsetStep()
    {
        var run = Save(Fixtures.PlantedOnset());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);

        // The panel's links are plain hrefs; following one is a navigation to the run page's own URL.
        var href = cut.Find(".ct-onset-link a").GetAttribute("href")!;
        cut.InvokeAsync(() => Navigation.NavigateTo(href));

        cut.WaitForAssertion(() => Assert.Equal("5", cut.Find("#ct-step-detail").GetAttribute("data-step")));
        Assert.Equal("true", cut.Find(".ct-step-row[data-step='5']").GetAttribute("data-selected"));
        Assert.NotEmpty(Module.Invocations["scrollTreeToIndex"]);
    }

    [Fact]
    public async Task ClickDiagnose_FailedRun_StoresTheHeuristicAndNamesItInTheUrl()
    {
        var run = Save(Fixtures.PlantedOnset());
        var cut = RenderAt(RunUrls.Run(run.Id, step: 2), run.Id);

        cut.Find("#ct-diagnose").Click();

        cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("#ct-diagnosis-source").GetAttribute("data-preview")));
        var saved = Assert.Single(await Store.GetDiagnosesAsync(run.Id, CancellationToken.None));
        Assert.Equal(HeuristicLocalizer.MethodName, saved.Method);
        Assert.Equal($"/runs/planted?step=2&diagnosis={saved.Id}", "/" + Navigation.ToBaseRelativePath(Navigation.Uri));
        Assert.Contains("Heuristic diagnosis (rules, no LLM)", cut.Find("#ct-diagnosis-source").TextContent, StringComparison.Ordinal);
        Assert.Equal("5", cut.Find("#ct-tree .ct-onset").GetAttribute("data-step"));
    }

    [Fact]
    public void Render_DiagramTab_MarksTheOnsetNodeAndTheChainLinks()
    {
        var run = Save(Fixtures.PlantedOnset());

        var cut = RenderAt(RunUrls.Run(run.Id, tab: RunUrls.DiagramTab), run.Id);

        var diagram = cut.FindComponent<StageFlowDiagram>().Instance.Diagram;
        var nodes = diagram.Nodes.Cast<StageNodeModel>().ToList();
        Assert.Equal([false, true, false], nodes.Select(n => n.Mark?.IsOnset == true));
        // Stages 1 -> 2 -> 3: the chain runs from stage 2 (onset) to stage 3 (terminal).
        Assert.Equal([null, StageFlowDiagram.ChainLinkColor], diagram.Links.Cast<Blazor.Diagrams.Core.Models.LinkModel>().Select(l => l.Color));
        Assert.Equal("true", cut.Find(".ct-diagram-node[data-stage='2']").GetAttribute("data-onset"));
    }

    [Fact]
    public async Task ClickAskLlm_Configured_ShowsProgressThenTheLlmDiagnosisAndNeverTheKey()
    {
        await using var server = await FakeOpenAiServer.StartAsync(
            FakeReply.ToolCalls(("open_step", """{"stepId":5}""")),
            FakeReply.Text(LlmDiagnosisTests.ValidAnswer));
        ConfigureLlm(server);
        var run = Save(Fixtures.PlantedOnset());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);
        // The second round waits, so the progress of the first (a function call) can be seen.
        server.DelayAfterRequests = 1;
        server.Delay = TimeSpan.FromSeconds(3);

        cut.Find("#ct-diagnose-llm").Click();

        cut.WaitForAssertion(() => Assert.Contains("open_step(5)", cut.Find("#ct-diagnosis-progress").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("function call", cut.Find(".ct-diagnosis-tokens").TextContent, StringComparison.Ordinal);
        cut.WaitForAssertion(() => Assert.Contains("llm:gpt-4o-mini", cut.Find(".ct-method-badge").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        var saved = Assert.Single(await Store.GetDiagnosesAsync(run.Id, CancellationToken.None));
        cut.WaitForAssertion(() => Assert.Contains($"diagnosis={saved.Id}", Navigation.Uri, StringComparison.Ordinal));
        Assert.Contains("Diagnosis by llm:gpt-4o-mini", cut.Find("#ct-diagnosis-source").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(LlmDiagnosisTests.ApiKey, cut.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_Page_CancelsARunningLlmDiagnosis()
    {
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.Text(LlmDiagnosisTests.ValidAnswer));
        ConfigureLlm(server);
        var run = Save(Fixtures.PlantedOnset());
        var cut = RenderAt(RunUrls.Run(run.Id), run.Id);
        server.Delay = TimeSpan.FromMinutes(5);
        cut.Find("#ct-diagnose-llm").Click();
        await server.WaitForRequestsAsync(1).WaitAsync(TimeSpan.FromSeconds(60));

        await DisposeComponentsAsync();

        await server.AbortSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(await Store.GetDiagnosesAsync(run.Id, CancellationToken.None));
    }
}
