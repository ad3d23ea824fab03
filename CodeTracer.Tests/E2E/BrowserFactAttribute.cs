using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.E2E;

/// <summary>Where the browser tests find Chromium (Debian's package; Playwright downloads nothing).</summary>
public static class BrowserEnvironment
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static bool IsAvailable => File.Exists(ChromiumPath);

    /// <summary>Why a browser test cannot run here, or null when it can (in CI a missing browser is a failure, not a skip).</summary>
    public static string? SkipReason =>
        IsAvailable || TraceCorpus.IsCi ? null : $"needs Chromium at {ChromiumPath} (apt-get install chromium; test.sh does it as root). CI fails instead of skipping.";
}

/// <summary>A browser test: skipped with a reason when Chromium is missing, except in CI (<c>CI=true</c>) where it fails.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (BrowserEnvironment.SkipReason is { } reason) Skip = reason;
    }
}

/// <summary>A browser test that also reads the real runs in ../shared/traces.</summary>
public sealed class BrowserCorpusFactAttribute : FactAttribute
{
    public BrowserCorpusFactAttribute()
    {
        if (BrowserEnvironment.SkipReason is { } reason) Skip = reason;
        else if (!TraceCorpus.IsAvailable && !TraceCorpus.IsCi) Skip = $"needs the real runs in {TraceCorpus.Root} (absent here; CI fails instead of skipping)";
    }
}
