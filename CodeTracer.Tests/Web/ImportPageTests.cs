using System.IO.Compression;
using System.Text;
using Bunit;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Components.Pages;
using Microsoft.AspNetCore.Components.Forms;

namespace CodeTracer.Tests.Web;

public sealed class ImportPageTests : WebTestContext
{
    private readonly TempDirectory _temp = new();

    public ImportPageTests()
    {
        Importers.Add(new FakeJsonImporter());
        WebOptions.UploadTempPath = _temp.Path;
        JSInterop.SetupModule("./js/upload.js").Setup<string[]>("relativePaths", _ => true).SetResult([]);
    }

    [Fact]
    public void Import_FileOverTheSizeLimit_IsRefusedWithAClearMessage()
    {
        WebOptions.MaxUploadBytes = 1024;
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(new string('x', 5000), "big.fake.json"));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#ct-import-results")));
        var file = cut.Find(".ct-upload-file");
        Assert.Equal("rejected", file.GetAttribute("data-status"));
        Assert.Contains("big.fake.json is 4.9 KB; the largest file accepted is 1 KB (Web:MaxUploadBytes)", file.TextContent);
        var error = Assert.Single(cut.FindAll(".ct-import-error"));
        Assert.Contains("the largest file accepted is 1 KB", error.TextContent);
        Assert.Empty(cut.FindAll("a.ct-import-run-link"));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public void Import_ZipWithSlipEntry_IsRefusedAndWritesNothingOutside()
    {
        var zip = Zip(("../../escaped.txt", "owned"), ("good/run.fake.json", """{"task":"inside","steps":2}"""));
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(zip, "evil.zip"));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#ct-import-results")));
        var error = Assert.Single(cut.FindAll(".ct-import-error"));
        Assert.Contains("evil.zip", error.TextContent);
        Assert.Contains("entry '../../escaped.txt' was refused: it climbs out of its folder with '..'; nothing from this zip was imported", error.TextContent);
        Assert.Empty(cut.FindAll("a.ct-import-run-link"));
        Assert.False(File.Exists(Path.Combine(_temp.Path, "escaped.txt")));
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_temp.Path)!, "escaped.txt")));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Import_ZipOfRunFolder_ImportsEveryRunAndLinksToIt()
    {
        var zip = Zip(("batch/a/one.fake.json", """{"task":"task-one","steps":2,"outcome":"resolved"}"""), ("batch/b/two.fake.json", """{"task":"task-two","steps":5}"""), ("batch/notes.txt", "not a run"));
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromBinary(zip, "batch.zip"));

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".ct-import-result").Count));
        var links = cut.FindAll("a.ct-import-run-link");
        Assert.Equal(["task-one", "task-two"], links.Select(l => l.TextContent).Order());
        foreach (var link in links) Assert.Matches("^/runs/[0-9a-f]{16}$", link.GetAttribute("href")!);
        Assert.Empty(cut.FindAll(".ct-import-error"));
        Assert.Equal("Imported 2 runs", cut.Find("#ct-import-summary").TextContent);

        // Stored, with paths that name the upload rather than the temp folder that is now gone.
        var id = links[0].GetAttribute("href")!["/runs/".Length..];
        var run = await Store.GetRunAsync(id, includeSteps: true, CancellationToken.None);
        Assert.NotNull(run);
        Assert.StartsWith("upload:batch/", run.Source.Path, StringComparison.Ordinal);
        Assert.All(run.Steps, s => Assert.StartsWith("upload:", s.Provenance!.File, StringComparison.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Path));
    }

    [Fact]
    public async Task Import_FilesPickedFromAFolder_KeepTheirRelativePaths()
    {
        JSInterop.SetupModule("./js/upload.js").Setup<string[]>("relativePaths", _ => true)
            .SetResult(["trial/agent/run.fake.json", "trial/verifier/reward.txt"]);
        var cut = Render<Import>();

        cut.FindComponents<InputFile>()[1].UploadFiles(
            InputFileContent.CreateFromText("""{"task":"picked","steps":1}""", "run.fake.json"), InputFileContent.CreateFromText("1", "reward.txt"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".ct-import-result")));
        Assert.Equal(["trial/agent/run.fake.json", "trial/verifier/reward.txt"], cut.FindAll(".ct-upload-file-name").Select(e => e.TextContent));
        var id = cut.Find("a.ct-import-run-link").GetAttribute("href")!["/runs/".Length..];
        var run = await Store.GetRunAsync(id, includeSteps: false, CancellationToken.None);
        Assert.Equal("upload:trial/agent/run.fake.json", run!.Source.Path);
        Assert.Empty(cut.FindAll("#ct-upload-notice"));
    }

    [Fact]
    public void Import_SeveralLooseFiles_SuggestsAFolderOrZip()
    {
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("""{"task":"a","steps":1}""", "a.fake.json"), InputFileContent.CreateFromText("1", "reward.txt"));

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll(".ct-import-result")));
        Assert.Contains("pick the folder or upload it as a .zip", cut.Find("#ct-upload-notice").TextContent);
    }

    [Fact]
    public void Import_SameFileTwice_UpdatesTheRunInstead()
    {
        var content = """{"task":"again","steps":1}""";
        var cut = Render<Import>();
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(content, "again.fake.json"));
        cut.WaitForAssertion(() => Assert.Contains("new", cut.Find(".ct-import-result-kind").TextContent));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(content, "again.fake.json"));

        cut.WaitForAssertion(() => Assert.Equal("updated", cut.Find(".ct-import-result-kind").TextContent));
    }

    [Fact]
    public void Import_UnknownFile_ReportsWhatWasLookedFor()
    {
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("hello", "notes.txt"));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("#ct-import-results")));
        var error = Assert.Single(cut.FindAll(".ct-import-error"));
        Assert.Contains("no agent run found in the uploaded files (notes.txt)", error.TextContent);
        Assert.DoesNotContain(_temp.Path, error.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Import_TooManyFiles_AsksForAZip()
    {
        WebOptions.MaxUploadFiles = 2;
        var cut = Render<Import>();

        cut.FindComponent<InputFile>().UploadFiles(
            InputFileContent.CreateFromText("{}", "a.fake.json"), InputFileContent.CreateFromText("{}", "b.fake.json"), InputFileContent.CreateFromText("{}", "c.fake.json"));

        cut.WaitForAssertion(() => Assert.Contains("at most 2 are taken at once", cut.Find("#ct-upload-notice").TextContent));
        Assert.Empty(cut.FindAll(".ct-import-result"));
    }

    private static byte[] Zip(params (string Name, string Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = archive.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }
        return memory.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        _temp.Dispose();
        base.Dispose(disposing);
    }
}
