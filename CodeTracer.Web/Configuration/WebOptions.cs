using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Configuration;

/// <summary>Limits and switches of the explorer (section <c>Web</c>). Every limit has a default and is validated at start.</summary>
public sealed class WebOptions
{
    public const string SectionName = "Web";

    /// <summary>Largest single uploaded file (a trajectory or a zip), in bytes.</summary>
    public long MaxUploadBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>Most files one upload may hold.</summary>
    public int MaxUploadFiles { get; set; } = 500;

    /// <summary>Most entries read from one uploaded zip.</summary>
    public int MaxZipEntries { get; set; } = 20_000;

    /// <summary>Most bytes one uploaded zip may expand to (counted while extracting, not trusted from its headers).</summary>
    public long MaxZipUncompressedBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>Where uploads are written while they are imported; empty means the system temp folder.</summary>
    public string? UploadTempPath { get; set; }

    /// <summary>Seed the bundled demo runs when the database holds no run at start.</summary>
    public bool SeedDemoRuns { get; set; } = true;

    /// <summary>Folder of the demo runs; relative paths are taken from the app's folder.</summary>
    public string DemoRunsPath { get; set; } = "DemoRuns";

    /// <summary>Rows per page of the runs list.</summary>
    public int RunsPageSize { get; set; } = 25;

    /// <summary>How long the runs page waits after the last keystroke before searching, in milliseconds.</summary>
    public int SearchDebounceMilliseconds { get; set; } = 300;
}

internal sealed class WebOptionsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        var failures = new List<string>();
        const string s = WebOptions.SectionName;
        if (options.MaxUploadBytes is < 1024 or > 64L * 1024 * 1024 * 1024) failures.Add($"{s}:MaxUploadBytes must be between 1 KiB and 64 GiB.");
        if (options.MaxUploadFiles is < 1 or > 100_000) failures.Add($"{s}:MaxUploadFiles must be between 1 and 100,000.");
        if (options.MaxZipEntries is < 1 or > 1_000_000) failures.Add($"{s}:MaxZipEntries must be between 1 and 1,000,000.");
        if (options.MaxZipUncompressedBytes is < 1024 or > 256L * 1024 * 1024 * 1024) failures.Add($"{s}:MaxZipUncompressedBytes must be between 1 KiB and 256 GiB.");
        if (string.IsNullOrWhiteSpace(options.DemoRunsPath)) failures.Add($"{s}:DemoRunsPath must be set.");
        if (options.RunsPageSize is < 5 or > 500) failures.Add($"{s}:RunsPageSize must be between 5 and 500.");
        if (options.SearchDebounceMilliseconds is < 0 or > 10_000) failures.Add($"{s}:SearchDebounceMilliseconds must be between 0 and 10,000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
