using System.Buffers;
using System.Globalization;
using CodeTracer.Core.Model;
using CodeTracer.Core.Rendering;

namespace CodeTracer.Core.Tree;

/// <summary>How much of an observation is looked at for errors.</summary>
internal enum ScanMode
{
    /// <summary>Nothing (thinking, messages).</summary>
    None,
    /// <summary>Program output: every error pattern.</summary>
    Full,
    /// <summary>Listings and file reads from the shell: only the shell's own complaints (missing file, command not found, permission).</summary>
    Narrow,
    /// <summary>Editor and file-view replies: the text is file content, so only the first lines, where tools put their errors.</summary>
    Head,
}

/// <summary>One line of an observation that shows something: an error, a timeout, a harness format complaint.</summary>
internal readonly record struct ObservationMatch(string Category, string Line, int LineNumber);

/// <summary>What a scan of one observation found.</summary>
internal sealed class ObservationScan
{
    public List<ObservationMatch> Errors { get; } = [];

    public ObservationMatch? Timeout { get; set; }

    public ObservationMatch? FormatError { get; set; }

    public TestSummary? Tests { get; set; }

    private string? _observation;
    private ObservationScanner? _scanner;
    private bool _edgesRead;
    private ObservationMatch? _firstLine;
    private ObservationMatch? _lastLine;

    /// <summary>The last non-empty line (evidence for a failed call whose output names no known error); found when asked for.</summary>
    public ObservationMatch? LastLine
    {
        get
        {
            ReadEdges();
            return _lastLine;
        }
    }

    /// <summary>The first non-empty line; found when asked for.</summary>
    public ObservationMatch? FirstLine
    {
        get
        {
            ReadEdges();
            return _firstLine;
        }
    }

    internal void Attach(string observation, ObservationScanner scanner)
    {
        _observation = observation;
        _scanner = scanner;
    }

    private void ReadEdges()
    {
        if (_edgesRead) return;
        _edgesRead = true;
        if (_observation is null || _scanner is null) return;
        (_firstLine, _lastLine) = _scanner.Edges(_observation);
    }
}

/// <summary>A test runner's summary: counts and the line they were read from.</summary>
internal sealed class TestSummary
{
    public int Passed { get; set; }
    public int Failed { get; set; }
    public int Errors { get; set; }
    public int Skipped { get; set; }

    /// <summary>The runner said the run failed even if no count says so (<c>FAIL</c>, <c>BUILD FAILURE</c>).</summary>
    public bool RunnerFailed { get; set; }

    public string Line { get; set; } = "";

    public int LineNumber { get; set; }

    public bool HasFailures => Failed > 0 || Errors > 0 || RunnerFailed;

    public string Describe()
    {
        var parts = new List<string>(4);
        if (Failed > 0) parts.Add($"{Failed} failed");
        if (Errors > 0) parts.Add(Errors == 1 ? "1 error" : $"{Errors} errors");
        if (Passed > 0) parts.Add($"{Passed} passed");
        if (Skipped > 0) parts.Add($"{Skipped} skipped");
        if (parts.Count == 0) return RunnerFailed ? "failed" : "no tests ran";
        return string.Join(", ", parts);
    }

    public TestCounts ToCounts() => new() { Passed = Passed, Failed = Failed, Errors = Errors, Skipped = Skipped };
}

/// <summary>
/// Scans an observation for error text, timeouts, harness format errors and test summaries. Linear and bounded: a
/// vectorised search for anchor strings jumps from candidate to candidate (no regular expressions, so no
/// backtracking), only the lines around a hit are examined, the number of hits examined is capped, and observations
/// longer than <see cref="TreeOptions.MaxScanCharsPerObservation"/> are scanned at the head and the tail only.
/// ANSI escape sequences are removed from a line before it is judged.
/// </summary>
internal sealed class ObservationScanner
{
    private const int MaxHitsExamined = 400;
    private const int HeadModeLines = 8;

