using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Cli;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Tests.Core.Cli;

public sealed class ImportVerbTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ServiceProvider _services;
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    public ImportVerbTests()
    {
        _services = LinesImporter.Services(_dir.File("cli.db"));
    }

    public void Dispose()
    {
        _services.Dispose();
        _dir.Dispose();
    }

    private Task<int> Import(params string[] paths) => Import(CancellationToken.None, paths);

    private Task<int> Import(CancellationToken token, params string[] paths) =>
        ImportVerb.RunAsync(_services, paths, _out, _err, token);

    [Fact]
    public async Task Import_AllPathsParse_StoresPrintsEachRunAndExits0()
    {
        var a = _dir.Write("a.txt", "lines-run: fix the parser\nls\ncat parser.py\n");
        var b = _dir.Write("b.txt", "lines-run: add a test\npytest\n");

        var code = await Import(a, b);

        Assert.Equal(0, code);
        Assert.Equal("", _err.ToString());
        var lines = _out.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains("lines-test", lines[0]);
        Assert.Contains("2 steps", lines[0]);
        Assert.Contains("fix the parser", lines[0]);
        Assert.Contains("unknown", lines[0]);
        Assert.StartsWith("2 run(s) stored (2 new, 0 updated), 3 step(s), 0 error(s); database ", lines[2]);
        Assert.Contains(_dir.File("cli.db"), lines[2]);
        Assert.Equal(2, await _services.GetRequiredService<IRunStore>().CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_SameFileTwice_SecondTimeUpdates()
    {
        var a = _dir.Write("a.txt", "lines-run: task\nls\n");
        await Import(a);

        var code = await Import(a);

        Assert.Equal(0, code);
        Assert.Contains("1 run(s) stored (0 new, 1 updated)", _out.ToString());
        Assert.Equal(1, await _services.GetRequiredService<IRunStore>().CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_SomePathsFail_StoresTheOthersReportsEachFailureAndExits1()
    {
        var good = _dir.Write("good.txt", "lines-run: good one\nls\n");
        var broken = _dir.Write("broken.txt", "lines-run: broken\nls\n!fail\n");
        var missing = _dir.File("missing.txt");
        var alsoGood = _dir.Write("sub/also.txt", "lines-run: also good\nls\npwd\n");

        var code = await Import(good, broken, missing, Path.GetDirectoryName(alsoGood)!);

        Assert.Equal(1, code);
        var errors = _err.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([$"error: {broken} at line 3: the test format says fail here", $"error: {missing}: no such file or folder"], errors);
        Assert.Contains("2 run(s) stored (2 new, 0 updated), 3 step(s), 2 error(s)", _out.ToString());
        var page = await _services.GetRequiredService<IRunStore>().QueryRunsAsync(new RunQuery(), CancellationToken.None);
        Assert.Equal(["also good", "good one"], page.Items.Select(s => s.TaskTitle).Order());
    }

    [Fact]
    public async Task Import_NothingParses_Exits1WithNothingStored()
    {
        var code = await Import(_dir.File("nope.traj"));

        Assert.Equal(1, code);
        Assert.Contains("0 run(s) stored", _out.ToString());
        Assert.Equal(0, await _services.GetRequiredService<IRunStore>().CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Import_Cancelled_Exits130()
    {
        var a = _dir.Write("a.txt", "lines-run: task\nls\n");
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        var code = await Import(cts.Token, a);

        Assert.Equal(130, code);
        Assert.Contains("cancelled", _err.ToString());
    }

    [Fact]
    public async Task Import_DatabaseUnusable_Exits1NamingTheFile()
    {
        var notADatabase = _dir.Write("text.db", new string('x', 40_000));
        using var services = LinesImporter.Services(notADatabase);
        var a = _dir.Write("a.txt", "lines-run: task\nls\n");

        var code = await ImportVerb.RunAsync(services, [a], _out, _err, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Contains("error: Cannot open the database " + notADatabase, _err.ToString());
    }
}

public sealed class ImportCommandLineTests
{
    [Fact]
    public async Task ImportCommand_MissingPath_Exits1WithErrorOnStderrAndSummaryOnStdout()
    {
        using var dir = new TempDirectory();
        var database = Path.Combine(dir.Path, "data", "cli.db");
        var missing = Path.Combine(dir.Path, "no-such-run.traj");

        var result = await CliProcess.RunAsync(database, dir.Path, "import", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: {missing}: no such file or folder", result.StdErr.Trim());
        Assert.Contains("0 run(s) stored (0 new, 0 updated), 0 step(s), 1 error(s); database " + database, result.StdOut);
    }

    [Fact]
    public async Task ImportCommand_BadDatabasePath_Exits1NamingTheSetting()
    {
        using var dir = new TempDirectory();

        var result = await CliProcess.RunAsync(dir.Path, dir.Path, "import", "whatever.traj");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: Storage:DatabasePath '" + dir.Path + "' is an existing folder", result.StdErr);
    }
}

public sealed class ImportRealFormatTests
{
    [Fact]
    public async Task ImportCommand_GoodRunAndTruncatedFile_StoresTheGoodRunAndNamesTheBadFile()
    {
        using var dir = new TempDirectory();
        var database = Path.Combine(dir.Path, "real.db");
        var good = TestData.Path("mini-swe-agent", "run-v1");
        var truncated = TestData.Path("mini-swe-agent", "bad", "truncated.traj.json");

        var result = await CliProcess.RunAsync(database, dir.Path, "import", truncated, good);

        Assert.Equal(1, result.ExitCode);
        var error = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {truncated} at line ", error);
        Assert.Contains("truncated", error);
        Assert.Contains("mini-swe-agent-traj", result.StdOut);
        Assert.Contains("1 run(s) stored (1 new, 0 updated), 6 step(s), 1 error(s); database " + database, result.StdOut);

        using var store = new LiteDbRunStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DatabasePath = database }));
        var listed = (await store.QueryRunsAsync(new RunQuery(), CancellationToken.None)).Items.Single();
        Assert.Equal(("acme__lib-5", 6), (listed.TaskTitle, listed.StepCount));
        var run = await store.GetRunAsync(listed.Id, includeSteps: true, CancellationToken.None);
        Assert.Equal("cat lib/parse.py", run!.Steps[0].ToolCalls[0].Command);
    }
}
