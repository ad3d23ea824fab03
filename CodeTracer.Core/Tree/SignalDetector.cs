using System.Text.RegularExpressions;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>
/// Marks what matters for finding where a run went wrong, per step, each signal with the line of the observation
/// that shows it: non-zero exits, error text, test results, timeouts, huge observations, harness format errors,
/// repeated actions and edits that were later undone. Capped per step, most telling first.
/// </summary>
/// <remarks>
/// A call classified <c>run</c> whose output carries a test runner's summary (<c>bash run_tests.sh</c>,
/// <c>python tests/runtests.py</c>) is re-labelled <c>test</c> here, since only the output tells.
/// </remarks>
public sealed partial class SignalDetector
{
    private readonly TreeOptions _options;
    private readonly ObservationScanner _scanner;

    public SignalDetector(TreeOptions options)
    {
        _options = options;
        _scanner = new ObservationScanner(options);
    }

    /// <summary>Detects signals on a run whose steps are already classified (it classifies them again to learn file facts).</summary>
    public void Detect(Run run) => Detect(run, new StepClassifier(_options).ClassifyWithFacts(run));

    internal void Detect(Run run, CallFacts[][] facts)
    {
        var perStep = new List<Signal>[run.Steps.Count];
        var unparsed = UnparsedResponses(run);
        for (var s = 0; s < run.Steps.Count; s++)
        {
            perStep[s] = [];
            DetectCallSignals(run.Steps[s], facts[s], perStep[s]);
            if (run.Steps[s].ToolCalls.Count == 0 && run.Steps[s].Provenance?.File is { } file && unparsed.TryGetValue(file, out var warning))
            {
                // The harness's complaint about a response it could not parse is kept as an import warning on the
                // response file, since such a step has no call to hold it.
                perStep[s].Add(new Signal { Kind = SignalKind.FormatError, Message = "the harness could not parse the agent's response", EvidenceLine = warning });
            }
        }
        DetectRepeats(run, facts, perStep);
        DetectReverts(run, facts, perStep);
        DetectBrokenEdits(run, facts, perStep);

        for (var s = 0; s < run.Steps.Count; s++)
        {
            var list = perStep[s];
            list.Sort((a, b) =>
            {
                var byPriority = Priority(a.Kind).CompareTo(Priority(b.Kind));
                return byPriority != 0 ? byPriority : (a.ToolCallIndex ?? -1).CompareTo(b.ToolCallIndex ?? -1);
            });
            if (list.Count > _options.MaxSignalsPerStep) list.RemoveRange(_options.MaxSignalsPerStep, list.Count - _options.MaxSignalsPerStep);
            run.Steps[s].Signals = list;
        }
    }

