using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import;

/// <summary>Limits for reading runs. Every limit has a default and is validated at start.</summary>
public sealed class ImportOptions
{
    public const string SectionName = "Import";

    /// <summary>Largest single file an importer will read.</summary>
    public long MaxFileBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How many bytes of a file are decoded for detection.</summary>
    public int SniffBytes { get; set; } = 64 * 1024;

    /// <summary>Deepest JSON nesting accepted (System.Text.Json's default of 64 is too low for some real files).</summary>
    public int MaxJsonDepth { get; set; } = 256;

    /// <summary>Most steps kept for one run; the rest are dropped with a warning.</summary>
    public int MaxStepsPerRun { get; set; } = 50_000;

    /// <summary>How deep discovery descends into folders.</summary>
    public int MaxDirectoryDepth { get; set; } = 12;

    /// <summary>How many levels above a run's source outcome files (results.json, report.json, ...) are looked for.</summary>
    public int OutcomeSearchLevels { get; set; } = 4;

    /// <summary>Most loose <c>*.json</c> files per folder checked for run summaries (<c>resolved_ids</c> lists) while joining outcomes.</summary>
    public int MaxOutcomeFilesPerFolder { get; set; } = 200;
}

internal sealed class ImportOptionsValidator : IValidateOptions<ImportOptions>
{
    public ValidateOptionsResult Validate(string? name, ImportOptions options)
    {
        var failures = new List<string>();
        if (options.MaxFileBytes <= 0) failures.Add($"{ImportOptions.SectionName}:MaxFileBytes must be positive.");
        if (options.SniffBytes is < 256 or > 16 * 1024 * 1024) failures.Add($"{ImportOptions.SectionName}:SniffBytes must be between 256 and 16 MiB.");
        if (options.MaxJsonDepth is < 16 or > 4096) failures.Add($"{ImportOptions.SectionName}:MaxJsonDepth must be between 16 and 4096.");
        if (options.MaxStepsPerRun <= 0) failures.Add($"{ImportOptions.SectionName}:MaxStepsPerRun must be positive.");
        if (options.MaxDirectoryDepth is < 1 or > 64) failures.Add($"{ImportOptions.SectionName}:MaxDirectoryDepth must be between 1 and 64.");
        if (options.OutcomeSearchLevels is < 0 or > 16) failures.Add($"{ImportOptions.SectionName}:OutcomeSearchLevels must be between 0 and 16.");
        if (options.MaxOutcomeFilesPerFolder is < 0 or > 100_000) failures.Add($"{ImportOptions.SectionName}:MaxOutcomeFilesPerFolder must be between 0 and 100000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
