using System.Text.RegularExpressions;
using CodeTracer.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

/// <summary>The run page, driven through the DOM contract only (web-contract.md).</summary>
[Collection(ExplorerCollection.Name)]
public sealed class RunPageTests : BrowserTest
{
    public RunPageTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task RunPage_ExpandStageAndSelectStep_ShowsItsDetail()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync("/runs/" + id);
        await Assertions.Expect(Page.Locator("#ct-run-title")).ToContainTextAsync("sizefmt");
        await Assertions.Expect(Page.Locator("#ct-timeline .ct-timeline-seg").First).ToBeVisibleAsync();

        var stage = Page.Locator(".ct-stage-row[data-stage='1']");
        await Assertions.Expect(stage).ToBeVisibleAsync();
        await Page.Locator("#ct-collapse-all").ClickAsync();
        await Assertions.Expect(stage).ToHaveAttributeAsync("data-expanded", "false");
        await stage.Locator(".ct-toggle").ClickAsync();
        await Assertions.Expect(stage).ToHaveAttributeAsync("data-expanded", "true");

        // The first step of stage 1 (however the run was segmented), now that its stage is open.
        var row = Page.Locator(".ct-step-row").First;
        var step = await row.GetAttributeAsync("data-step");
        Assert.False(string.IsNullOrEmpty(step));
        await row.ClickAsync();
        await Assertions.Expect(Page.Locator($".ct-step-row[data-step='{step}']")).ToHaveAttributeAsync("data-selected", "true");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", step!);
        await Assertions.Expect(Page.Locator("#ct-step-detail .ct-command").First).ToContainTextAsync("create reproduce.py");
        await ExpectUrlAsync(Page, $"[?&]step={step}(&|$)");
    }

    [BrowserFact]
    public async Task RunPage_ReloadDeepLinkToStep_LandsOnTheSameStep()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync($"/runs/{id}?step=10");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "10");
        await Assertions.Expect(Page.Locator(".ct-step-row[data-step='10']")).ToHaveAttributeAsync("data-selected", "true");
        await Assertions.Expect(Page.Locator("#ct-step-detail .ct-observation").First).ToContainTextAsync("2 failed, 7 passed");

        await Page.ReloadAsync();
        await WaitInteractiveAsync();
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "10");
        await Assertions.Expect(Page.Locator(".ct-step-row[data-step='10']")).ToHaveAttributeAsync("data-selected", "true");
    }

    [BrowserFact]
    public async Task RunPage_JAndK_MoveTheSelectionBetweenSteps()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync($"/runs/{id}?step=3");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "3");
        await Page.Locator("#ct-run-title").ClickAsync();

        await Page.Keyboard.PressAsync("j");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "4");
        await Page.Keyboard.PressAsync("k");
        await Page.Keyboard.PressAsync("k");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "2");
        await Assertions.Expect(Page.Locator(".ct-step-row[data-step='2']")).ToHaveAttributeAsync("data-selected", "true");
        await ExpectUrlAsync(Page, "[?&]step=2");
    }

    [BrowserFact]
    public async Task RunPage_SearchWithinRun_MarksMatchesAndCountsThem()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync("/runs/" + id);
        var search = Page.Locator("#ct-run-search");
        await search.FillAsync("reproduce");
        await search.PressAsync("Enter");

        await Assertions.Expect(Page.Locator("#ct-search-count")).ToContainTextAsync(new Regex(@"[1-9]"));
        await Assertions.Expect(Page.Locator("#ct-tree mark").First).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#ct-tree mark").First).ToHaveTextAsync(new Regex("^[Rr]eproduce$"));
        // Enter went to a match: a step is selected and its detail shown.
        await Assertions.Expect(Page.Locator("#ct-tree [data-selected=true]")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToBeVisibleAsync();
        await ExpectUrlAsync(Page, "[?&]q=reproduce");
    }

    [BrowserFact]
    public async Task RunPage_DiagramTab_ShowsOneNodePerStage()
    {
        var id = await FindRunIdAsync("build-sqlite-fts");
        await OpenAsync("/runs/" + id);
        // CountAsync does not wait: let the timeline render first.
        await Assertions.Expect(Page.Locator("#ct-timeline .ct-timeline-seg").First).ToBeVisibleAsync();
        var stages = await Page.Locator("#ct-timeline .ct-timeline-seg").CountAsync();
        Assert.True(stages > 0, "the run has no stages in its timeline");

        await Page.Locator("#ct-tab-diagram").ClickAsync();
        await Assertions.Expect(Page.Locator("#ct-diagram .ct-diagram-node")).ToHaveCountAsync(stages);
        await ExpectUrlAsync(Page, "[?&]tab=diagram");
    }

    [BrowserCorpusFact]
    public async Task RealRuns_ImportedWithTheCli_AreListedAndOpen()
    {
        TraceCorpus.EnsureAvailable();
        var import = Fixture.CorpusImport ?? throw new InvalidOperationException("the corpus import did not run");
        Assert.True(import.ExitCode == 0, $"codetracer import exited {import.ExitCode}:\n{import.Output}");

        var id = await FindRunIdAsync("jackson-databind-3701");
        await Assertions.Expect(Page.Locator($"tr.ct-run-row[data-run-id='{id}'] .ct-outcome-chip")).ToHaveAttributeAsync("data-outcome", "resolved");
        await OpenAsync("/runs/" + id);
        await Assertions.Expect(Page.Locator("#ct-run-header")).ToContainTextAsync("jackson-databind-3701");
        await Assertions.Expect(Page.Locator("#ct-run-outcome")).ToHaveAttributeAsync("data-outcome", "resolved");
        await Assertions.Expect(Page.Locator(".ct-stage-row").First).ToBeVisibleAsync();

        var harbor = await FindRunIdAsync("prove-plus-comm");
        await OpenAsync("/runs/" + harbor);
        await Assertions.Expect(Page.Locator("#ct-run-outcome")).ToHaveAttributeAsync("data-outcome", "resolved");
    }
}