    private Dictionary<string, string> UnparsedResponses(Run run)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var warning in run.Warnings)
        {
            if (warning.Code != "response-unparsed" || warning.File is null) continue;
            const string Marker = "the harness answered: ";
            var at = warning.Message.IndexOf(Marker, StringComparison.Ordinal);
            var evidence = at >= 0 ? warning.Message[(at + Marker.Length)..] : warning.Message;
            result.TryAdd(warning.File, evidence.Length <= _options.EvidenceChars ? evidence : evidence[.._options.EvidenceChars]);
        }
        return result;
    }

    /// <summary>Most telling first: format errors and timeouts explain everything after them; passing tests least.</summary>
    private static int Priority(SignalKind kind) => kind switch
    {
        SignalKind.FormatError => 0,
        SignalKind.Timeout => 1,
        SignalKind.TestsFailed => 2,
        SignalKind.ErrorExit => 3,
        SignalKind.ErrorText => 4,
        SignalKind.EditReverted => 5,
        SignalKind.BrokenEdit => 5,
        SignalKind.RepeatedAction => 6,
        SignalKind.HugeObservation => 7,
        _ => 8,
    };

    private void DetectCallSignals(Step step, CallFacts[] facts, List<Signal> signals)
    {
        var upgraded = false;
        for (var c = 0; c < step.ToolCalls.Count; c++)
        {
            var call = step.ToolCalls[c];
            var fact = facts[c];
            var mode = ModeFor(call, fact);
            var parseTests = call.Kind is StepKind.Test or StepKind.Run || (call.Kind == StepKind.Unknown);
            var scan = _scanner.Scan(call.Observation, mode, parseTests, succeeded: call.ExitCode == 0 && !call.IsError, testRun: call.Kind == StepKind.Test);

            if (scan.FormatError is { } format || fact.IsFormatError)
            {
                signals.Add(Make(SignalKind.FormatError, "the harness could not parse the agent's response", c, scan.FormatError ?? scan.FirstLine));
                if (fact.IsFormatError) continue;
            }

            var tests = scan.Tests;
            if (tests is not null && call.Kind == StepKind.Run && fact.Effect == StepEffect.Explore)
            {
                call.Kind = StepKind.Test;
                upgraded = true;
            }
            if (tests is not null && call.Kind == StepKind.Test)
            {
                var signal = Make(tests.HasFailures ? SignalKind.TestsFailed : SignalKind.TestsPassed, tests.Describe(), c,
                    new ObservationMatch("tests", tests.Line, tests.LineNumber));
                signal.Tests = tests.ToCounts();
                if (tests.HasFailures || tests.Passed > 0) signals.Add(signal);
            }
            else
            {
                tests = null;
            }

            var timedOut = false;
            if (call.ExitCode == 124 || (call.ExitCode == 137 && (fact.TimeoutWrapper || scan.Timeout is not null)) || scan.Timeout is not null)
            {
                var evidence = scan.Timeout ?? scan.LastLine;
                var message = call.ExitCode is 124 or 137 ? $"timed out (exit code {call.ExitCode})" : "the command timed out";
                signals.Add(Make(SignalKind.Timeout, message, c, evidence));
                timedOut = true;
            }

            var failedExit = (call.ExitCode is { } exit && exit != 0) || call.IsError;
            if (failedExit && !timedOut && !(tests?.HasFailures ?? false) && !IsBenignExit(call, fact, scan))
            {
                var firstError = scan.Errors.Count > 0 ? scan.Errors[0] : (ObservationMatch?)null;
                var message = call.ExitCode is { } code && code != 0 ? $"exit code {code}" : "the tool reported an error";
                if (firstError is { } e) message += ": " + e.Category;
                signals.Add(Make(SignalKind.ErrorExit, message, c, firstError ?? scan.LastLine ?? scan.FirstLine));
            }
            else if (!failedExit && !(tests?.HasFailures ?? false) && !timedOut)
            {
                foreach (var error in scan.Errors)
                {
                    signals.Add(Make(SignalKind.ErrorText, error.Category, c, error));
                }
            }

            var length = call.Observation?.Length ?? 0;
            if (length > _options.HugeObservationChars)
            {
                signals.Add(Make(SignalKind.HugeObservation, $"observation of {length:N0} characters", c, scan.FirstLine));
            }
        }

        if (upgraded)
        {
            // The step's kind follows its most significant call.
            var best = -1;
            for (var c = 0; c < step.ToolCalls.Count; c++)
            {
                var rank = Significance.Of(step.ToolCalls[c].Kind, step.ToolCalls[c].Effect);
                if (rank > best)
                {
                    best = rank;
                    step.Kind = step.ToolCalls[c].Kind;
                }
            }
        }
    }

    private static ScanMode ModeFor(ToolCall call, CallFacts fact)
    {
        if (fact.OutputIsFileContent || fact.IsEditorCall) return ScanMode.Head;
        return call.Kind switch
        {
            StepKind.Think or StepKind.Message => ScanMode.None,
            StepKind.Read or StepKind.Search => ScanMode.Narrow,
            StepKind.Edit or StepKind.Create when fact.Effect == StepEffect.Change => ScanMode.Narrow,
            _ => ScanMode.Full,
        };
    }

    /// <summary>grep and diff exit 1 to say "no match" / "different"; that is an answer, not a failure.</summary>
    private static bool IsBenignExit(ToolCall call, CallFacts fact, ObservationScan scan)
    {
        if (call.ExitCode != 1 || call.IsError && call.ExitCode is null) return false;
        if (scan.Errors.Count > 0) return false;
        return call.Kind is StepKind.Search || (call.Kind == StepKind.Read && fact.Effect == StepEffect.Explore && (call.Command ?? "").Contains("diff", StringComparison.Ordinal));
    }

    private static Signal Make(SignalKind kind, string message, int? callIndex, ObservationMatch? evidence) => new()
    {
        Kind = kind,
        Message = message,
        ToolCallIndex = callIndex,
        EvidenceLine = evidence?.Line,
        EvidenceLineNumber = evidence?.LineNumber,
    };

    // ---------------- repeats ----------------

    private void DetectRepeats(Run run, CallFacts[][] facts, List<Signal>[] perStep)
    {
        var seen = new Dictionary<string, (int First, int Last, int Count)>(StringComparer.Ordinal);
        var lastChange = -1;
        for (var s = 0; s < run.Steps.Count; s++)
        {
            var step = run.Steps[s];
            var key = RepeatKey(step, facts[s]);
            if (key is not null)
            {
                if (seen.TryGetValue(key, out var prior))
                {
                    // Re-running a command after something else changed is verification, not a loop (a rebuild after an
                    // edit, a re-run of the tests); doing the very same thing again with nothing changed in between is.
                    if (lastChange <= prior.Last)
                    {
                        var firstId = run.Steps[prior.First].Id;
                        var nth = prior.Count + 1;
                        var message = $"same action as step {firstId}" + (nth > 2 ? $" ({Ordinal(nth)} time)" : "")
                            + (s - prior.Last > 1 ? ", nothing changed in between" : "");
                        perStep[s].Add(new Signal
                        {
                            Kind = SignalKind.RepeatedAction,
                            Message = message,
                            RelatedStep = firstId,
                            EvidenceLine = FirstLine(step),
                        });
                    }
                    seen[key] = (prior.First, s, prior.Count + 1);
                }
                else
                {
                    seen[key] = (s, s, 1);
                }
            }
            if (step.Effect == StepEffect.Change) lastChange = s;
        }
    }

    private static string? RepeatKey(Step step, CallFacts[] facts)
    {
        if (step.ToolCalls.Count == 0 || step.Kind is StepKind.Think or StepKind.Message or StepKind.Submit) return null;
        if (facts.All(f => f.IsWait)) return null;
        return facts.Length == 1 ? facts[0].Normalized : string.Join('\u001e', facts.Select(f => f.Normalized));
    }

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => n + "th",
        _ => (n % 10) switch { 1 => n + "st", 2 => n + "nd", 3 => n + "rd", _ => n + "th" },
    };

    // ---------------- reverts ----------------

    private const int MaxRevertSignalsPerRevert = 6;

    private void DetectReverts(Run run, CallFacts[][] facts, List<Signal>[] perStep)
    {
        var edits = new List<EditRecord>();
        var contents = new List<(int Step, string File, int Hash)>();
        var reverted = new HashSet<(int Step, int Call)>();
        var backups = new List<(int Step, string Original, string Copy)>();
        var commitBoundary = -1;

        for (var s = 0; s < run.Steps.Count; s++)
        {
            var step = run.Steps[s];
            for (var c = 0; c < facts[s].Length; c++)
            {
                var fact = facts[s][c];
                var call = step.ToolCalls[c];
                string How() => FirstLine(call.Command) ?? call.Tool;

                if (fact.UndoesLastEdit)
                {
                    foreach (var file in fact.RevertedFiles)
                    {
                        var last = edits.LastOrDefault(e => e.Step < s && SamePath(e.File, file) && !reverted.Contains((e.Step, e.Call)));
                        if (last is not null) Mark(last, s, $"undone by step {step.Id} (undo_edit)");
                    }
                }
                else
                {
                    foreach (var file in fact.RevertedFiles)
                    {
                        var count = 0;
                        foreach (var e in edits.Where(e => e.Step > commitBoundary && e.Step < s && SamePath(e.File, file)).Reverse())
                        {
                            if (reverted.Contains((e.Step, e.Call))) continue;
                            Mark(e, s, $"undone by step {step.Id} ({How()})");
                            if (++count >= MaxRevertSignalsPerRevert) break;
                        }
                    }
                }
                if (fact.RevertsAll)
                {
                    var count = 0;
                    foreach (var e in edits.Where(e => e.Step > commitBoundary && e.Step < s).Reverse())
                    {
                        if (reverted.Contains((e.Step, e.Call))) continue;
                        Mark(e, s, $"undone by step {step.Id} ({How()})");
                        if (++count >= MaxRevertSignalsPerRevert) break;
                    }
                }

                foreach (var replacement in fact.Replacements)
                {
                    if (replacement.OldText == replacement.NewText) continue;
                    var undone = edits.LastOrDefault(e => e.Step < s && e.Replacement is { } r
                        && r.NewText == replacement.OldText && r.OldText == replacement.NewText
                        && (r.File is null || replacement.File is null || SamePath(r.File, replacement.File))
                        && !reverted.Contains((e.Step, e.Call)));
                    if (undone is not null) Mark(undone, s, $"reversed by step {step.Id} (its new text put back the old)");
                }

                foreach (var written in fact.Contents)
                {
                    var file = written.File;
                    var hash = written.Hash;
                    var earlier = contents.LastOrDefault(v => v.Hash == hash && SamePath(v.File, file) && v.Step < s);
                    if (earlier.File is not null)
                    {
                        var count = 0;
                        foreach (var e in edits.Where(e => e.Step > earlier.Step && e.Step < s && SamePath(e.File, file)).Reverse())
                        {
                            if (reverted.Contains((e.Step, e.Call))) continue;
                            Mark(e, s, $"undone by step {step.Id}, which wrote {ShortPath(file)} back as it was at step {run.Steps[earlier.Step].Id}");
                            if (++count >= MaxRevertSignalsPerRevert) break;
                        }
                    }
                    contents.Add((s, file, hash));
                }

                var restoredBackup = false;
                foreach (var (from, to) in fact.Copies)
                {
                    // "cp f f.bak" then, later, "cp f.bak f": every edit of f in between is thrown away.
                    var backup = backups.LastOrDefault(b => b.Step < s && SamePath(b.Copy, from) && SamePath(b.Original, to));
                    if (backup.Copy is not null)
                    {
                        restoredBackup = true;
                        var count = 0;
                        foreach (var e in edits.Where(e => e.Step > backup.Step && e.Step < s && SamePath(e.File, to)).Reverse())
                        {
                            if (reverted.Contains((e.Step, e.Call))) continue;
                            Mark(e, s, $"undone by step {step.Id}, which copied the backup {ShortPath(from)} back");
                            if (++count >= MaxRevertSignalsPerRevert) break;
                        }
                    }
                    backups.Add((s, from, to));
                }

                if (fact.Commits) commitBoundary = s;

                // Record this call's edits after checking it, so a call never reverts itself.
                if (fact.Effect == StepEffect.Change && fact.ScriptTargets.Count > 0 && fact.Kind == StepKind.Run)
                {
                    foreach (var file in fact.ScriptTargets.Distinct(StringComparer.Ordinal)) edits.Add(new EditRecord(s, c, file, null));
                }
                else if (fact.Effect == StepEffect.Change && fact.Kind is StepKind.Edit or StepKind.Create && !fact.UndoesLastEdit && fact.RevertedFiles.Count == 0
                    && !restoredBackup)
                {
                    if (fact.Replacements.Count > 0)
                    {
                        foreach (var r in fact.Replacements) edits.Add(new EditRecord(s, c, r.File ?? fact.Writes.FirstOrDefault() ?? "", r));
                    }
                    else
                    {
                        foreach (var file in fact.Writes.Distinct(StringComparer.Ordinal)) edits.Add(new EditRecord(s, c, file, null));
                    }
                }
            }
        }

        void Mark(EditRecord edit, int byStep, string message)
        {
            if (!reverted.Add((edit.Step, edit.Call))) return;
            perStep[edit.Step].Add(new Signal
            {
                Kind = SignalKind.EditReverted,
                Message = message,
                ToolCallIndex = edit.Call,
                RelatedStep = run.Steps[byStep].Id,
                EvidenceLine = FirstLine(run.Steps[edit.Step].ToolCalls[edit.Call].Command) ?? ShortPath(edit.File),
            });
        }
    }

    // ---------------- broken edits ----------------

    /// <summary>
    /// An edit is broken when a later step's output reports a syntax or compile error in the file it changed, before
    /// any other edit of that file: "left src/x.py broken: IndentationError (step 14)". The error names the file in a
    /// Python traceback's <c>File "…", line N</c> just above it, or in a compiler's <c>x.c:3:5: error:</c>.
    /// </summary>
    private void DetectBrokenEdits(Run run, CallFacts[][] facts, List<Signal>[] perStep)
    {
        var lastEdit = new List<(string File, int Step, int Call)>();
        var flagged = new HashSet<(int Step, int Call)>();
        for (var s = 0; s < run.Steps.Count; s++)
        {
            var step = run.Steps[s];
            for (var c = 0; c < step.ToolCalls.Count && c < facts[s].Length; c++)
            {
                var call = step.ToolCalls[c];
                if (lastEdit.Count > 0 && !string.IsNullOrEmpty(call.Observation))
                {
                    foreach (var (file, category, line) in SyntaxErrorsIn(call.Observation))
                    {
                        var edit = lastEdit.FindLast(e => e.Step < s && SamePath(e.File, file));
                        if (edit.File is null || !flagged.Add((edit.Step, edit.Call))) continue;
                        perStep[edit.Step].Add(new Signal
                        {
                            Kind = SignalKind.BrokenEdit,
                            Message = $"left {ShortPath(edit.File)} broken: {category} (step {step.Id})",
                            ToolCallIndex = edit.Call,
                            RelatedStep = step.Id,
                            EvidenceLine = line,
                        });
                    }
                }
                var fact = facts[s][c];
                if (fact.Effect == StepEffect.Change && fact.Kind is StepKind.Edit or StepKind.Create)
                {
                    foreach (var file in fact.Writes.Distinct(StringComparer.Ordinal))
                    {
                        lastEdit.RemoveAll(e => SamePath(e.File, file));
                        lastEdit.Add((file, s, c));
                    }
                }
            }
        }
    }

    /// <summary>Syntax and compile errors in an output, each with the file it names: (file, category, the error line).</summary>
    internal static IEnumerable<(string File, string Category, string Line)> SyntaxErrorsIn(string observation)
    {
        // Most outputs hold none of the words: skip them without splitting into lines.
        if (!observation.Contains("SyntaxError", StringComparison.Ordinal) && !observation.Contains("IndentationError", StringComparison.Ordinal)
            && !observation.Contains("TabError", StringComparison.Ordinal) && !observation.Contains(": error", StringComparison.Ordinal)
            && !observation.Contains(": fatal error", StringComparison.Ordinal))
        {
            yield break;
        }
        // Only the head and tail of a huge output are read: errors worth a signal sit near its ends.
        var text = observation.Length <= 200_000 ? observation : string.Concat(observation.AsSpan(0, 100_000), "\n", observation.AsSpan(observation.Length - 100_000));
        string? lastPythonFile = null;
        var found = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var frame = PythonFrameRegex().Match(line);
            if (frame.Success)
            {
                lastPythonFile = frame.Groups["file"].Value;
                continue;
            }
            var python = PythonSyntaxErrorRegex().Match(line);
            if (python.Success && lastPythonFile is not null)
            {
                yield return (lastPythonFile, python.Groups["kind"].Value, line.Trim());
                lastPythonFile = null;
                if (++found >= 4) yield break;
                continue;
            }
            var compiler = CompilerErrorRegex().Match(line);
            // Only errors about the text itself: "cannot find symbol" or "package … does not exist" is a build setup
            // or a missing dependency, not a file the edit broke.
            if (compiler.Success && CompilerSyntaxWordsRegex().IsMatch(line))
            {
                yield return (compiler.Groups["file"].Value, "compile error", line.Trim());
                if (++found >= 4) yield break;
            }
        }
    }

    [GeneratedRegex(@"^\s*(?:E\s+)?File ""(?<file>[^""]+)"", line \d+", RegexOptions.CultureInvariant)]
    private static partial Regex PythonFrameRegex();

    [GeneratedRegex(@"^\s*(?:E\s+)?(?:\w+\.)*(?<kind>SyntaxError|IndentationError|TabError)\b", RegexOptions.CultureInvariant)]
    private static partial Regex PythonSyntaxErrorRegex();

    // gcc/clang "a.c:3:5: error: …", javac "A.java:12: error: …", rustc " --> src/main.rs:3:5" is left out (its error line names no file).
    [GeneratedRegex(@"^\s*(?<file>[\w./+-]+\.(?:c|cc|cpp|cxx|h|hpp|java|go|ts|tsx|cs|swift|kt|scala)):\d+(?::\d+)?:\s*(?:fatal )?error\b", RegexOptions.CultureInvariant)]
    private static partial Regex CompilerErrorRegex();

    [GeneratedRegex(@"expected|syntax|unexpected|illegal start|unclosed|unterminated|missing terminating|end of file|end of input|not a statement|stray|invalid token|mismatched|unbalanced", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CompilerSyntaxWordsRegex();

    private sealed record EditRecord(int Step, int Call, string File, Replacement? Replacement);

    /// <summary>Same file when equal, or when one is the other with a directory prefix (<c>/testbed/a/b.py</c> and <c>a/b.py</c>).</summary>
    internal static bool SamePath(string a, string b)
    {
        if (a.Length == 0 || b.Length == 0) return false;
        a = a.StartsWith("./", StringComparison.Ordinal) ? a[2..] : a;
        b = b.StartsWith("./", StringComparison.Ordinal) ? b[2..] : b;
        if (string.Equals(a, b, StringComparison.Ordinal)) return true;
        return a.Length > b.Length
            ? a.EndsWith(b, StringComparison.Ordinal) && a[a.Length - b.Length - 1] == '/'
            : b.EndsWith(a, StringComparison.Ordinal) && b[b.Length - a.Length - 1] == '/';
    }

    private static string ShortPath(string path) => path.Length <= 60 ? path : "\u2026" + path[^59..];

    private string? FirstLine(Step step) => step.ToolCalls.Count > 0 ? FirstLine(step.ToolCalls[0].Command) : null;

    private string? FirstLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var span = text.AsSpan().TrimStart();
        var nl = span.IndexOf('\n');
        var line = (nl < 0 ? span : span[..nl]).TrimEnd().ToString();
        return line.Length <= _options.EvidenceChars ? line : string.Concat(line.AsSpan(0, _options.EvidenceChars - 1), "\u2026");
    }
}
