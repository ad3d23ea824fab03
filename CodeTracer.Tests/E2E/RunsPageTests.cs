using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

[Collection(ExplorerCollection.Name)]
public sealed class RunsPageTests : BrowserTest
{
    public RunsPageTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task RunsPage_FirstStart_ListsTheDemoRuns()
    {
        await OpenAsync("/");
        var rows = Page.Locator("tr.ct-run-row[data-run-id]");
        await Assertions.Expect(rows.First).ToBeVisibleAsync();
        foreach (var task in new[] { "acme__sizefmt-214", "acme__csvslice-88", "log-summary", "acme__dateparse-77", "build-sqlite-fts" })
        {
            await Assertions.Expect(Page.Locator("tr.ct-run-row", new() { HasText = task }).First).ToBeVisibleAsync();
        }
        await Assertions.Expect(Page.Locator("#ct-runs-count")).ToContainTextAsync(new Regex(@"^\d+ runs$"));
        await Assertions.Expect(Page.Locator("tr.ct-run-row .ct-outcome-chip[data-outcome=resolved]").First).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("tr.ct-run-row .ct-outcome-chip[data-outcome=unresolved]").First).ToBeVisibleAsync();
        await AssertNoHorizontalScrollAsync();
    }

    [BrowserFact]
    public async Task RunsPage_FilterByOutcome_ShowsOnlyThatOutcomeAndKeepsItInTheUrl()
    {
        await OpenAsync("/");
        await Page.Locator("tr.ct-run-row").First.WaitForAsync();
        await Page.Locator("#ct-filter-outcome").ClickAsync();
        var option = Page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasTextRegex = new Regex(@"^unresolved \(\d+\)") });
        // The option carries the facet count: "unresolved (4)". The grid must end up showing exactly that many rows.
        var expected = int.Parse(Regex.Match(await option.InnerTextAsync(), @"\((\d+)\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(expected > 0, "the demo runs include failed runs");
        await option.ClickAsync();

        await ExpectUrlAsync(Page, "[?&]outcome=unresolved");
        await ExpectOnlyUnresolvedAsync(expected);

        // The same view from a link, after a reload.
        await Page.ReloadAsync();
        await WaitInteractiveAsync();
        await ExpectOnlyUnresolvedAsync(expected);
    }

    private async Task ExpectOnlyUnresolvedAsync(int expected)
    {
        await Assertions.Expect(Page.Locator("#ct-runs-count")).ToHaveTextAsync(expected == 1 ? "1 run" : $"{expected} runs");
        await Assertions.Expect(Page.Locator("tr.ct-run-row")).ToHaveCountAsync(expected);
        await Assertions.Expect(Page.Locator("tr.ct-run-row .ct-outcome-chip[data-outcome=unresolved]")).ToHaveCountAsync(expected);
    }

    [BrowserFact]
    public async Task RunsPage_TextSearch_FindsTheRunWhoseStepsMentionIt()
    {
        await OpenAsync("/");
        await Page.Locator("tr.ct-run-row").First.WaitForAsync();
        // "amalgamation" only appears in the Terminus 2 demo run (its task and its terminal output).
        await Page.Locator("#ct-runs-search").FillAsync("amalgamation");

        await ExpectUrlAsync(Page, "[?&]q=amalgamation");
        await Assertions.Expect(Page.Locator("tr.ct-run-row")).ToHaveCountAsync(1);
        await Assertions.Expect(Page.Locator("tr.ct-run-row").First).ToContainTextAsync("build-sqlite-fts");
        await Assertions.Expect(Page.Locator("#ct-runs-count")).ToHaveTextAsync("1 run");
    }

    [BrowserFact]
    public async Task RunsPage_ClickFailedRun_OpensItsRunPage()
    {
        await OpenAsync("/?outcome=unresolved&task=sizefmt");
        var row = Page.Locator("tr.ct-run-row[data-run-id]").First;
        await row.WaitForAsync();
        var id = await row.GetAttributeAsync("data-run-id");
        Assert.False(string.IsNullOrEmpty(id));

        // Click a cell that is not the task link: the whole row navigates.
        await row.Locator("td").Nth(2).ClickAsync();

        await ExpectUrlAsync(Page, "/runs/" + Regex.Escape(id!) + "$");
        await WaitInteractiveAsync();
        await Assertions.Expect(Page.Locator("#ct-run-header")).ToBeVisibleAsync();
        await Assertions.Expect(Page.Locator("#ct-run-outcome")).ToHaveAttributeAsync("data-outcome", "unresolved");
    }

    [BrowserFact]
    public async Task RunsPage_NavLinks_SwitchBetweenRunsAndImport()
    {
        await OpenAsync("/");
        await Page.Locator("#ct-nav-import").ClickAsync();
        await ExpectUrlAsync(Page, "/import$");
        await Assertions.Expect(Page.Locator("#ct-upload-input")).ToBeAttachedAsync();
        await Page.Locator("#ct-nav-runs").ClickAsync();
        await ExpectUrlAsync(Page, "/$");
        await Assertions.Expect(Page.Locator("tr.ct-run-row").First).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task DarkMode_ToggleThenReload_IsRemembered()
    {
        await OpenAsync("/");
        var toggle = Page.Locator("#ct-dark-toggle");
        var before = await toggle.GetAttributeAsync("data-dark");
        var lightBackground = await BodyBackgroundAsync();

        await toggle.ClickAsync();
        var expected = before == "true" ? "false" : "true";
        await Assertions.Expect(toggle).ToHaveAttributeAsync("data-dark", expected);
        Assert.Equal(expected, await Page.EvaluateAsync<string>("() => localStorage.getItem('codetracer.dark')"));
        var switchedBackground = await BodyBackgroundAsync();
        Assert.NotEqual(lightBackground, switchedBackground);

        await Page.ReloadAsync();
        await WaitInteractiveAsync();
        await Assertions.Expect(Page.Locator("#ct-dark-toggle")).ToHaveAttributeAsync("data-dark", expected);
        await Assertions.Expect(Page.Locator("body")).ToHaveCSSAsync("background-color", switchedBackground);
    }

    private Task<string> BodyBackgroundAsync() =>
        Page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor");
}
