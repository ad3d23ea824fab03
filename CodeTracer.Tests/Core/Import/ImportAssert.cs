using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

/// <summary>Runs the real import pipeline (without tree indexing, so only what importers and resolvers say is seen).</summary>
internal static class ImportAssert
{
    public static ImportBatch Parse(params string[] paths) =>
        TestServices.ImportService().Parse(paths, CancellationToken.None, index: false);

    /// <summary>Imports a path that must hold exactly one run and read without errors.</summary>
    public static Run Single(string path)
    {
        var batch = Parse(path);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Runs);
    }

    public static IEnumerable<string> WarningCodes(Run run) => run.Warnings.Select(w => w.Code);
}
