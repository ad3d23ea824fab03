using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Storage;

/// <summary>Where runs are stored and the limits of storing them. Every limit has a default and is validated at start.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>The LiteDB file. Relative paths are taken from the current directory. Created on first use.</summary>
    public string DatabasePath { get; set; } = Path.Combine("data", "codetracer.db");

    /// <summary>
    /// Texts longer than this (an observation, a thought) are stored apart from their step document, in LiteDB's
    /// file storage, because a LiteDB document is capped at 16 MB and real observations reach megabytes.
    /// </summary>
    public int MaxInlineTextChars { get; set; } = 256 * 1024;

    /// <summary>Runs per write batch.</summary>
    public int WriteBatchRuns { get; set; } = 50;

    /// <summary>
    /// A write batch also ends once its runs hold this many characters of step text: LiteDB keeps a transaction's
    /// pages in memory until it commits, so batching by count alone could hold gigabytes for runs with huge outputs.
    /// </summary>
    public long WriteBatchMaxChars { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Most distinct words kept per run for the runs list's free-text search (task words first, then thoughts and
    /// commands, then observations). Bounds the search index's memory; words past the cap are not searchable.
    /// </summary>
    public int MaxSearchTermsPerRun { get; set; } = 4_000;

    /// <summary>
    /// Load the free-text search index in the background once the runs list is first shown, so the first search does
    /// not wait for it. Off, it loads at the first search.
    /// </summary>
    public bool PreloadSearchIndex { get; set; } = true;

    /// <summary>How much of a task's text the runs list's task filter looks at (the id and title are always included).</summary>
    public int MaxTaskFilterChars { get; set; } = 2_000;
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (DescribeBadPath(options.DatabasePath) is { } badPath) failures.Add(badPath);
        if (options.MaxInlineTextChars is < 1024 or > 4 * 1024 * 1024) failures.Add("Storage:MaxInlineTextChars must be between 1 KiB and 4 MiB characters.");
        if (options.WriteBatchRuns is < 1 or > 10_000) failures.Add("Storage:WriteBatchRuns must be between 1 and 10,000.");
        if (options.WriteBatchMaxChars is < 1024 * 1024 or > 1024L * 1024 * 1024) failures.Add("Storage:WriteBatchMaxChars must be between 1 MiB and 1 GiB characters.");
        if (options.MaxSearchTermsPerRun is < 100 or > 1_000_000) failures.Add("Storage:MaxSearchTermsPerRun must be between 100 and 1,000,000.");
        if (options.MaxTaskFilterChars is < 100 or > 1_000_000) failures.Add("Storage:MaxTaskFilterChars must be between 100 and 1,000,000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? DescribeBadPath(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "Storage:DatabasePath must be set.";
        // LiteDB reads these names as in-memory databases, which other processes cannot share.
        if (path.Trim() is ":memory:" or ":temp:") return $"Storage:DatabasePath '{path}' is not a file; a database shared by the server and the command line must be a file.";
        if (path.IndexOfAny(Path.GetInvalidPathChars()) >= 0 || path.Contains('\0')) return $"Storage:DatabasePath '{path}' contains characters that are not allowed in a path.";
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"Storage:DatabasePath '{path}' is not a valid path: {ex.Message}";
        }
        if (path.EndsWith('/') || path.EndsWith(Path.DirectorySeparatorChar) || string.IsNullOrEmpty(Path.GetFileName(full)))
        {
            return $"Storage:DatabasePath '{path}' names a folder; it must name a file (e.g. data/codetracer.db).";
        }
        if (Directory.Exists(full)) return $"Storage:DatabasePath '{full}' is an existing folder; it must name a file (e.g. {Path.Combine(full, "codetracer.db")}).";
        return null;
    }
}
