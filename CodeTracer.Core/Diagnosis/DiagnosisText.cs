using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CodeTracer.Core.Diagnosis;

/// <summary>Small text helpers shared by the heuristic, the prompts and the exports.</summary>
internal static partial class DiagnosisText
{
    /// <summary>The first non-blank line, trimmed and cut to <paramref name="maxChars"/> with an ellipsis.</summary>
    public static string FirstLine(string? text, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var span = text.AsSpan();
        while (span.Length > 0)
        {
            var newline = span.IndexOfAny('\r', '\n');
            var line = (newline < 0 ? span : span[..newline]).Trim();
            if (!line.IsEmpty) return Cut(line.ToString(), maxChars);
            if (newline < 0) break;
            span = span[(newline + 1)..];
        }
        return "";
    }

    /// <summary>Cuts to <paramref name="maxChars"/> characters, ending with an ellipsis when something was cut.</summary>
    public static string Cut(string text, int maxChars)
    {
        if (text.Length <= maxChars) return text;
        if (maxChars <= 1) return "…";
        var cut = maxChars - 1;
        // Never split a surrogate pair: half an emoji is invalid UTF-16 and breaks JSON encoders downstream.
        if (char.IsHighSurrogate(text[cut - 1])) cut--;
        return string.Concat(text.AsSpan(0, cut), "…");
    }

    /// <summary>
    /// Keeps the head and tail of a long text with a marker saying how much was left out: the start of an output
    /// says what ran, the end says how it finished, and the middle is usually repetition.
    /// </summary>
    public static string HeadTail(string? text, int budget)
    {
        if (string.IsNullOrEmpty(text)) return "";
        if (text.Length <= budget) return text;
        var head = (int)(budget * 0.6);
        var tail = budget - head;
        if (head > 0 && char.IsHighSurrogate(text[head - 1])) head--;
        var tailStart = text.Length - tail;
        if (tailStart < text.Length && char.IsLowSurrogate(text[tailStart])) tailStart++;
        var omitted = tailStart - head;
        return string.Concat(
            text.AsSpan(0, head),
            string.Create(CultureInfo.InvariantCulture, $"\n… [{omitted:N0} characters omitted] …\n"),
            text.AsSpan(tailStart));
    }

    /// <summary>Shortest run of one repeated symbol that <see cref="Squeeze"/> collapses.</summary>
    public const int SqueezeRunChars = 32;

