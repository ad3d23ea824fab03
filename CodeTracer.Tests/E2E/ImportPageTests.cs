using System.IO.Compression;
using System.Text.RegularExpressions;
using CodeTracer.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

[Collection(ExplorerCollection.Name)]
public sealed class ImportPageTests : BrowserTest
{
    public ImportPageTests(ExplorerFixture fixture, ITestOutputHelper output) : base(fixture, output)
    {
    }

    [BrowserFact]
    public async Task ImportPage_UploadTrajectoryFile_LinksToTheImportedRun()
    {
        await OpenAsync("/import");
        await Page.Locator("#ct-upload-input").SetInputFilesAsync(TestData.Path("e2e", "acme__greet-5.traj.json"));

        await Assertions.Expect(Page.Locator(".ct-upload-file").First).ToContainTextAsync("acme__greet-5.traj.json");
        var link = Page.Locator(".ct-import-result a.ct-import-run-link");
        await Assertions.Expect(link).ToHaveCountAsync(1);
        await Assertions.Expect(link).ToContainTextAsync("acme__greet-5");
        await Assertions.Expect(Page.Locator(".ct-import-error")).ToHaveCountAsync(0);

        await link.ClickAsync();
        await ExpectUrlAsync(Page, "/runs/[0-9a-f]+$");
        await WaitInteractiveAsync();
        await Assertions.Expect(Page.Locator("#ct-run-header")).ToContainTextAsync("acme__greet-5");
    }

    [BrowserFact]
    public async Task ImportPage_UploadZipOfRunFolder_KeepsItsLayoutAndVerdict()
    {
        using var temp = new TempDirectory();
        var zip = temp.File("log-summary-trial.zip");
        var trial = Path.Combine(AppContext.BaseDirectory, "DemoRuns", "harbor", "claude-sonnet-4-5", "log-summary__Hq7tW2e");
        ZipFile.CreateFromDirectory(trial, zip, CompressionLevel.Fastest, includeBaseDirectory: true);

        await OpenAsync("/import");
        await Page.Locator("#ct-upload-input").SetInputFilesAsync(zip);

        var result = Page.Locator(".ct-import-result");
        await Assertions.Expect(result).ToHaveCountAsync(1);
        await Assertions.Expect(result.Locator(".ct-outcome-chip")).ToHaveAttributeAsync("data-outcome", "resolved");
        // The demo seeding imported the same trial already: the upload updates it instead of adding a copy.
        await Assertions.Expect(result).ToContainTextAsync("updated");
    }

    [BrowserFact]
    public async Task ImportPage_PickRunFolder_KeepsItsLayoutAndVerdict()
    {
        var trial = Path.Combine(AppContext.BaseDirectory, "DemoRuns", "terminal-bench", "2025-05-14__09-12-44", "build-sqlite-fts");

        await OpenAsync("/import");
        await Page.Locator("#ct-upload-folder").SetInputFilesAsync(trial);

        // 12 episode folders plus results.json: the verdict only joins when agent-logs/ and results.json keep their places.
        await Assertions.Expect(Page.Locator(".ct-upload-file").First).ToContainTextAsync("build-sqlite-fts/");
        var result = Page.Locator(".ct-import-result");
        await Assertions.Expect(result).ToHaveCountAsync(1);
        await Assertions.Expect(result.Locator(".ct-outcome-chip")).ToHaveAttributeAsync("data-outcome", "unresolved");
        await Assertions.Expect(Page.Locator(".ct-import-error")).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task ImportPage_ZipWithEntryEscapingTheFolder_IsRefusedWithAClearError()
    {
        using var temp = new TempDirectory();
        var zip = temp.File("slip.zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(archive.CreateEntry("../../outside.txt").Open());
            writer.Write("should never be written");
        }

        await OpenAsync("/import");
        await Page.Locator("#ct-upload-input").SetInputFilesAsync(zip);

        var error = Page.Locator(".ct-import-error");
        await Assertions.Expect(error).ToHaveCountAsync(1);
        await Assertions.Expect(error).ToContainTextAsync("slip.zip");
        await Assertions.Expect(error).ToContainTextAsync(new Regex("refused.*'\\.\\./\\.\\./outside\\.txt'"));
        await Assertions.Expect(Page.Locator("a.ct-import-run-link")).ToHaveCountAsync(0);
    }
}