    // Few, short anchors keep the vectorised search fast; the line around each hit is then judged in full
    // ("rror" finds error:, Error:, SyntaxError, "parsing errors"; "RROR" finds ERROR; "not found" finds "command not found").
    private static readonly SearchValues<string> s_anchors = SearchValues.Create(
    [
        "rror", "RROR", "FAIL", "xception", "Traceback", "not found", "No such file", "ermission denied", "fatal", "egmentation fault",
        "dumped", "panic:", "undefined reference", "E: ", "ERR!", "annot find module", "imed out", "IMED OUT", "TimeoutExpired",
        "EXACTLY ONE", "not formatted correctly", "did not use any tool", "No valid JSON",
    ], StringComparison.Ordinal);

    // Listings and file reads are only checked for the shell's own complaints: a shorter list, a faster search.
    private static readonly SearchValues<string> s_narrowAnchors = SearchValues.Create(
    [
        "command not found", "No such file or directory", "Permission denied", "timed out", "Timed out", "TIMED OUT", "TimeoutExpired",
        "Previous response had parsing errors", "EXACTLY ONE", "not formatted correctly", "did not use any tool", "InputValidationError",
        "No valid JSON found",
    ], StringComparison.Ordinal);

    private readonly TreeOptions _options;

    public ObservationScanner(TreeOptions options)
    {
        _options = options;
    }

    /// <summary>Scans an observation; a call that exited 0 is checked only at its start and end (<paramref name="succeeded"/>).</summary>
    /// <param name="parseTests">Look for a test summary (in the last few kilobytes unless <paramref name="testRun"/>).</param>
    public ObservationScan Scan(string? observation, ScanMode mode, bool parseTests, bool succeeded = false, bool testRun = true)
    {
        var scan = new ObservationScan();
        if (string.IsNullOrEmpty(observation)) return scan;
        scan.Attach(observation, this);
        return ScanCore(observation, mode, parseTests, succeeded, testRun, scan);
    }

    private ObservationScan ScanCore(string observation, ScanMode mode, bool parseTests, bool succeeded, bool testRun, ObservationScan scan)
    {

        var text = observation.AsSpan();
        // A command that succeeded prints its summary, or a traceback it caught, at the end: look at less of it.
        var max = succeeded ? Math.Min(_options.MaxScanCharsPerObservation, _options.SucceededScanChars) : _options.MaxScanCharsPerObservation;
        if (text.Length <= max)
        {
            ScanRegion(text, 1, mode, parseTests, scan, testRun);
        }
        else
        {
            var half = max / 2;
            var head = text[..half];
            var headEnd = head.LastIndexOf('\n');
            if (headEnd > 0) head = head[..headEnd];
            ScanRegion(head, 1, mode, parseTests && testRun, scan, testRun);
            if (mode is not ScanMode.Head)
            {
                var tailStart = text.Length - half;
                var nl = text[tailStart..].IndexOf('\n');
                tailStart = nl < 0 ? tailStart : tailStart + nl + 1;
                var lineNumber = 1 + text[..tailStart].Count('\n');
                ScanRegion(text[tailStart..], lineNumber, mode, parseTests, scan, testRun);
            }
        }
        return scan;
    }

    /// <summary>How much of the end of a program's output is searched for a test summary when the call is not a known test run.</summary>
    private const int TestTailChars = 8 * 1024;

