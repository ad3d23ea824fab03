using System.Text.RegularExpressions;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>What the folder names of Terminal-Bench and Harbor trials (and of CodeTracer's benchmark cases) say.</summary>
internal static partial class TrialNames
{
    /// <summary>Terminal-Bench trial folders: <c>&lt;task&gt;.&lt;k&gt;-of-&lt;n&gt;.&lt;run id&gt;</c>.</summary>
    [GeneratedRegex(@"^(?<task>.+?)\.\d+-of-\d+\.", RegexOptions.CultureInvariant)]
    private static partial Regex TerminalBenchTrial();

    /// <summary>Harbor trial folders: <c>&lt;task&gt;__&lt;short random id&gt;</c>.</summary>
    [GeneratedRegex(@"^(?<task>.+?)__[A-Za-z0-9]{5,12}$", RegexOptions.CultureInvariant)]
    private static partial Regex HarborTrial();

    /// <summary>CodeTracer benchmark case folders end in an 8-hex-digit case id.</summary>
    [GeneratedRegex(@"-[0-9a-f]{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex CaseIdSuffix();

    /// <summary>True for a Terminal-Bench trial folder name (<c>hello-world.1-of-1.2025-11-09__14-07-43</c>).</summary>
    public static bool IsTerminalBenchTrial(string folderName) => TerminalBenchTrial().IsMatch(folderName);

    /// <summary>
    /// The task id a trial folder is named after: <c>port-compressor.1-of-1.2025-12-30__12-34-36</c> and
    /// <c>prove-plus-comm__YDACMLN</c> both name their task; any other name is returned as it is.
    /// </summary>
    public static string TaskIdFromTrialFolder(string folderName)
    {
        var tb = TerminalBenchTrial().Match(folderName);
        if (tb.Success) return tb.Groups["task"].Value;
        var harbor = HarborTrial().Match(folderName);
        return harbor.Success ? harbor.Groups["task"].Value : folderName;
    }

    /// <summary>
    /// The model named by a CodeTracer case folder, <c>&lt;agent&gt;-&lt;Vendor&gt;__&lt;Model&gt;-&lt;task&gt;-&lt;8 hex&gt;</c>:
    /// <c>terminus2-OpenAI__GPT-5-port-compressor-a916ad03</c> with task <c>port-compressor</c> gives <c>OpenAI/GPT-5</c>.
    /// Null when the name does not have that shape (the task id is needed to tell where the model name ends).
    /// </summary>
    public static string? ModelFromCaseFolder(string folderName, string? taskId)
    {
        if (string.IsNullOrEmpty(taskId)) return null;
        var name = CaseIdSuffix().Replace(folderName, "");
        var taskSuffix = "-" + taskId;
        if (!name.EndsWith(taskSuffix, StringComparison.Ordinal)) return null;
        name = name[..^taskSuffix.Length];
        var vendorSeparator = name.IndexOf("__", StringComparison.Ordinal);
        if (vendorSeparator <= 0) return null;
        var vendorStart = name.LastIndexOf('-', vendorSeparator) + 1;
        var vendor = name[vendorStart..vendorSeparator];
        var model = name[(vendorSeparator + 2)..];
        return vendor.Length == 0 || model.Length == 0 ? null : vendor + "/" + model;
    }

    /// <summary>The agent prefix of a CodeTracer case folder (<c>terminus2</c>, <c>miniswe</c>, <c>openhands</c>), or null.</summary>
    public static string? AgentPrefixOfCaseFolder(string folderName)
    {
        var dash = folderName.IndexOf('-');
        return dash > 0 ? folderName[..dash] : null;
    }
}
