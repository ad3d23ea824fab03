namespace CodeTracer.Tests.Shared;

/// <summary>
/// The real agent runs kept beside the repository in <c>../shared/traces</c>. They are never copied into the repo;
/// tests that need them skip with a reason when the folder is absent, except in CI (<c>CI=true</c>) where that is a failure.
/// </summary>
public static class TraceCorpus
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>Absolute path of <c>../shared/traces</c> relative to the repository root.</summary>
    public static string Root => System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", "traces"));

    public static bool IsAvailable => Directory.Exists(Root);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>A path inside the corpus, e.g. <c>Path("swe-agent")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>Fails loudly in CI when the corpus is missing (a [CorpusFact] would otherwise have skipped).</summary>
    public static void EnsureAvailable()
    {
        if (!IsAvailable) throw new InvalidOperationException($"The trace corpus is missing: {Root}. CI must have ../shared/traces beside the clone.");
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CodeTracer.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("CodeTracer.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs the real trace corpus: skipped with a visible reason when it is absent, run (and failing) in CI.</summary>
public sealed class CorpusFactAttribute : FactAttribute
{
    public CorpusFactAttribute()
    {
        if (!TraceCorpus.IsAvailable && !TraceCorpus.IsCi)
        {
            Skip = $"needs the real runs in {TraceCorpus.Root} (absent here; CI fails instead of skipping)";
        }
    }
}

/// <summary>A theory that needs the real trace corpus (see <see cref="CorpusFactAttribute"/>).</summary>
public sealed class CorpusTheoryAttribute : TheoryAttribute
{
    public CorpusTheoryAttribute()
    {
        if (!TraceCorpus.IsAvailable && !TraceCorpus.IsCi)
        {
            Skip = $"needs the real runs in {TraceCorpus.Root} (absent here; CI fails instead of skipping)";
        }
    }
}