    private void ScanRegion(ReadOnlySpan<char> region, int firstLineNumber, ScanMode mode, bool parseTests, ObservationScan scan, bool fullTests = true)
    {
        if (mode == ScanMode.None) return;
        if (mode == ScanMode.Head)
        {
            ScanHead(region, firstLineNumber, scan);
            return;
        }
        if (parseTests)
        {
            // Runners print their summary at the end; only a test run's whole output is searched for per-test lines.
            var tail = region;
            var tailLine = firstLineNumber;
            if (!fullTests && region.Length > TestTailChars)
            {
                var cut = region.Length - TestTailChars;
                var nl = region[cut..].IndexOf('\n');
                cut = nl < 0 ? cut : cut + nl + 1;
                tailLine += region[..cut].Count('\n');
                tail = region[cut..];
            }
            TestSummaryParser.Parse(tail, tailLine, scan);
        }

        var position = 0;
        var lineNumber = firstLineNumber;
        var lineCountedTo = 0;
        var examined = 0;
        while (position < region.Length && examined < MaxHitsExamined)
        {
            var hit = region[position..].IndexOfAny(mode == ScanMode.Narrow ? s_narrowAnchors : s_anchors);
            if (hit < 0) break;
            hit += position;
            examined++;
            var (lineStart, lineEnd) = LineAround(region, hit);
            lineNumber += region[lineCountedTo..lineStart].Count('\n');
            lineCountedTo = lineStart;
            var view = CleanView(region[lineStart..lineEnd]);
            position = lineEnd + 1;

            var category = Classify(view, mode);
            if (category is null) continue;
            var line = view.ToString();
            if (category == "timeout")
            {
                scan.Timeout ??= new ObservationMatch(category, Truncate(line), lineNumber);
                continue;
            }
            if (category == "format")
            {
                scan.FormatError ??= new ObservationMatch(category, Truncate(line), lineNumber);
                continue;
            }
            if (category == "traceback")
            {
                // The exception line that ends the traceback says what went wrong; report it and skip the frames.
                var (exceptionLine, exceptionOffset, exceptionLineNumber) = FindExceptionLine(region, lineEnd, lineNumber);
                if (exceptionLine is not null)
                {
                    AddError(scan, new ObservationMatch(ExceptionCategory(exceptionLine), Truncate(exceptionLine), exceptionLineNumber));
                    lineNumber = exceptionLineNumber;
                    lineCountedTo = exceptionOffset;
                    var exceptionEnd = region[exceptionOffset..].IndexOf('\n');
                    position = exceptionEnd < 0 ? region.Length : exceptionOffset + exceptionEnd + 1;
                    continue;
                }
                category = "Python exception";
            }
            AddError(scan, new ObservationMatch(category, Truncate(line), lineNumber));
        }
    }

    /// <summary>Longest stretch of one line looked at from its start: JSON blobs and minified files are one huge line.</summary>
    internal const int MaxLineChars = 2_048;

    /// <summary>How far before a hit its line is looked at, and how far after.</summary>
    private const int LineCharsBefore = 240;
    private const int LineCharsAfter = 480;

    /// <summary>
    /// The line around <paramref name="hit"/>, bounded to a few hundred characters on each side so that a
    /// single-line observation of hundreds of kilobytes is neither searched nor judged again for every hit.
    /// </summary>
    internal static (int Start, int End) LineAround(ReadOnlySpan<char> region, int hit)
    {
        var from = Math.Max(0, hit - LineCharsBefore);
        var back = region[from..hit].LastIndexOf('\n');
        var start = back >= 0 ? from + back + 1 : from;
        var to = Math.Min(region.Length, hit + LineCharsAfter);
        var forward = region[hit..to].IndexOf('\n');
        var end = forward >= 0 ? hit + forward : to;
        return (start, end);
    }

    /// <summary>At most <see cref="MaxLineChars"/> of a line, from its start.</summary>
    private static ReadOnlySpan<char> Bounded(ReadOnlySpan<char> line) => line.Length <= MaxLineChars ? line : line[..MaxLineChars];

    private void AddError(ObservationScan scan, ObservationMatch match)
    {
        if (scan.Errors.Count >= _options.MaxErrorMatchesPerObservation) return;
        foreach (var existing in scan.Errors)
        {
            if (existing.Category == match.Category) return;
        }
        scan.Errors.Add(match);
    }

