using System.Text.RegularExpressions;
using CodeTracer.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

/// <summary>The diagnosis on the run page, in a browser, through the DOM contract.</summary>
[Collection(ExplorerCollection.Name)]
public sealed partial class DiagnosisPageTests : BrowserTest
{
    public DiagnosisPageTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task RunPage_FailedDemoRun_ShowsHeuristicDiagnosisAndTheOnsetLinkLandsOnItsStep()
    {
        // The SWE-agent demo run is unresolved and has no stored diagnosis.
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync("/runs/" + id);

        var panel = Page.Locator("#ct-diagnosis-panel");
        await Assertions.Expect(panel.Locator(".ct-heuristic-badge")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToHaveAttributeAsync("data-preview", "true");
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToContainTextAsync("not saved");
        await Assertions.Expect(Page.Locator("#ct-diagnose")).ToBeEnabledAsync();

        var onsetLink = panel.Locator(".ct-onset-link a");
        var text = await onsetLink.TextContentAsync() ?? "";
        var step = StepNumber().Match(text).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(step), "onset link text: " + text);
        var onsetRow = Page.Locator("#ct-tree .ct-step-row.ct-onset");
        await Assertions.Expect(onsetRow).ToHaveCountAsync(1);
        await Assertions.Expect(onsetRow).ToHaveAttributeAsync("data-step", step);
        await Assertions.Expect(onsetRow).ToHaveClassAsync(new Regex(@"\bct-chain\b"));
        Assert.True(await Page.Locator("#ct-tree .ct-step-row.ct-chain").CountAsync() >= 1);
        await Assertions.Expect(Page.Locator("#ct-timeline .ct-timeline-seg[data-onset='true']")).ToHaveCountAsync(1);

        await onsetLink.ClickAsync();

        await ExpectUrlAsync(Page, $"[?&]step={step}(&|$)");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", step);
        await Assertions.Expect(Page.Locator($".ct-step-row[data-step='{step}']")).ToHaveAttributeAsync("data-selected", "true");
        await Assertions.Expect(Page.Locator($".ct-step-row[data-step='{step}']")).ToBeInViewportAsync();
        await ScreenshotAsync("run-page-diagnosis");
        await AssertNoHorizontalScrollAsync();

        // The stage flow flags the onset stage and keeps the diagnosis in the URL it writes.
        await Page.Locator("#ct-tab-diagram").ClickAsync();
        await Assertions.Expect(Page.Locator("#ct-diagram .ct-diagram-node[data-onset='true']")).ToHaveCountAsync(1);
        await ExpectUrlAsync(Page, "[?&]tab=diagram");
        await ScreenshotAsync("run-page-diagnosis-diagram");
        Assert.Empty(BrowserErrors);
    }

    [BrowserFact]
    public async Task RunPage_KeyO_JumpsToTheOnsetStep()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync("/runs/" + id + "?step=1");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "1");
        var text = await Page.Locator("#ct-diagnosis-panel .ct-onset-link a").TextContentAsync() ?? "";
        var step = StepNumber().Match(text).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(step) || step == "1", "onset link text: " + text);
        await Page.Locator("#ct-run-title").ClickAsync();

        await Page.Keyboard.PressAsync("o");

        await ExpectUrlAsync(Page, $"[?&]step={step}(&|$)");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", step);
        await Page.Keyboard.PressAsync("?");
        await Assertions.Expect(Page.Locator("#ct-keys-help")).ToContainTextAsync("onset");
        Assert.Empty(BrowserErrors);
    }

    [BrowserFact]
    public async Task RunPage_RealFailedRun_DiagnoseStoresTheHeuristicAndTheOpenedEditShowsWhatItWrote()
    {
        // kv-store-grpc (Harbor ATIF, kimi-k2.5): reward 0; the heuristic puts the onset at the Write of /app/kv-store.proto.
        TraceCorpus.EnsureAvailable();
        var id = await FindRunIdAsync("kv-store-grpc");
        await OpenAsync("/runs/" + id);

        var panel = Page.Locator("#ct-diagnosis-panel");
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToHaveAttributeAsync("data-preview", "true");
        await Assertions.Expect(panel.Locator(".ct-error-chain li[data-role='onset']")).ToContainTextAsync("kv-store.proto");
        var step = await panel.Locator(".ct-error-chain li[data-role='onset']").GetAttributeAsync("data-step");
        await Assertions.Expect(Page.Locator("#ct-tree .ct-step-row.ct-onset")).ToHaveAttributeAsync("data-step", step!);

        await Page.Locator("#ct-diagnose").ClickAsync();

        await ExpectUrlAsync(Page, "[?&]diagnosis=[^&]+");
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToHaveAttributeAsync("data-preview", "false");
        await panel.Locator(".ct-onset-link a").ClickAsync();
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", step!);
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToContainTextAsync("kv-store.proto");
        await ScreenshotAsync("run-page-real-failed-run");
        await AssertNoHorizontalScrollAsync();
        Assert.Empty(BrowserErrors);
    }

    [GeneratedRegex(@"step (\d+)")]
    private static partial Regex StepNumber();
}
