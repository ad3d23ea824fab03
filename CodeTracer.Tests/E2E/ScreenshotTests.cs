using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

/// <summary>Full-page screenshots at 1280×800 for people to look at (artifacts/screenshots, not committed).</summary>
[Collection(ExplorerCollection.Name)]
public sealed class ScreenshotTests : BrowserTest
{
    public ScreenshotTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task Screenshots_RunsPageRunPageAndDiagram_AreSaved()
    {
        await OpenAsync("/");
        await Page.Locator("tr.ct-run-row").First.WaitForAsync();
        await ScreenshotAsync("runs-page");

        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync($"/runs/{id}?step=10");
        await Assertions.Expect(Page.Locator("#ct-step-detail")).ToHaveAttributeAsync("data-step", "10");
        await ScreenshotAsync("run-page-step");
        await AssertNoHorizontalScrollAsync();

        await Page.Locator("#ct-tab-diagram").ClickAsync();
        await Assertions.Expect(Page.Locator("#ct-diagram .ct-diagram-node").First).ToBeVisibleAsync();
        await ScreenshotAsync("run-page-diagram");

        await OpenAsync("/import");
        await ScreenshotAsync("import-page");

        foreach (var name in new[] { "runs-page", "run-page-step", "run-page-diagram", "import-page" })
        {
            Assert.True(new FileInfo(Path.Combine(ExplorerFixture.ScreenshotFolder, name + ".png")).Length > 10_000, name + " screenshot is empty");
        }
    }
}
