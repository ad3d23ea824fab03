using System.IO.Compression;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Services;

namespace CodeTracer.Tests.Web;

public sealed class SafeZipExtractorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Theory]
    [InlineData("../outside.txt", "climbs out")]
    [InlineData("a/../../outside.txt", "climbs out")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("C:/Windows/win.ini", "absolute path")]
    [InlineData("..\\..\\outside.txt", "climbs out")]
    public void Extract_EntryEscapingTheFolder_RefusesTheWholeZip(string entry, string why)
    {
        var zip = MakeZip(("fine/first.txt", new byte[10]), (entry, new byte[10]));
        var target = _temp.File("out");

        var error = Assert.Throws<UnsafeZipException>(() => SafeZipExtractor.Extract(zip, target, 100, 1_000_000, CancellationToken.None));

        Assert.Contains(why, error.Message);
        Assert.Contains("nothing from this zip was imported", error.Message);
        Assert.False(Directory.Exists(target));
        Assert.False(File.Exists(_temp.File("outside.txt")));
    }

    [Fact]
    public void Extract_TooManyEntries_IsRefused()
    {
        var zip = MakeZip(Enumerable.Range(0, 6).Select(i => ($"f{i}.txt", new byte[1])).ToArray());

        var error = Assert.Throws<UnsafeZipException>(() => SafeZipExtractor.Extract(zip, _temp.File("out"), 5, 1_000_000, CancellationToken.None));

        Assert.Contains("6 entries; at most 5 are accepted (Web:MaxZipEntries)", error.Message);
    }

    [Fact]
    public void Extract_ExpandsPastTheByteLimit_IsRefusedAndCleanedUp()
    {
        // 4 MB of zeros compresses to a few KB: the limit is counted on what is written, not on the archive's size.
        var zip = MakeZip(("bomb.bin", new byte[4 * 1024 * 1024]));
        Assert.True(new FileInfo(zip).Length < 64 * 1024);
        var target = _temp.File("out");

        var error = Assert.Throws<UnsafeZipException>(() => SafeZipExtractor.Extract(zip, target, 100, 1024 * 1024, CancellationToken.None));

        Assert.Contains("expands to more than 1 MB (Web:MaxZipUncompressedBytes)", error.Message);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public void Extract_NotAZip_SaysSo()
    {
        var path = _temp.Write("fake.zip", "this is not a zip archive at all");

        var error = Assert.Throws<UnsafeZipException>(() => SafeZipExtractor.Extract(path, _temp.File("out"), 100, 1_000_000, CancellationToken.None));

        Assert.StartsWith("it is not a readable zip archive", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_RunFolder_KeepsItsLayout()
    {
        var zip = MakeZip(("trial/agent/claude-code.txt", [1, 2, 3]), ("trial/verifier/reward.txt", [(byte)'1']), ("trial/", []));
        var target = _temp.File("out");

        var count = SafeZipExtractor.Extract(zip, target, 100, 1_000_000, CancellationToken.None);

        Assert.Equal(2, count);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(target, "trial", "agent", "claude-code.txt")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(target, "trial", "verifier", "reward.txt")));
    }

    [Theory]
    [InlineData("run/agent/x.txt", true, "run/agent/x.txt")]
    [InlineData("./run//x.txt", true, "run/x.txt")]
    [InlineData("run\\x.txt", true, "run/x.txt")]
    [InlineData("..", false, "")]
    [InlineData("a/../b", false, "")]
    [InlineData("/abs", false, "")]
    [InlineData("d:x", false, "")]
    [InlineData("bad\u0000name", false, "")]
    [InlineData("", false, "")]
    public void TryNormalize_Paths(string raw, bool ok, string expected)
    {
        Assert.Equal(ok, UploadPaths.TryNormalize(raw, out var relative, out var error));
        Assert.Equal(expected, relative);
        Assert.Equal(ok, error.Length == 0);
    }

    private string MakeZip(params (string Name, byte[] Content)[] entries)
    {
        var path = _temp.File(Guid.NewGuid().ToString("N") + ".zip");
        using var archive = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var stream = archive.CreateEntry(name, CompressionLevel.Optimal).Open();
            stream.Write(content);
        }
        return path;
    }

    public void Dispose() => _temp.Dispose();
}
