namespace CodeTracer.Core.Tree;

/// <summary>
/// Reads test counts from the summaries test runners print: pytest (<c>3 failed, 10 passed in 1.2s</c>), unittest
/// (<c>Ran 5 tests</c> then <c>OK</c> / <c>FAILED (failures=2)</c>), go test (<c>--- FAIL:</c>, <c>ok pkg</c>, <c>FAIL pkg</c>),
/// cargo (<c>test result: FAILED. 1 passed; 2 failed</c>), jest (<c>Tests: 1 failed, 4 passed</c>), mocha
/// (<c>5 passing</c>), JUnit/Maven/Surefire (<c>Tests run: 5, Failures: 1, Errors: 0</c>), Gradle
/// (<c>5 tests completed, 1 failed</c>), ctest, and TAP/node (<c># pass 4</c>). When several summaries appear,
/// the last one wins, except cargo and go, whose per-binary and per-package lines are added up.
/// </summary>
internal static class TestSummaryParser
{
    private const int MaxLines = 200_000;

    // Every summary line the parsers below accept has one of these words.
    private static readonly System.Buffers.SearchValues<string> s_summaryWords = System.Buffers.SearchValues.Create(
    [
        "passed", "failed", "Ran ", "test result", "Tests", "passing", "failing", "tests completed", "--- ", "FAIL", "ok", "# pass", "# fail",
        "\u2139 pass", "\u2139 fail", "error", "no tests ran",
    ], StringComparison.Ordinal);

    public static void Parse(ReadOnlySpan<char> region, int firstLineNumber, ObservationScan scan)
    {
        TestSummary? last = null;
        TestSummary? cargo = null;
        TestSummary? go = null;
        int goPackagesOk = 0, goPackagesFailed = 0, goLastLine = 0;
        string goLine = "";
        TestSummary? tap = null;

        // Line by line: summary lines are short and carry a number (or say FAIL); anything else is skipped cheaply.
        var position = 0;
        var lineNumber = firstLineNumber - 1;
        var lines = 0;
        while (position < region.Length && lines++ < MaxLines)
        {
            var newline = region[position..].IndexOf('\n');
            var lineEnd = newline < 0 ? region.Length : position + newline;
            var raw = region[position..lineEnd];
            position = lineEnd + 1;
            lineNumber++;
            if (raw.Length is 0 or > 600) continue;
            if (raw.IndexOfAnyInRange('0', '9') < 0 && !raw.Contains("FAIL", StringComparison.Ordinal) && !raw.StartsWith("ok", StringComparison.Ordinal)) continue;
            if (raw.IndexOfAny(s_summaryWords) < 0) continue;
            var line = ObservationScanner.Clean(raw);
            if (line.Length == 0 || line.Length > 400) continue;

            if (TryPytest(line) is { } pytest) { last = At(pytest, line, lineNumber); continue; }
            if (line.StartsWith("Ran ", StringComparison.Ordinal) && TryUnittest(line, region[Math.Min(position, region.Length)..]) is { } unittest)
            {
                last = At(unittest.Summary, unittest.Line ?? line, lineNumber + unittest.LineOffset);
                continue;
            }
            if (line.StartsWith("test result:", StringComparison.Ordinal) && TryCargo(line) is { } cargoLine)
            {
                cargo ??= new TestSummary();
                cargo.Passed += cargoLine.Passed;
                cargo.Failed += cargoLine.Failed;
                cargo.Skipped += cargoLine.Skipped;
                cargo.RunnerFailed |= cargoLine.RunnerFailed;
                At(cargo, line, lineNumber);
                last = cargo;
                continue;
            }
            if (line.StartsWith("Tests:", StringComparison.Ordinal) && TryCounts(line.AsSpan(6), ',') is { } jest) { last = At(jest, line, lineNumber); continue; }
            if (TryMocha(line) is { } mocha)
            {
                // "5 passing" and "1 failing" come on separate lines: merge into the current mocha summary.
                if (last is not null && last.Line.Contains("passing", StringComparison.Ordinal) && mocha.Failed > 0 && last.Failed == 0)
                {
                    last.Failed = mocha.Failed;
                    At(last, line, lineNumber);
                }
                else if (mocha.Passed > 0 || mocha.Failed > 0)
                {
                    last = At(mocha, line, lineNumber);
                }
                continue;
            }
            var testsRun = line.IndexOf("Tests run:", StringComparison.Ordinal);
            if (testsRun >= 0 && TryJUnit(line.AsSpan(testsRun)) is { } junit) { last = At(junit, line, lineNumber); continue; }
            if (line.Contains("tests completed", StringComparison.Ordinal) && TryGradle(line) is { } gradle) { last = At(gradle, line, lineNumber); continue; }
            if (line.Contains("tests passed", StringComparison.Ordinal) && line.Contains("out of", StringComparison.Ordinal) && TryCtest(line) is { } ctest) { last = At(ctest, line, lineNumber); continue; }

            // go test
            if (line.StartsWith("--- FAIL", StringComparison.Ordinal)) { go ??= new TestSummary(); go.Failed++; goLine = line; goLastLine = lineNumber; last = go; continue; }
            if (line.StartsWith("--- PASS", StringComparison.Ordinal)) { go ??= new TestSummary(); go.Passed++; if (goLine.Length == 0) { goLine = line; goLastLine = lineNumber; } last = go; continue; }
            if (line.StartsWith("--- SKIP", StringComparison.Ordinal)) { go ??= new TestSummary(); go.Skipped++; last = go; continue; }
            if ((line == "FAIL" || line.StartsWith("FAIL\t", StringComparison.Ordinal) || (line.StartsWith("FAIL ", StringComparison.Ordinal) && IsGoPackageLine(line.AsSpan(5)))))
            {
                go ??= new TestSummary();
                goPackagesFailed++;
                go.RunnerFailed = true;
                goLine = line;
                goLastLine = lineNumber;
                last = go;
                continue;
            }
            if (line.StartsWith("ok ", StringComparison.Ordinal) || line.StartsWith("ok\t", StringComparison.Ordinal))
            {
                if (IsGoPackageLine(line.AsSpan(2)))
                {
                    go ??= new TestSummary();
                    goPackagesOk++;
                    if (!go.RunnerFailed) { goLine = line; goLastLine = lineNumber; }
                    last = go;
                }
                continue;
            }

            // TAP / node --test
            if (TryTap(line) is { } tapLine)
            {
                tap ??= new TestSummary();
                if (tapLine.Passed >= 0) tap.Passed = tapLine.Passed;
                if (tapLine.Failed >= 0) tap.Failed = tapLine.Failed;
                At(tap, line, lineNumber);
                last = tap;
            }
        }

        if (go is not null && ReferenceEquals(last, go))
        {
            // Without -v there are no per-test lines: count packages instead.
            if (go.Passed == 0 && go.Failed == 0)
            {
                go.Passed = goPackagesOk;
                go.Failed = goPackagesFailed;
            }
            At(go, goLine, goLastLine);
        }
        if (last is not null) scan.Tests = last;
    }

