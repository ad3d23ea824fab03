using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Tree;

/// <summary>Limits and targets for tree indexing (classification, signals, stages, state tree). Validated at start.</summary>
public sealed class TreeOptions
{
    public const string SectionName = "Tree";

    /// <summary>An observation longer than this many characters gets a <c>HugeObservation</c> signal (it floods every later prompt).</summary>
    public int HugeObservationChars { get; set; } = 100_000;

    /// <summary>Most signals kept on one step; the most telling kinds are kept first.</summary>
    public int MaxSignalsPerStep { get; set; } = 8;

    /// <summary>Most error-text matches taken from one observation (each becomes at most one signal).</summary>
    public int MaxErrorMatchesPerObservation { get; set; } = 3;

    /// <summary>
    /// Characters of one observation scanned for error text and test summaries. Longer observations are scanned at
    /// the head and the tail (half each), where commands print what went wrong and test runners their summary; the
    /// middle of a huge listing is skipped (it gets a <c>HugeObservation</c> signal instead).
    /// </summary>
    public int MaxScanCharsPerObservation { get; set; } = 64 * 1024;

    /// <summary>
    /// Characters scanned of the output of a call that exited 0 (head and tail, half each): its errors, if any, and
    /// its test summary are printed at the end.
    /// </summary>
    public int SucceededScanChars { get; set; } = 16 * 1024;

    /// <summary>Shell text longer than this is read only up to it (heredoc bodies can be whole files).</summary>
    public int MaxShellCommandChars { get; set; } = 256 * 1024;

    /// <summary>Stage length segmentation aims for when it has to split a long stretch of similar steps.</summary>
    public int TargetStageSteps { get; set; } = 8;

    /// <summary>Longest stage segmentation makes; longer stretches are split (by file focus or at test runs).</summary>
    public int MaxStageSteps { get; set; } = 15;

    /// <summary>
    /// Average stage length below which one-step stages are merged into a neighbour, so that an edit-run-edit-run
    /// loop does not become one stage per step. Runs shorter than twice this keep their stages as they are.
    /// </summary>
    public int MinAverageStageSteps { get; set; } = 3;

    /// <summary>Length of a state-tree node label (the first line of the action).</summary>
    public int LabelChars { get; set; } = 60;

    /// <summary>Length of a signal's evidence line.</summary>
    public int EvidenceChars { get; set; } = 240;
}

internal sealed class TreeOptionsValidator : IValidateOptions<TreeOptions>
{
    public ValidateOptionsResult Validate(string? name, TreeOptions options)
    {
        var failures = new List<string>();
        var s = TreeOptions.SectionName;
        if (options.HugeObservationChars < 1_000) failures.Add($"{s}:HugeObservationChars must be at least 1000.");
        if (options.MaxSignalsPerStep is < 1 or > 100) failures.Add($"{s}:MaxSignalsPerStep must be between 1 and 100.");
        if (options.MaxErrorMatchesPerObservation is < 1 or > 50) failures.Add($"{s}:MaxErrorMatchesPerObservation must be between 1 and 50.");
        if (options.MaxScanCharsPerObservation is < 1_024 or > 64 * 1024 * 1024) failures.Add($"{s}:MaxScanCharsPerObservation must be between 1 KiB and 64 MiB.");
        if (options.SucceededScanChars is < 1_024 or > 64 * 1024 * 1024) failures.Add($"{s}:SucceededScanChars must be between 1 KiB and 64 MiB.");
        if (options.MaxShellCommandChars is < 1_024 or > 64 * 1024 * 1024) failures.Add($"{s}:MaxShellCommandChars must be between 1 KiB and 64 MiB.");
        if (options.TargetStageSteps is < 2 or > 100) failures.Add($"{s}:TargetStageSteps must be between 2 and 100.");
        if (options.MaxStageSteps is < 2 or > 200) failures.Add($"{s}:MaxStageSteps must be between 2 and 200.");
        if (options.MaxStageSteps < options.TargetStageSteps) failures.Add($"{s}:MaxStageSteps must not be below TargetStageSteps.");
        if (options.MinAverageStageSteps is < 1 or > 50) failures.Add($"{s}:MinAverageStageSteps must be between 1 and 50.");
        if (options.MinAverageStageSteps > options.MaxStageSteps) failures.Add($"{s}:MinAverageStageSteps must not exceed MaxStageSteps.");
        if (options.LabelChars is < 10 or > 1_000) failures.Add($"{s}:LabelChars must be between 10 and 1000.");
        if (options.EvidenceChars is < 20 or > 10_000) failures.Add($"{s}:EvidenceChars must be between 20 and 10000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
