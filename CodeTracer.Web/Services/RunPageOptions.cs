using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Services;

/// <summary>Limits of the run page (section <c>RunPage</c>). Every limit has a default and is validated at start.</summary>
public sealed class RunPageOptions
{
    public const string SectionName = "RunPage";

    /// <summary>Lines of a long tool output shown before the fold.</summary>
    public int FoldHeadLines { get; set; } = 60;

    /// <summary>Lines of a long tool output shown after the fold.</summary>
    public int FoldTailLines { get; set; } = 20;

    /// <summary>Most lines rendered even after "show all" (the middle of a larger output stays folded).</summary>
    public int MaxRenderedLines { get; set; } = 20_000;

    /// <summary>Characters kept per output line before it is cut (minified JSON and base64 come as one huge line).</summary>
    public int MaxLineChars { get; set; } = 4_000;

    /// <summary>Characters of a thought rendered as Markdown before the rest waits behind "show all".</summary>
    public int MaxMarkdownChars { get; set; } = 60_000;

    /// <summary>Lines of a command shown before it is folded.</summary>
    public int MaxCommandLines { get; set; } = 40;

    /// <summary>Lines of a diff shown before it is folded.</summary>
    public int MaxDiffLines { get; set; } = 400;

    /// <summary>How long the run search waits after the last keystroke, in milliseconds.</summary>
    public int SearchDebounceMilliseconds { get; set; } = 250;

    /// <summary>Rows rendered above and below the visible part of the tree.</summary>
    public int TreeOverscanCount { get; set; } = 20;

    /// <summary>Most tree rows rendered at once, however tall the window (Virtualize's own cap, 100 by default).</summary>
    public int TreeMaxItemCount { get; set; } = 300;
}

internal sealed class RunPageOptionsValidator : IValidateOptions<RunPageOptions>
{
    public ValidateOptionsResult Validate(string? name, RunPageOptions options)
    {
        var failures = new List<string>();
        const string s = RunPageOptions.SectionName;
        if (options.FoldHeadLines is < 1 or > 100_000) failures.Add($"{s}:FoldHeadLines must be between 1 and 100,000.");
        if (options.FoldTailLines is < 0 or > 100_000) failures.Add($"{s}:FoldTailLines must be between 0 and 100,000.");
        if (options.MaxRenderedLines < options.FoldHeadLines + options.FoldTailLines || options.MaxRenderedLines > 1_000_000)
        {
            failures.Add($"{s}:MaxRenderedLines must be at least FoldHeadLines + FoldTailLines and at most 1,000,000.");
        }
        if (options.MaxLineChars is < 80 or > 10_000_000) failures.Add($"{s}:MaxLineChars must be between 80 and 10,000,000.");
        if (options.MaxMarkdownChars is < 1_000 or > 10_000_000) failures.Add($"{s}:MaxMarkdownChars must be between 1,000 and 10,000,000.");
        if (options.MaxCommandLines is < 1 or > 100_000) failures.Add($"{s}:MaxCommandLines must be between 1 and 100,000.");
        if (options.MaxDiffLines is < 10 or > 1_000_000) failures.Add($"{s}:MaxDiffLines must be between 10 and 1,000,000.");
        if (options.SearchDebounceMilliseconds is < 0 or > 10_000) failures.Add($"{s}:SearchDebounceMilliseconds must be between 0 and 10,000.");
        if (options.TreeOverscanCount is < 1 or > 1_000) failures.Add($"{s}:TreeOverscanCount must be between 1 and 1,000.");
        if (options.TreeMaxItemCount is < 20 or > 10_000) failures.Add($"{s}:TreeMaxItemCount must be between 20 and 10,000.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