    private static TestSummary At(TestSummary summary, string line, int lineNumber)
    {
        summary.Line = line;
        summary.LineNumber = lineNumber;
        return summary;
    }

    /// <summary><c>===== 3 failed, 10 passed, 1 skipped in 1.23s =====</c>, <c>1 error in 0.3s</c>, <c>no tests ran in 0.01s</c>.</summary>
    private static TestSummary? TryPytest(string line)
    {
        var t = line.AsSpan().Trim().Trim('=').Trim();
        var inAt = t.LastIndexOf(" in ", StringComparison.Ordinal);
        if (inAt <= 0) return null;
        var timing = t[(inAt + 4)..];
        if (timing.Length == 0 || !char.IsAsciiDigit(timing[0])) return null;
        var s = timing.IndexOf('s');
        if (s < 0 || s > 12) return null;
        var head = t[..inAt];
        if (head.SequenceEqual("no tests ran")) return new TestSummary();
        return TryCounts(head, ',');
    }

    /// <summary>Comma-separated "N word" parts; at least one must be a known test word.</summary>
    private static TestSummary? TryCounts(ReadOnlySpan<char> text, char separator)
    {
        var summary = new TestSummary();
        var known = false;
        foreach (var range in text.Split(separator))
        {
            var part = text[range].Trim();
            var space = part.IndexOf(' ');
            if (space <= 0) continue;
            if (!ObservationScanner.TryInt(part[..space], out var n)) return null;
            var word = part[(space + 1)..].Trim();
            switch (word)
            {
                case "passed" or "pass" or "passing": summary.Passed += n; known = true; break;
                case "failed" or "fail" or "failing": summary.Failed += n; known = true; break;
                case "error" or "errors": summary.Errors += n; known = true; break;
                case "skipped" or "pending" or "todo" or "ignored": summary.Skipped += n; known = true; break;
                case "xfailed" or "xpassed" or "deselected" or "warning" or "warnings" or "rerun" or "reruns" or "total" or "subtests passed": known = true; break;
                default: return null;
            }
        }
        return known ? summary : null;
    }