    /// <summary>
    /// Makes text cheaper to send without losing what it says: trailing spaces go, blank lines fold into one, and a run
    /// of one repeated symbol or space (rules of dashes, padding, a degenerate model's filler) of
    /// <see cref="SqueezeRunChars"/> or more keeps 8 of its characters and says how long it was. Letters and digits are
    /// never touched.
    /// </summary>
    public static string Squeeze(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var builder = new StringBuilder(text.Length);
        var blankLines = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd();
            if (line.Length == 0)
            {
                if (blankLines++ == 0 && builder.Length > 0) builder.Append('\n');
                continue;
            }
            blankLines = 0;
            for (var i = 0; i < line.Length;)
            {
                var c = line[i];
                var end = i + 1;
                while (end < line.Length && line[end] == c) end++;
                var length = end - i;
                if (length >= SqueezeRunChars && !char.IsLetterOrDigit(c) && !char.IsSurrogate(c))
                {
                    builder.Append(c, 8).Append(CultureInfo.InvariantCulture, $"[×{length}]");
                }
                else
                {
                    builder.Append(line, i, length);
                }
                i = end;
            }
            builder.Append('\n');
        }
        return builder.ToString().TrimEnd('\n');
    }

    /// <summary>
    /// The problem a task text states, without the agent framework's template around it: the inside of
    /// <c>&lt;pr_description&gt;</c> (mini-SWE-agent), <c>&lt;issue_description&gt;</c> (OpenHands) or <c>&lt;issue&gt;</c>,
    /// or SWE-agent's <c>ISSUE:</c> … <c>INSTRUCTIONS:</c>; else the whole text. A prompt's task budget then goes to
    /// the problem rather than to instructions on how to submit.
    /// </summary>
    public static string TaskEssence(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var tagged = TaskTagRegex().Match(text);
        if (tagged.Success)
        {
            var inner = tagged.Groups["body"].Value.Trim();
            inner = ConsiderLineRegex().Replace(inner, "").Trim();
            if (inner.Length > 0) return inner;
        }
        var issue = text.IndexOf("ISSUE:\n", StringComparison.Ordinal);
        if (issue >= 0)
        {
            var start = issue + "ISSUE:\n".Length;
            var end = text.IndexOf("\nINSTRUCTIONS:", start, StringComparison.Ordinal);
            var inner = (end > start ? text[start..end] : text[start..]).Trim();
            if (inner.Length > 0) return inner;
        }
        return text.Trim();
    }

    [GeneratedRegex(@"<(?<tag>pr_description|issue_description|issue|problem_statement)>(?<body>.*?)</\k<tag>>", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex TaskTagRegex();

    [GeneratedRegex(@"^\s*Consider the following (?:PR description|issue description|issue)\s*:\s*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ConsiderLineRegex();

    /// <summary>Collapses whitespace runs to one space (for one-line renderings of commands and signals).</summary>
    public static string OneLine(string? text, int maxChars)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var builder = new StringBuilder(Math.Min(text.Length, maxChars + 8));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(c);
            if (builder.Length > maxChars + 1) break;
        }
        return Cut(builder.ToString(), maxChars);
    }

    /// <summary>File paths named in a text (source files by extension), in order of appearance, without duplicates.</summary>
    public static List<string> FilePaths(string? text)
    {
        var result = new List<string>();
        if (string.IsNullOrEmpty(text)) return result;
        // Evidence lines and task texts are short; cap anyway so a pathological line cannot cost much.
        var input = text.Length > 20_000 ? text[..20_000] : text;
        foreach (Match match in FilePathRegex().Matches(input))
        {
            var path = match.Value.Trim('\'', '"', '`', '(', ')', ',', ':');
            if (!result.Contains(path, StringComparer.Ordinal)) result.Add(path);
        }
        return result;
    }

    /// <summary>
    /// A comparable key for "is this about the same file": the file name stem, lower-cased, with test prefixes and
    /// suffixes removed, so <c>tests/test_parser.py</c> and <c>src/parser.py</c> meet at <c>parser</c>.
    /// </summary>
    public static string FileKey(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path.Replace('\\', '/').TrimEnd('/').Split('/')[^1]).ToLowerInvariant();
        if (name.StartsWith("test_", StringComparison.Ordinal)) name = name[5..];
        if (name.EndsWith("_test", StringComparison.Ordinal)) name = name[..^5];
        if (name.EndsWith("_tests", StringComparison.Ordinal)) name = name[..^6];
        if (name.EndsWith("tests", StringComparison.Ordinal) && name.Length > 5) name = name[..^5];
        else if (name.EndsWith("test", StringComparison.Ordinal) && name.Length > 4) name = name[..^4];
        return name;
    }

    /// <summary>
    /// The same file written different ways (<c>/testbed/a/b.py</c>, <c>./a/b.py</c>, <c>a/b.py</c>) meets at its last two
    /// path segments: precise enough to tell <c>a/b.py</c> from <c>c/b.py</c>, loose enough to survive a changed cwd.
    /// </summary>
    public static string FileIdentity(string path)
    {
        var parts = path.Replace('\\', '/').Trim().Trim('\'', '"').TrimEnd('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            0 => "",
            1 => parts[0],
            _ => parts[^2] + "/" + parts[^1],
        };
    }

    /// <summary>
    /// True for throw-away files an agent writes to poke at the problem (reproduction scripts, files under /tmp):
    /// their changes are rarely what a run's verdict is about.
    /// </summary>
    public static bool IsScratchFile(string path)
    {
        var normalized = path.Replace('\\', '/');
        if (normalized.StartsWith("/tmp/", StringComparison.Ordinal)) return true;
        var name = normalized.Split('/')[^1];
        return ScratchNameRegex().IsMatch(name) || ScratchExtensionRegex().IsMatch(name);
    }

    /// <summary>
    /// A file under a build output or an installed copy (<c>build/lib/</c>, <c>dist/</c>, <c>site-packages/</c>,
    /// <c>node_modules/</c>, <c>target/</c>, a virtualenv): editing it changes a copy, not the source the tests use.
    /// </summary>
    public static bool IsGeneratedCopy(string path) => GeneratedCopyRegex().IsMatch(path.Replace('\\', '/'));

    [GeneratedRegex(@"(?:^|/)(?:build/lib[^/]*|dist|site-packages|dist-packages|node_modules|\.tox|\.nox|\.venv|venv|\.eggs|[^/]+\.egg-info|__pycache__|target/(?:debug|release|classes))/", RegexOptions.CultureInvariant)]
    private static partial Regex GeneratedCopyRegex();

    [GeneratedRegex(@"(?<![\w.-])(?:[A-Za-z]:)?[\w./-]*[\w-]+\.(?:py|pyi|java|kt|scala|js|jsx|mjs|ts|tsx|go|rs|c|cc|cpp|cxx|h|hpp|rb|php|cs|fs|swift|m|sh|bash|pl|lua|r|jl|ex|exs|erl|hs|ml|sql|toml|cfg|ini|yaml|yml|json|xml|gradle|pony|txt|md|rst|proto|graphql|html|htm|css|scss|vue|svelte|tf|hcl|conf|ipynb|cjs|jsonl|csv)\b", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex FilePathRegex();

    [GeneratedRegex(@"^(?:(?:reproduce|repro|reproduction|debug|scratch|tmp|temp|check|verify|sanity|try|demo|example|minimal|mre|test_repro|test_issue|test_fix|test_bug|test_reproduce|test_my)[\w.-]*|[\w.-]*(?:reproduc|repro_|_repro|scratch|sandbox)[\w.-]*)\.\w+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScratchNameRegex();

    // Backups, patch files, downloads and build output the agent makes on the way to a change, not the change itself.
    [GeneratedRegex(@"\.(?:orig|original|bak|backup|old|save|rej|patch|diff|swp|tar|gz|tgz|zip|bz2|xz|whl|deb|rpm|class|o|pyc|log)$|~$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ScratchExtensionRegex();
}
