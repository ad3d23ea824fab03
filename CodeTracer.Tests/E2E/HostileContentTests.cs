using CodeTracer.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

/// <summary>Trajectory text is untrusted: a run full of script, event handlers, javascript: links and ANSI escapes must stay inert text.</summary>
[Collection(ExplorerCollection.Name)]
public sealed class HostileContentTests : BrowserTest
{
    public HostileContentTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task HostileRun_ImportedAndBrowsed_NeverRunsScriptOrLeaksEscapes()
    {
        await OpenAsync("/import");
        await Page.Locator("#ct-upload-input").SetInputFilesAsync(TestData.Path("e2e", "hostile__xss-1.traj.json"));
        var link = Page.Locator("a.ct-import-run-link");
        await Assertions.Expect(link).ToHaveCountAsync(1);
        await AssertInertAsync();

        await link.ClickAsync();
        await WaitInteractiveAsync();
        await Assertions.Expect(Page.Locator("#ct-run-header")).ToBeVisibleAsync();
        var stepRows = Page.Locator(".ct-step-row");
        await Assertions.Expect(stepRows.First).ToBeVisibleAsync();
        var count = await stepRows.CountAsync();
        for (var i = 0; i < count; i++)
        {
            await stepRows.Nth(i).ClickAsync();
            await Assertions.Expect(Page.Locator("#ct-step-detail")).ToBeVisibleAsync();
            var raw = Page.Locator("#ct-raw-toggle");
            if (await raw.CountAsync() > 0) await raw.ClickAsync();
            await AssertInertAsync();
        }
        // The script text is shown as text, not dropped silently and not run.
        await stepRows.First.ClickAsync();
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToContainTextAsync("window.__pwned=1");
        await Assertions.Expect(Page.Locator("#ct-step-detail a[href^='javascript:']")).ToHaveCountAsync(0);

        // And in the list, where the task title is hostile too.
        await OpenAsync("/?task=hostile__xss-1");
        await Assertions.Expect(Page.Locator("tr.ct-run-row")).ToHaveCountAsync(1);
        await AssertInertAsync();
    }

    private async Task AssertInertAsync()
    {
        await Page.WaitForTimeoutAsync(200); // give any injected handler (img onerror) its chance to fire
        Assert.True(await Page.EvaluateAsync<bool>("() => typeof window.__pwned === 'undefined'"), "a script from the trajectory ran");
        var hasEscape = await Page.EvaluateAsync<bool>("() => document.body.textContent.includes('\\u001b')");
        Assert.False(hasEscape, "a raw ESC character reached the page text");
        var liveInjected = await Page.EvaluateAsync<int>(
            "() => document.querySelectorAll('img[src=x], iframe[srcdoc], svg[onload], [onerror], [onmouseover]').length");
        Assert.Equal(0, liveInjected);
    }
}
