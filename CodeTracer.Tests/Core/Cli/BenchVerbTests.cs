using CodeTracer.Tests.Shared;
using CodeTracer.Web.Cli;

namespace CodeTracer.Tests.Core.Cli;

public sealed class BenchVerbTests
{
    [Fact]
    public async Task BenchImport_SmallCorpus_PrintsEveryFigureWithItsTarget()
    {
        using var dir = new TempDirectory();
        for (var i = 0; i < 4; i++) dir.Write($"corpus/run{i}.txt", $"lines-run: task {i}\nls\ncat a{i}.py\n");
        dir.Write("corpus/ignored.json", "{\"not\": \"a run\"}");
        using var services = LinesImporter.Services(dir.File("unused.db"));
        var output = new StringWriter();

        var code = await BenchImportCommand.RunAsync(services, Path.Combine(dir.Path, "corpus"), output, CancellationToken.None);

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("4 files", text);
        Assert.Contains("4 runs, 8 steps", text);
        foreach (var label in new[] { "parse only", "raw JSON baseline", "parse / raw JSON", "tree indexing", "full import into LiteDB", "peak memory" })
        {
            Assert.Contains(label, text);
        }
        Assert.Contains("target <= 3x", text);
        Assert.Contains("target < 10 s", text);
        Assert.Contains("target < 1 GB", text);
        Assert.Contains("4 runs, 8 steps stored, 0 not stored", text);
        Assert.False(File.Exists(dir.File("unused.db")));
    }

    [Fact]
    public async Task BenchImport_NothingReadable_Exits1()
    {
        using var dir = new TempDirectory();
        dir.Write("corpus/notes.txt", "nothing here");
        using var services = LinesImporter.Services(dir.File("unused.db"));
        var output = new StringWriter();

        var code = await BenchImportCommand.RunAsync(services, Path.Combine(dir.Path, "corpus"), output, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("nothing parsed", output.ToString());
    }

    [Fact]
    public async Task BenchRunsQuery_FewRuns_TimesEveryQueryAndCountsMatches()
    {
        var output = new StringWriter();

        var code = await BenchRunsQueryCommand.RunAsync(runCount: 40, iterations: 2, seed: 3, output, CancellationToken.None);

        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("40 runs", text);
        foreach (var label in new[] { "cold: first page", "cold: first text search", "first page", "filter framework+outcome", "sort by steps", "task filter", "text '", "facets", "page after another write", "text after another write" })
        {
            Assert.Contains(label, text);
        }
        var firstPage = text.Split('\n').Single(l => l.StartsWith("first page", StringComparison.Ordinal));
        Assert.Contains(" 40 ", firstPage);
    }

    [Fact]
    public void SyntheticRuns_SameSeed_SameRuns()
    {
        var a = new SyntheticRuns(7).Run(12);
        var b = new SyntheticRuns(7).Run(12);

        Assert.Equal(Storage.StoreTestRuns.Json(a), Storage.StoreTestRuns.Json(b));
        Assert.InRange(a.Steps.Count, 20, 200);
        Assert.All(a.Steps, s => Assert.False(string.IsNullOrEmpty(s.ToolCalls[0].Observation)));
    }

    [Fact]
    public void BenchCommand_HasEverySubcommand()
    {
        var bench = BenchVerb.Create();

        Assert.Equal(["import", "runs-query", "run-page", "diagnosis-tokens"], bench.Subcommands.Select(c => c.Name));
    }
}
