using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

/// <summary>
/// Base of the browser tests: a fresh context and page per test, console and page errors collected, and helpers that
/// wait for the Blazor circuit before anything is clicked (prerendered buttons ignore early clicks).
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    private readonly List<string> _browserErrors = [];
    private IBrowserContext? _context;

    protected BrowserTest(ExplorerFixture fixture, ITestOutputHelper output)
    {
        Fixture = fixture;
        Output = output;
    }

    protected ExplorerFixture Fixture { get; }

    protected ITestOutputHelper Output { get; }

    protected IPage Page { get; private set; } = null!;

    /// <summary>Errors the page reported (uncaught exceptions and console errors).</summary>
    protected IReadOnlyList<string> BrowserErrors => _browserErrors;

    public async Task InitializeAsync()
    {
        if (BrowserEnvironment.SkipReason is not null) return;
        // Generous waits: two cores are shared with the rest of the test run, and an upload is parsed and stored
        // before its result shows. The waits end as soon as the condition holds.
        Assertions.SetDefaultExpectTimeout(15_000);
        _context = await Fixture.NewContextAsync();
        _context.SetDefaultTimeout(20_000);
        Page = await _context.NewPageAsync();
        Page.PageError += (_, error) => _browserErrors.Add("page error: " + error);
        Page.Console += (_, message) =>
        {
            if (message.Type == "error") _browserErrors.Add("console error: " + message.Text);
        };
    }

    public async Task DisposeAsync()
    {
        if (_browserErrors.Count > 0) Output.WriteLine(string.Join('\n', _browserErrors));
        Output.WriteLine("--- explorer output ---\n" + Fixture.RecentOutput(40));
        if (_context is not null) await _context.CloseAsync();
    }

    /// <summary>Opens a path and waits until the page is interactive.</summary>
    protected async Task OpenAsync(string path)
    {
        await Page.GotoAsync(path);
        await WaitInteractiveAsync();
    }

    protected async Task WaitInteractiveAsync() =>
        await Page.WaitForSelectorAsync("#render-mode[data-interactive=true]", new() { State = WaitForSelectorState.Attached });

    protected static Task ExpectUrlAsync(IPage page, string pattern) =>
        Assertions.Expect(page).ToHaveURLAsync(new Regex(pattern));

    /// <summary>The id of the first run in the list whose task matches <paramref name="task"/> (via the task filter).</summary>
    protected async Task<string> FindRunIdAsync(string task)
    {
        await OpenAsync("/?task=" + Uri.EscapeDataString(task));
        var row = Page.Locator("tr.ct-run-row[data-run-id]").First;
        await row.WaitForAsync();
        return await row.GetAttributeAsync("data-run-id") ?? throw new InvalidOperationException("row without data-run-id");
    }

    protected async Task ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ExplorerFixture.ScreenshotFolder);
        var path = Path.Combine(ExplorerFixture.ScreenshotFolder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Output.WriteLine("screenshot: " + path);
    }

    /// <summary>The page must never scroll sideways at 1280 px.</summary>
    protected async Task AssertNoHorizontalScrollAsync()
    {
        var overflow = await Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than the 1280px viewport");
    }
}
