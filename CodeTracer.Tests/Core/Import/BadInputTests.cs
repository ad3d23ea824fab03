using System.Text;
using CodeTracer.Core.Import;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

/// <summary>
/// Every kind of bad input gets a clear error (what file, where, why) or a warning on the run, never a crash,
/// and never costs the other runs of the same import.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private const string GoodTraj = """
        {"environment": "swe_main",
         "trajectory": [{"thought": "look", "action": "ls", "observation": "a.py", "response": "look", "state": "{}"}],
         "history": [{"role": "user", "content": "fix the bug"}],
         "info": {"exit_status": "submitted"}}
        """;

    private readonly TempDirectory _dir = new();
    private readonly RunImportService _import = TestServices.ImportService();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Parse_TruncatedJson_ErrorNamesLineAndSaysTruncated()
    {
        var path = _dir.Write("cut.traj", "{\"trajectory\": [{\"action\": \"ls\",\n \"observation\": \"a");
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Equal(path, error.File);
        Assert.StartsWith("line ", error.Location);
        Assert.Contains("invalid JSON", error.Reason);
    }

    [Fact]
    public void Parse_WrongShape_ErrorNamesTheJsonPath()
    {
        var path = _dir.Write("shape.traj", """{"trajectory": "oops", "history": [], "info": {}}""");
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Equal("$.trajectory", error.Location);
    }

    [Fact]
    public void Parse_NulByteDeepInFile_ErrorNamesTheByte()
    {
        var text = GoodTraj.Replace("a.py", "a.py" + new string('x', 100_000) + "\0", StringComparison.Ordinal);
        var path = _dir.WriteBytes("nul.traj", Encoding.UTF8.GetBytes(text));
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Contains("NUL", error.Reason);
        Assert.StartsWith("byte ", error.Location);
    }

    [Fact]
    public void Parse_ZeroStepRun_IsReadWithAWarning()
    {
        var path = _dir.Write("empty-run.traj", """{"trajectory": [], "history": [], "info": {"exit_status": "exit_cost"}}""");
        var batch = _import.Parse([path], CancellationToken.None);
        Assert.Empty(batch.Errors);
        var run = Assert.Single(batch.Runs);
        Assert.Equal(0, run.StepCount);
        Assert.Contains(run.Warnings, w => w.Code == "no-steps");
    }

    [Fact]
    public void Parse_TwentyMegabyteObservation_IsKeptWhole()
    {
        var huge = new string('y', 20 * 1024 * 1024);
        var path = _dir.Write("huge.traj", GoodTraj.Replace("a.py", huge, StringComparison.Ordinal));
        var run = Assert.Single(_import.Parse([path], CancellationToken.None).Runs);
        Assert.Equal(huge.Length, run.Steps[0].ToolCalls[0].Observation!.Length);
    }

    [Fact]
    public void Parse_TenThousandDeepNesting_ErrorSaysNestedTooDeeply()
    {
        var deep = new string('[', 10_000) + new string(']', 10_000);
        var path = _dir.Write("deep.traj", "{\"trajectory\": [" + deep + "], \"history\": [], \"info\": {}}");
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Contains("nested too deeply", error.Reason);
        Assert.NotNull(error.Location);
    }

    [Fact]
    public void Parse_UnreadableFile_ErrorSaysCannotRead()
    {
        // Root reads any file whatever its mode, so a symbolic link that points at itself stands in for an unreadable file.
        var path = _dir.File("loop.traj");
        File.CreateSymbolicLink(path, path);
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Contains("cannot read", error.Reason);
    }

    [Fact]
    public void Parse_FolderWithGoodAndBadRuns_KeepsTheGoodOnes()
    {
        _dir.Write("run/good.traj", GoodTraj);
        _dir.Write("run/cut.traj", GoodTraj[..(GoodTraj.Length * 2 / 3)]);
        _dir.Write("run/other.traj", GoodTraj.Replace("fix the bug", "another task", StringComparison.Ordinal));
        var batch = _import.Parse([_dir.Path], CancellationToken.None);
        Assert.Equal(2, batch.Runs.Count);
        Assert.Single(batch.Errors);
    }

    [Fact]
    public void Parse_UnknownJsonFileNamedExplicitly_SaysWhatWasLookedFor()
    {
        var path = _dir.Write("mystery.json", """{"hello": "world"}""");
        var error = Assert.Single(_import.Parse([path], CancellationToken.None).Errors);
        Assert.Contains("unknown format", error.Reason);
        Assert.Contains("swe-agent", error.Reason);
    }
}