    private static (TestSummary Summary, string? Line, int LineOffset)? TryUnittest(string line, ReadOnlySpan<char> after)
    {
        // "Ran 5 tests in 0.012s" then, after a blank line, "OK", "OK (skipped=1)" or "FAILED (failures=2, errors=1)".
        var rest = line.AsSpan(4);
        var space = rest.IndexOf(' ');
        if (space <= 0 || !ObservationScanner.TryInt(rest[..space], out var ran)) return null;
        if (!rest[space..].StartsWith(" test", StringComparison.Ordinal)) return null;
        var offset = 0;
        for (var i = 0; i < 4 && after.Length > 0; i++)
        {
            offset++;
            var nl = after.IndexOf('\n');
            var next = ObservationScanner.Clean(nl < 0 ? after : after[..nl]);
            after = nl < 0 ? [] : after[(nl + 1)..];
            if (next.Length == 0) continue;
            if (next.StartsWith("OK", StringComparison.Ordinal))
            {
                var ok = new TestSummary();
                ReadUnittestDetails(next, ok);
                ok.Passed = Math.Max(0, ran - ok.Skipped - ok.Failed - ok.Errors);
                return (ok, next, offset);
            }
            if (next.StartsWith("FAILED", StringComparison.Ordinal))
            {
                var failed = new TestSummary { RunnerFailed = true };
                ReadUnittestDetails(next, failed);
                failed.Passed = Math.Max(0, ran - failed.Skipped - failed.Failed - failed.Errors);
                return (failed, next, offset);
            }
            break;
        }
        return null;
    }

    private static void ReadUnittestDetails(string line, TestSummary summary)
    {
        var open = line.IndexOf('(');
        var close = line.LastIndexOf(')');
        if (open < 0 || close <= open) return;
        var inner = line.AsSpan(open + 1, close - open - 1);
        foreach (var range in inner.Split(','))
        {
            var part = inner[range].Trim();
            var eq = part.IndexOf('=');
            if (eq <= 0 || !ObservationScanner.TryInt(part[(eq + 1)..], out var n)) continue;
            switch (part[..eq])
            {
                case "failures": summary.Failed = n; break;
                case "errors": summary.Errors = n; break;
                case "skipped": summary.Skipped = n; break;
            }
        }
    }

    /// <summary><c>test result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out</c>.</summary>
    private static TestSummary? TryCargo(string line)
    {
        var dot = line.IndexOf('.');
        if (dot < 0) return null;
        var summary = TryCounts(line.AsSpan(dot + 1).TrimEnd(), ';') is { } counts ? counts : null;
        if (summary is null)
        {
            // "measured" and "filtered out" are not test words: parse the known parts only.
            summary = new TestSummary();
            foreach (var range in line.AsSpan(dot + 1).Split(';'))
            {
                var part = line.AsSpan(dot + 1)[range].Trim();
                var space = part.IndexOf(' ');
                if (space <= 0 || !ObservationScanner.TryInt(part[..space], out var n)) continue;
                var word = part[(space + 1)..];
                if (word.SequenceEqual("passed")) summary.Passed += n;
                else if (word.SequenceEqual("failed")) summary.Failed += n;
                else if (word.SequenceEqual("ignored")) summary.Skipped += n;
            }
        }
        summary.RunnerFailed = line.Contains("FAILED", StringComparison.Ordinal);
        return summary;
    }

    /// <summary>mocha: <c>5 passing (20ms)</c>, <c>1 failing</c>.</summary>
    private static TestSummary? TryMocha(string line)
    {
        var t = line.AsSpan().Trim();
        var space = t.IndexOf(' ');
        if (space <= 0 || !ObservationScanner.TryInt(t[..space], out var n)) return null;
        var rest = t[(space + 1)..];
        if (rest.StartsWith("passing", StringComparison.Ordinal)) return new TestSummary { Passed = n };
        if (rest.StartsWith("failing", StringComparison.Ordinal)) return new TestSummary { Failed = n };
        return null;
    }