    /// <summary>The first and last non-empty lines of an observation (each looked for within 50 lines of its end).</summary>
    internal (ObservationMatch? First, ObservationMatch? Last) Edges(string observation)
    {
        var text = observation.AsSpan();
        ObservationMatch? first = null;
        var lineNumber = 1;
        var rest = text;
        for (var i = 0; i < 50 && rest.Length > 0; i++)
        {
            var nl = rest.IndexOf('\n');
            var line = nl < 0 ? rest : rest[..nl];
            var clean = CleanView(line.Length <= 512 ? line : line[..512]);
            if (clean.Length > 0)
            {
                first = new ObservationMatch("first", Truncate(clean.ToString()), lineNumber);
                break;
            }
            if (nl < 0) break;
            rest = rest[(nl + 1)..];
            lineNumber++;
        }

        var end = text.Length;
        for (var i = 0; i < 50 && end > 0; i++)
        {
            var from = Math.Max(0, end - 512);
            var back = text[from..end].LastIndexOf('\n');
            var start = back >= 0 ? from + back + 1 : from;
            var clean = CleanView(text[start..end]);
            if (clean.Length > 0)
            {
                var number = 1 + text[..start].Count('\n');
                return (first, new ObservationMatch("last", Truncate(clean.ToString()), number));
            }
            end = start - 1;
        }
        return (first, null);
    }

    private static readonly string[] s_headErrors =
    [
        "ERROR", "Error", "error:", "not found", "No such file", "does not exist", "did not appear verbatim", "No replacement was performed",
        "new syntax error", "Invalid", "invalid", "<tool_use_error>", "has not been read yet", "Permission denied", "Failed to", "failed to",
        "is not a file", "Is a directory", "Not a directory", "already exists", "cannot", "Cannot",
    ];

    private void ScanHead(ReadOnlySpan<char> region, int firstLineNumber, ObservationScan scan)
    {
        var rest = region;
        var lineNumber = firstLineNumber;
        for (var i = 0; i < HeadModeLines && rest.Length > 0; i++)
        {
            var nl = rest.IndexOf('\n');
            var raw = nl < 0 ? rest : rest[..nl];
            var line = Clean(Bounded(raw));
            if (line.Length > 0)
            {
                var format = Classify(line, ScanMode.Full);
                if (format == "format")
                {
                    scan.FormatError ??= new ObservationMatch("format", Truncate(line), lineNumber);
                }
                else if (IsHeadError(line))
                {
                    AddError(scan, new ObservationMatch("tool error", Truncate(line), lineNumber));
                    return;
                }
            }
            if (nl < 0) break;
            rest = rest[(nl + 1)..];
            lineNumber++;
        }
    }

