using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Storage;

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
}

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath)) failures.Add("Storage:DatabasePath must be set.");
        if (options.MaxInlineTextChars is < 1024 or > 4 * 1024 * 1024) failures.Add("Storage:MaxInlineTextChars must be between 1 KiB and 4 MiB characters.");
        if (options.WriteBatchRuns is < 1 or > 10_000) failures.Add("Storage:WriteBatchRuns must be between 1 and 10,000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