    /// <summary><c>Tests run: 5, Failures: 1, Errors: 0, Skipped: 0</c>.</summary>
    private static TestSummary? TryJUnit(ReadOnlySpan<char> text)
    {
        int? run = null;
        var summary = new TestSummary();
        foreach (var range in text.Split(','))
        {
            var part = text[range].Trim();
            var colon = part.IndexOf(':');
            if (colon <= 0) continue;
            var valueText = part[(colon + 1)..].Trim();
            var end = 0;
            while (end < valueText.Length && char.IsAsciiDigit(valueText[end])) end++;
            if (end == 0 || !ObservationScanner.TryInt(valueText[..end], out var n)) continue;
            switch (part[..colon].Trim())
            {
                case "Tests run": run = n; break;
                case "Failures": summary.Failed = n; break;
                case "Errors": summary.Errors = n; break;
                case "Skipped": summary.Skipped = n; break;
            }
        }
        if (run is null) return null;
        summary.Passed = Math.Max(0, run.Value - summary.Failed - summary.Errors - summary.Skipped);
        return summary;
    }

    /// <summary>Gradle: <c>5 tests completed, 1 failed, 1 skipped</c>.</summary>
    private static TestSummary? TryGradle(string line)
    {
        var t = line.AsSpan().Trim();
        var space = t.IndexOf(' ');
        if (space <= 0 || !ObservationScanner.TryInt(t[..space], out var total)) return null;
        var summary = new TestSummary();
        foreach (var range in t.Split(','))
        {
            var part = t[range].Trim();
            var sp = part.IndexOf(' ');
            if (sp <= 0 || !ObservationScanner.TryInt(part[..sp], out var n)) continue;
            if (part.EndsWith("failed", StringComparison.Ordinal)) summary.Failed = n;
            else if (part.EndsWith("skipped", StringComparison.Ordinal)) summary.Skipped = n;
        }
        summary.Passed = Math.Max(0, total - summary.Failed - summary.Skipped);
        return summary;
    }

    /// <summary>ctest: <c>80% tests passed, 1 tests failed out of 5</c>.</summary>
    private static TestSummary? TryCtest(string line)
    {
        var outOf = line.LastIndexOf("out of ", StringComparison.Ordinal);
        if (outOf < 0) return null;
        var totalText = line.AsSpan(outOf + 7).Trim();
        if (!ObservationScanner.TryInt(totalText, out var total)) return null;
        var comma = line.IndexOf(", ", StringComparison.Ordinal);
        if (comma < 0) return null;
        var failedPart = line.AsSpan(comma + 2);
        var sp = failedPart.IndexOf(' ');
        if (sp <= 0 || !ObservationScanner.TryInt(failedPart[..sp], out var failed)) return null;
        return new TestSummary { Failed = failed, Passed = Math.Max(0, total - failed) };
    }

    /// <summary>TAP / node's runner: <c># pass 4</c>, <c># fail 1</c>, <c>ℹ pass 4</c>. -1 for the count not on this line.</summary>
    private static (int Passed, int Failed)? TryTap(string line)
    {
        var t = line.AsSpan().Trim();
        if (!(t.StartsWith("# ", StringComparison.Ordinal) || t.StartsWith("\u2139 ", StringComparison.Ordinal))) return null;
        t = t[2..].Trim();
        if (t.StartsWith("pass ", StringComparison.Ordinal) && ObservationScanner.TryInt(t[5..].Trim(), out var p)) return (p, -1);
        if (t.StartsWith("fail ", StringComparison.Ordinal) && ObservationScanner.TryInt(t[5..].Trim(), out var f)) return (-1, f);
        return null;
    }

    /// <summary>After <c>ok</c> or <c>FAIL</c>: whitespace, a package path, then a duration, <c>(cached)</c> or <c>[build failed]</c>.</summary>
    private static bool IsGoPackageLine(ReadOnlySpan<char> rest)
    {
        var t = rest.Trim();
        if (t.Length == 0) return false;
        var space = t.IndexOfAny(' ', '\t');
        if (space <= 0) return false;
        var tail = t[space..].Trim();
        return tail.StartsWith("(cached)", StringComparison.Ordinal) || tail.StartsWith("[", StringComparison.Ordinal)
            || (tail.Length > 1 && char.IsAsciiDigit(tail[0]) && tail.EndsWith('s'));
    }
}