    private static bool IsHeadError(string line)
    {
        // "[File: /x.py (12 lines total)]" and numbered source lines ("12:    raise Error") are file content.
        if (line.StartsWith("[File:", StringComparison.Ordinal) || line.StartsWith("Here's the result of running", StringComparison.Ordinal)
            || line.StartsWith("The file ", StringComparison.Ordinal) && line.Contains("has been edited", StringComparison.Ordinal)
            || line.StartsWith("File created successfully", StringComparison.Ordinal) || line.Length > 0 && char.IsAsciiDigit(line[0]))
        {
            return false;
        }
        foreach (var marker in s_headErrors)
        {
            if (line.Contains(marker, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>Names the error a line shows, or null when the anchor hit is not an error ("0 errors", "error_handler").</summary>
    internal static string? Classify(ReadOnlySpan<char> line, ScanMode mode)
    {
        var t = line.Trim();
        if (t.Length == 0) return null;

        if (t.Contains("Previous response had parsing errors", StringComparison.Ordinal)
            || t.Contains("Please always provide EXACTLY ONE", StringComparison.Ordinal)
            || t.Contains("Please provide EXACTLY ONE", StringComparison.Ordinal)
            || t.Contains("Your output was not formatted correctly", StringComparison.Ordinal)
            || t.Contains("did not use any tool call", StringComparison.Ordinal)
            || t.Contains("InputValidationError", StringComparison.Ordinal)
            || (t.StartsWith("ERROR: No valid JSON found", StringComparison.Ordinal)))
        {
            return "format";
        }

        if (IsTimeoutLine(t)) return "timeout";

        if (t.Contains("command not found", StringComparison.Ordinal)) return "command not found";
        if (t.Contains("No such file or directory", StringComparison.Ordinal)) return "missing file or directory";
        if (t.Contains("Permission denied", StringComparison.Ordinal)) return "permission denied";
        if (mode == ScanMode.Narrow) return null;

        if (t.Contains("Traceback (most recent call last)", StringComparison.Ordinal)) return "traceback";
        if (t.Contains("Segmentation fault", StringComparison.Ordinal) || t.Contains("core dumped", StringComparison.Ordinal)) return "crash";
        if (t.StartsWith("npm ERR!", StringComparison.Ordinal)) return "npm error";
        if (t.StartsWith("panic:", StringComparison.Ordinal)) return "panic";
        if (t.Contains("undefined reference", StringComparison.Ordinal)) return "linker error";
        if (t.StartsWith("Exception in thread", StringComparison.Ordinal)) return "Java exception";
        if (t.Contains("BUILD FAILURE", StringComparison.Ordinal) || t.Contains("BUILD FAILED", StringComparison.Ordinal)) return "build failed";
        if (t.StartsWith("fatal:", StringComparison.Ordinal)) return "fatal error";
        if (t.StartsWith("E: ", StringComparison.Ordinal)) return "package manager error";
        if (t.Contains("Cannot find module", StringComparison.Ordinal) || t.Contains("cannot find module", StringComparison.Ordinal)) return "missing module";
        if (t.StartsWith("FAILED ", StringComparison.Ordinal) || t.StartsWith("FAILED:", StringComparison.Ordinal) || t.StartsWith("FAILED (", StringComparison.Ordinal)) return "failing test";
        if (StartsWithWord(t, "ERROR") || t.StartsWith("[ERROR]", StringComparison.Ordinal)) return "error";
        if (IsCompilerError(t)) return "compiler error";
        if (t.Contains("syntax error", StringComparison.OrdinalIgnoreCase)) return "syntax error";
        if (LooksLikeExceptionLine(t)) return ExceptionCategory(t);
        if (t.StartsWith("Error:", StringComparison.Ordinal) || t.StartsWith("error:", StringComparison.Ordinal)) return "error";
        return null;
    }

    /// <summary>"ERROR: x" or "ERROR tests/a.py", not "ERRORS_ARE_FINE".</summary>
    private static bool StartsWithWord(ReadOnlySpan<char> t, string word) =>
        t.StartsWith(word, StringComparison.Ordinal) && (t.Length == word.Length || !(char.IsLetterOrDigit(t[word.Length]) || t[word.Length] == '_'));

    private static bool IsTimeoutLine(ReadOnlySpan<char> t)
    {
        if (t.Contains("TimeoutExpired", StringComparison.Ordinal)) return true;
        if (t.Contains("EXECUTION TIMED OUT", StringComparison.Ordinal)) return true;
        if (!t.Contains("timed out", StringComparison.OrdinalIgnoreCase)) return false;
        // Harness messages ("The command timed out after 120 seconds", "timed out and has been killed",
        // "Command timed out after 2m"), not a library's network timeout.
        return t.Contains("command", StringComparison.OrdinalIgnoreCase) || t.Contains("execution", StringComparison.OrdinalIgnoreCase)
            || t.Contains("has been killed", StringComparison.OrdinalIgnoreCase) || t.Contains("process", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsCompilerError(ReadOnlySpan<char> t)
    {
        // "x.c:3:5: error: ...", "error: ...", "error[E0425]: ...", "x.java:12: error: ...", "x.cs(3,5): error CS1002: ..."
        if (t.StartsWith("error:", StringComparison.Ordinal) || t.StartsWith("error[", StringComparison.Ordinal)) return true;
        if (t.Contains(": error:", StringComparison.Ordinal) || t.Contains(": error[", StringComparison.Ordinal) || t.Contains(": fatal error:", StringComparison.Ordinal)) return true;
        var i = t.IndexOf("): error ", StringComparison.Ordinal);
        return i > 0;
    }

    /// <summary><c>ValueError: bad</c>, <c>django.core.exceptions.ImproperlyConfigured: x</c>, <c>SyntaxError: invalid syntax</c>.</summary>
    private static bool LooksLikeExceptionLine(ReadOnlySpan<char> t)
    {
        var colon = t.IndexOf(':');
        var name = colon < 0 ? t : t[..colon];
        if (name.Length is < 5 or > 120) return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.')) return false;
        }
        return name.EndsWith("Error", StringComparison.Ordinal) || name.EndsWith("Exception", StringComparison.Ordinal)
            || name.EndsWith("Interrupt", StringComparison.Ordinal) || name.EndsWith("Exit", StringComparison.Ordinal)
            || name.EndsWith("ImproperlyConfigured", StringComparison.Ordinal) || name.EndsWith("DoesNotExist", StringComparison.Ordinal);
    }

    private static string ExceptionCategory(ReadOnlySpan<char> line)
    {
        var colon = line.IndexOf(':');
        var name = (colon < 0 ? line : line[..colon]).Trim();
        var dot = name.LastIndexOf('.');
        if (dot >= 0) name = name[(dot + 1)..];
        if (name.Length is 0 or > 60 || name.Contains(' ')) return "Python exception";
        if (name.SequenceEqual("Error")) return "error";
        return name.SequenceEqual("ModuleNotFoundError") || name.SequenceEqual("ImportError") ? "missing module" : name.ToString();
    }

    /// <summary>After a "Traceback" line, the first line that is not a frame, a code line or blank is the exception.</summary>
    private (string? Line, int Offset, int LineNumber) FindExceptionLine(ReadOnlySpan<char> region, int from, int fromLineNumber)
    {
        var position = from + 1;
        var lineNumber = fromLineNumber + 1;
        for (var i = 0; i < 300 && position < region.Length; i++)
        {
            var (_, end) = LineAround(region, position);
            var raw = region[position..end];
            var clean = Clean(raw);
            if (clean.Length > 0 && !char.IsWhiteSpace(Strip(raw)[0]) && !clean.StartsWith("Traceback", StringComparison.Ordinal)
                && !clean.StartsWith("During handling", StringComparison.Ordinal) && !clean.StartsWith("The above exception", StringComparison.Ordinal)
                && !clean.StartsWith("File \"", StringComparison.Ordinal) && clean != "^" && !clean.All(c => c is '^' or '~' or ' '))
            {
                return (clean, position, lineNumber);
            }
            position = end + 1;
            lineNumber++;
        }
        return (null, 0, 0);
    }

    private static string Strip(ReadOnlySpan<char> raw)
    {
        var s = Ansi.Strip(raw);
        return s.Length == 0 ? " " : s;
    }

    /// <summary>Like <see cref="Clean"/>, without allocating when the line has no escape sequence and no carriage return.</summary>
    internal static ReadOnlySpan<char> CleanView(ReadOnlySpan<char> raw) =>
        raw.IndexOfAny('\u001b', '\r') < 0 ? raw.Trim() : Clean(raw).AsSpan();

    /// <summary>ANSI removed; for terminal redraws (<c>\r</c>) the last non-empty segment; trimmed.</summary>
    internal static string Clean(ReadOnlySpan<char> raw)
    {
        var text = raw.IndexOf('\u001b') >= 0 ? Ansi.Strip(raw).AsSpan() : raw;
        // A terminal redraw: what is left on screen is the last segment that is not empty.
        while (text.LastIndexOf('\r') is var cr and >= 0)
        {
            var segment = text[(cr + 1)..];
            if (!segment.Trim().IsEmpty)
            {
                text = segment;
                break;
            }
            text = text[..cr];
        }
        return text.Trim().ToString();
    }

    private string Truncate(string line) =>
        line.Length <= _options.EvidenceChars ? line : string.Concat(line.AsSpan(0, _options.EvidenceChars - 1), "\u2026");

    /// <summary>Parses a span as an integer, ignoring the culture.</summary>
    internal static bool TryInt(ReadOnlySpan<char> s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
