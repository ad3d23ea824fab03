using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core;

public sealed class DiscoveryTests
{
    [Fact]
    public void Parse_MissingPath_ReportsNoSuchFile()
    {
        var batch = TestServices.ImportService().Parse(["/definitely/not/here.traj"], CancellationToken.None);
        var error = Assert.Single(batch.Errors);
        Assert.Contains("no such file or folder", error.Reason);
        Assert.Empty(batch.Runs);
    }

    [Fact]
    public void Parse_EmptyFile_ReportsEmpty()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("empty.json", "");
        var error = Assert.Single(TestServices.ImportService().Parse([path], CancellationToken.None).Errors);
        Assert.Equal(path, error.File);
        Assert.Contains("empty", error.Reason);
    }

    [Fact]
    public void Parse_BinaryFile_ReportsBinary()
    {
        using var dir = new TempDirectory();
        var path = dir.WriteBytes("agent_state.pkl", [0x80, 0x04, 0x95, 0x00, 0x00, 0x01, 0x02]);
        var error = Assert.Single(TestServices.ImportService().Parse([path], CancellationToken.None).Errors);
        Assert.Contains("binary", error.Reason);
    }

    [Fact]
    public void Parse_FolderWithNoRun_SaysWhatWasLookedFor()
    {
        using var dir = new TempDirectory();
        dir.Write("notes/readme.txt", "nothing to see");
        var error = Assert.Single(TestServices.ImportService().Parse([dir.Path], CancellationToken.None).Errors);
        Assert.Contains("no agent run found", error.Reason);
        Assert.Contains("Looked for", error.Reason);
    }
}
