using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// Finds where a run first went wrong without an LLM: from the step signals and the outcome evidence it picks the
/// terminal failure, walks back to the earliest state-changing step whose effect persisted to the end, and labels
/// the error chain, the incorrect and unuseful steps per stage and the error kind. Deterministic and fast (one pass
/// over signals and commands; observations are never scanned), so the run page computes it on opening a failed run
/// that has no stored diagnosis, and the LLM's first message carries its candidates.
/// </summary>
public sealed partial class HeuristicLocalizer
{
    /// <summary>The <see cref="RunDiagnosis.Method"/> of heuristic diagnoses.</summary>
    public const string MethodName = "heuristic";

    /// <summary>Bumped whenever the rules change in a way that changes results.</summary>
    public const string RulesVersion = "heuristic-3";

    private const int WhyChars = 240;
    private readonly DiagnosisOptions _options;
    private readonly TimeProvider _time;

    public HeuristicLocalizer(IOptions<DiagnosisOptions> options, TimeProvider? time = null)
    {
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Diagnoses a run whose steps are loaded. Never throws for odd runs (no steps, no stages, no signals).</summary>
    public RunDiagnosis Diagnose(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var analysis = new Analysis(run);
        var diagnosis = new RunDiagnosis
        {
            RunId = run.Id,
            Method = MethodName,
            PromptVersion = RulesVersion,
            RunStepCount = run.StepCount,
            CreatedAtUtc = _time.GetUtcNow().UtcDateTime,
        };

        if (analysis.Steps.Count == 0)
        {
            diagnosis.Summary = run.Outcome.Status == OutcomeStatus.Unresolved
                ? $"Unresolved{OutcomeSuffix(run)}, but the run has no agent steps to place a failure onset in: it ended before the agent's first turn."
                : "The run has no agent steps; nothing to diagnose.";
            if (run.Outcome.Status == OutcomeStatus.Unresolved) diagnosis.ErrorKind = ErrorKinds.Environment;
            return diagnosis;
        }

        var failure = FindTerminalFailure(analysis);
        switch (run.Outcome.Status)
        {
            case OutcomeStatus.Unresolved:
                failure ??= new TerminalFailure(analysis.Steps[^1].Id, $"the run ended unresolved{OutcomeSuffix(run)}", null, IsAbnormalExit: false);
                DiagnoseFailure(analysis, failure, diagnosis, outcomeKnown: true);
                break;
            case OutcomeStatus.Unknown when failure is not null:
                DiagnoseFailure(analysis, failure, diagnosis, outcomeKnown: false);
                break;
            default:
                DiagnoseSuccessOrUnknown(analysis, diagnosis);
                break;
        }
        return diagnosis;
    }

    // ---------------------------------------------------------------- failed runs

    private void DiagnoseFailure(Analysis a, TerminalFailure failure, RunDiagnosis d, bool outcomeKnown)
    {
        var terminal = failure.Step;
        var (onset, onsetReason) = FindOnset(a, failure);
        if (onset.IsFileEdit && onset.EditsOnlyGeneratedCopies)
        {
            onsetReason += "; the file is a build output or installed copy, not the source the tests load";
        }
        var chain = BuildChain(a, onset, onsetReason, failure);
        d.OnsetStep = onset.Id;
        d.OnsetStage = a.StageOf(onset.Id)?.Id;
        d.ErrorChain = chain;

        var incorrect = IncorrectSteps(a, onset, terminal, chain);
        var unuseful = UnusefulSteps(a, incorrect);
        d.ErrorKind = ClassifyErrorKind(a, onset, failure, chain);
        d.StageLabels = StageLabels(a, incorrect, unuseful, onset.Id, chain);
        d.RootCauseChain = chain.AsEnumerable().Reverse().Select(l => $"Step {l.Step} ({l.Role}): {l.Why}").ToList();
        d.DecisionPoints = DecisionPoints(a, onset, failure, d.ErrorKind, unuseful);
        d.CorrectStrategy = CorrectStrategy(d.ErrorKind, onset, failure);

        var summary = new StringBuilder();
        if (!outcomeKnown) summary.Append("Outcome unknown; diagnosed from the run's error signals. ");
        else summary.Append(CultureInfo.InvariantCulture, $"Unresolved{OutcomeSuffix(a.Run)}. ");
        summary.Append(CultureInfo.InvariantCulture, $"Failure onset at step {onset.Id}");
        if (d.OnsetStage is { } stageId && a.StageOf(onset.Id) is { } stage && !string.IsNullOrWhiteSpace(stage.Title))
        {
            summary.Append(CultureInfo.InvariantCulture, $" (stage {stageId}, \"{DiagnosisText.Cut(stage.Title, 60)}\")");
        }
        summary.Append(CultureInfo.InvariantCulture, $": {onsetReason}");
        if (terminal != onset.Id) summary.Append(CultureInfo.InvariantCulture, $"; the failure shows at step {terminal}: {failure.Why}");
        summary.Append(CultureInfo.InvariantCulture, $". Error kind: {d.ErrorKind}.");
        d.Summary = summary.ToString();
    }

    private sealed record TerminalFailure(int Step, string Why, Signal? Signal, bool IsAbnormalExit);

    /// <summary>
    /// Where the failure shows: the strongest failure signal after the final state was set up (tests failing beats
    /// an error trace beats a bare non-zero exit), or the last step when the harness stopped the run abnormally or
    /// only the verdict says it failed. Null when nothing in the run itself shows a failure.
    /// </summary>
    private static TerminalFailure? FindTerminalFailure(Analysis a)
    {
        // Submitting (git add, writing the patch) is the end of the run, not the change that set up its final state.
        var lastChange = a.Steps.LastOrDefault(s => a.Persists(s) && !s.IsRunOnly && s.Step.Kind != StepKind.Submit)?.Id ?? 0;
        // Once the run changed real files, an error only shows the failure when it is about them (or is a failing
        // test): a missing test runner or an unrelated script's traceback is not why the run failed.
        var changedKeys = a.Steps.Where(s => a.IsRealEdit(s) && a.Persists(s)).SelectMany(s => s.EditedFiles)
            .Select(DiagnosisText.FileKey).Where(k => k.Length > 1).ToHashSet(StringComparer.Ordinal);
        TerminalFailure? best = null;
        var bestRank = int.MaxValue;
        foreach (var step in a.Steps)
        {
            // The edit that set up the final state can itself carry the error (a rejected or broken edit), so >=.
            if (step.Id < lastChange) continue;
            foreach (var signal in step.Signals)
            {
                if (signal.Kind != SignalKind.TestsFailed && changedKeys.Count > 0 && !MentionsAny(step, signal, changedKeys)) continue;
                var rank = signal.Kind switch
                {
                    SignalKind.TestsFailed => 0,
                    SignalKind.Timeout or SignalKind.ErrorText or SignalKind.FormatError => 1,
                    // A non-zero exit whose output names an error ("exit code 1: traceback") says as much as error text;
                    // a bare exit code says less. Reads and searches that find nothing are not failures of the run.
                    SignalKind.ErrorExit when step.IsTestOrRun || step.IsInstall => signal.Message.Contains(':', StringComparison.Ordinal) ? 1 : 2,
                    _ => int.MaxValue,
                };
                if (rank == int.MaxValue) continue;
                if (rank < bestRank || (rank == bestRank && step.Id >= best!.Step))
                {
                    best = new TerminalFailure(step.Id, SignalWhy(signal), signal, IsAbnormalExit: false);
                    bestRank = rank;
                }
            }
        }

        var abnormal = AbnormalExit(a.Run);
        if (abnormal is not null)
        {
            // The harness stopped the run: it ends at the last step, whatever failed on the way there.
            var last = a.Steps[^1];
            var why = $"the run was stopped: {abnormal}";
            if (best is not null && best.Step == last.Id) why += $"; {best.Why}";
            return new TerminalFailure(last.Id, why, best?.Step == last.Id ? best.Signal : null, IsAbnormalExit: true);
        }
        return best;
    }

    /// <summary>
    /// Walks back from the terminal failure to the earliest state-changing step whose effect persisted to the end:
    /// an install when the failure is a dependency error, else an edit of a file the failure names, else any real edit
    /// (scratch files such as reproduction scripts aside), else an install or git change that worked. With no such
    /// change the run failed by what it did rather than what it left behind: the first error it never got past, else
    /// the start of the run of signals that ends in the failure, else the earliest scratch change, else the terminal step.
    /// </summary>
    private static (StepFacts Step, string Reason) FindOnset(Analysis a, TerminalFailure failure)
    {
        var terminal = failure.Step;
        // A regression: tests passed at some point and fail at the end; the cause lies after the last pass.
        var floor = 0;
        if (failure.Signal?.Kind == SignalKind.TestsFailed)
        {
            floor = a.Steps.LastOrDefault(s => s.Id < terminal && s.HasPassingTests && !s.HasFailingTests)?.Id ?? 0;
        }

        var window = a.Steps.Where(s => s.Id > floor && s.Id <= terminal).ToList();
        var persisted = window.Where(a.Persists).ToList();
        var failureKeys = a.FailureFileKeys(failure);
        var realEdits = persisted.Where(s => a.IsRealEdit(s)).ToList();

        if (IsDependencyText(a.FailureText(failure)) && persisted.FirstOrDefault(s => s.IsInstall) is { } install)
        {
            return (install, $"{install.Describe()}, and the failure is a dependency error ({Excerpt(failure.Why)})");
        }
        // An edit that left its file unparseable, with nothing changing the file again: whatever else happened, the
        // code the tests load does not even parse.
        if (persisted.FirstOrDefault(s => a.BrokenLeftInPlace.Contains(s.Id)) is { } broken)
        {
            return (broken, $"{broken.Describe()}: {SignalWhy(broken.BrokenEdit!)}; no later step changed the file again, so it stayed broken");
        }
        if (failureKeys.Count > 0 && realEdits.FirstOrDefault(s => s.EditedFiles.Any(f => failureKeys.Contains(DiagnosisText.FileKey(f)))) is { } related)
        {
            return (related, $"{related.Describe()}, a change to a file the failure names; it persisted to the end");
        }
        if (a.TaskFileKeys.Count > 0 && realEdits.FirstOrDefault(s => s.EditedFiles.Any(f => a.TaskFileKeys.Contains(DiagnosisText.FileKey(f)))) is { } named)
        {
            return (named, $"{named.Describe()}, a change to a file the task names; it persisted to the end");
        }
        // Changing a file that was there before the run is a decision about the code; a file the run created is as
        // often a helper script as a deliverable, so it comes second.
        if (realEdits.FirstOrDefault(s => a.ModifiesExisting.Contains(s.Id)) is { } edit)
        {
            return (edit, $"{edit.Describe()}, the earliest change to existing code that persisted to the end (never reverted or overwritten)");
        }
        if (realEdits.Count > 0)
        {
            var first = realEdits[0];
            return (first, $"{first.Describe()}, the earliest change that persisted to the end (never reverted or overwritten)");
        }
        if (persisted.FirstOrDefault(s => !s.IsRunOnly && !s.IsFileEdit) is { } change)
        {
            return (change, $"{change.Describe()}, the earliest state change that persisted to the end");
        }

        // No real change persisted: the run failed by what it did (or kept doing), not by what it left behind.
        if (FirstUnresolvedError(window) is { } error)
        {
            return (error, $"{error.Describe()}: {SignalWhy(error.StrongFailure!)}, the first error the run never got past (no change persisted)");
        }

        var start = terminal;
        var gap = 0;
        for (var id = terminal - 1; id > floor && gap <= 2; id--)
        {
            var step = a.Get(id);
            if (step is not null && step.Signals.Any(s => s.Kind is not SignalKind.TestsPassed and not SignalKind.HugeObservation))
            {
                start = id;
                gap = 0;
            }
            else
            {
                gap++;
            }
        }
        var onset = a.Get(start)!;
        var signal = onset.Signals.FirstOrDefault(s => s.Kind is not SignalKind.TestsPassed);
        if (signal is not null && start != terminal)
        {
            return (onset, $"{onset.Describe()}: {SignalWhy(signal)}, the first signal of the run of signals that ends in the failure (no change persisted)");
        }
        if (persisted.FirstOrDefault() is { } scratch)
        {
            return (scratch, $"{scratch.Describe()}, the only kind of change the run made (nothing else persisted)");
        }
        return (onset, $"{onset.Describe()}, where the failure shows (no state change persisted before it)");
    }

    /// <summary>
    /// The first step whose failure the run never got past: a later step running the same command without failing
    /// means the agent fixed what stood in the way, so the search moves on to the next failure.
    /// </summary>
    private static StepFacts? FirstUnresolvedError(List<StepFacts> window)
    {
        foreach (var step in window)
        {
            if (!step.HasStrongFailure) continue;
            var key = DiagnosisText.OneLine(step.Command, 200);
            var gotPast = key.Length > 0 && window.Any(later => later.Id > step.Id && !later.HasStrongFailure
                && string.Equals(DiagnosisText.OneLine(later.Command, 200), key, StringComparison.Ordinal));
            if (!gotPast) return step;
        }
        return null;
    }

    private List<ErrorChainLink> BuildChain(Analysis a, StepFacts onset, string onsetReason, TerminalFailure failure)
    {
        var chain = new List<ErrorChainLink> { new() { Step = onset.Id, Role = ChainRoles.Onset, Why = DiagnosisText.Cut(onsetReason, WhyChars) } };
        if (failure.Step == onset.Id)
        {
            // One step is both: keep the onset link and say how it ends.
            chain[0].Why = DiagnosisText.Cut($"{onsetReason}; {failure.Why}", WhyChars);
            return chain;
        }

        var onsetKeys = (onset.IsFileEdit ? onset.EditedFiles : onset.Files).Select(DiagnosisText.FileKey).ToHashSet(StringComparer.Ordinal);
        var relatedKeys = onsetKeys.Concat(a.FailureFileKeys(failure)).Where(k => k.Length > 1).ToHashSet(StringComparer.Ordinal);
        // After a change, only errors that are about it carry the failure along (failing tests, or errors naming its
        // files); a side error (a missing test runner) is not a link. Without a change every error on the way counts.
        var filterByFiles = onset.IsFileEdit && relatedKeys.Count > 0;
        var candidates = new List<(int Rank, StepFacts Step, string Why)>();
        foreach (var step in a.Steps)
        {
            if (step.Id <= onset.Id || step.Id >= failure.Step) continue;
            if (step.IsFileEdit && a.Persists(step) && step.EditedFiles.Any(f => onsetKeys.Contains(DiagnosisText.FileKey(f))))
            {
                // A step that only ran something (javac) changed nothing to build on: say which file they share.
                candidates.Add((1, step, onset.IsStateChange && !onset.IsRunOnly
                    ? $"{step.Describe()}, building on step {onset.Id}'s change (persisted)"
                    : $"{step.Describe()}, the file step {onset.Id} worked on (persisted)"));
                continue;
            }
            var signal = step.Signals.FirstOrDefault(s => s.Kind == SignalKind.TestsFailed)
                ?? step.Signals.FirstOrDefault(s => s.Kind is SignalKind.ErrorText or SignalKind.Timeout or SignalKind.FormatError)
                ?? (step.IsTestOrRun || step.IsInstall ? step.Signals.FirstOrDefault(s => s.Kind == SignalKind.ErrorExit) : null);
            if (signal is null) continue;
            if (filterByFiles && signal.Kind != SignalKind.TestsFailed && !MentionsAny(step, signal, relatedKeys)) continue;
            var rank = signal.Kind switch { SignalKind.TestsFailed => 0, SignalKind.ErrorExit => 3, _ => 2 };
            candidates.Add((rank, step, $"{step.Describe()}: {SignalWhy(signal)}"));
        }

        var room = Math.Max(0, _options.MaxChainLinks - 2);
        foreach (var (_, step, why) in candidates.OrderBy(c => c.Rank).ThenBy(c => c.Step.Id).Take(room).OrderBy(c => c.Step.Id))
        {
            chain.Add(new ErrorChainLink { Step = step.Id, Role = ChainRoles.Propagation, Why = DiagnosisText.Cut(why, WhyChars) });
        }
        var terminalStep = a.Get(failure.Step)!;
        chain.Add(new ErrorChainLink
        {
            Step = failure.Step,
            Role = ChainRoles.Terminal,
            Why = DiagnosisText.Cut($"{terminalStep.Describe()}: {failure.Why}", WhyChars),
        });
        return chain;
    }

    private static bool MentionsAny(StepFacts step, Signal signal, HashSet<string> keys) =>
        step.Files.Any(f => keys.Contains(DiagnosisText.FileKey(f)))
        || DiagnosisText.FilePaths(signal.EvidenceLine + "\n" + signal.Message + "\n" + DiagnosisText.FirstLine(step.Command, 400))
            .Any(f => keys.Contains(DiagnosisText.FileKey(f)));

    /// <summary>
    /// Wrong state-changing actions: the onset, the persisting changes that build on it or touch the files the failure
    /// names, changes that were themselves rejected with an error, and attempts the agent later reverted.
    /// </summary>
    private static SortedSet<int> IncorrectSteps(Analysis a, StepFacts onset, int terminal, List<ErrorChainLink> chain)
    {
        var incorrect = new SortedSet<int> { onset.Id };
        var onsetKeys = (onset.IsFileEdit ? onset.EditedFiles : onset.Files).Select(DiagnosisText.FileKey).ToHashSet(StringComparer.Ordinal);
        foreach (var link in chain.Where(l => l.Role == ChainRoles.Propagation))
        {
            if (a.Get(link.Step) is { IsFileEdit: true }) incorrect.Add(link.Step);
        }
        foreach (var step in a.Steps)
        {
            if (!step.IsStateChange || step.IsRunOnly) continue;
            if (step.Id > onset.Id && step.Id <= terminal && a.IsRealEdit(step) && a.Persists(step)
                && step.EditedFiles.Any(f => onsetKeys.Contains(DiagnosisText.FileKey(f)) && !DiagnosisText.IsScratchFile(f)))
            {
                incorrect.Add(step.Id);
            }
            if (step.Id >= onset.Id && step.Id <= terminal && step.Signals.Any(s => s.Kind is SignalKind.ErrorText or SignalKind.FormatError))
            {
                incorrect.Add(step.Id);
            }
            if (a.Reverted.Contains(step.Id) && a.IsRealEdit(step) && step.Id <= terminal)
            {
                incorrect.Add(step.Id);
            }
            // An edit that broke its file was wrong whether or not a later step repaired it.
            if (step.Id <= terminal && step.BrokenEdit is not null)
            {
                incorrect.Add(step.Id);
            }
        }
        return incorrect;
    }

    /// <summary>Redundant or fruitless exploration: repeats of earlier actions, loops, reads and searches that found nothing.</summary>
    private static SortedSet<int> UnusefulSteps(Analysis a, SortedSet<int> incorrect)
    {
        var unuseful = new SortedSet<int>();
        foreach (var step in a.Steps)
        {
            if (incorrect.Contains(step.Id) || step.Step.IsMarker) continue;
            var repeated = step.Signals.Any(s => s.Kind == SignalKind.RepeatedAction) || a.NearRepeats.Contains(step.Id);
            if (repeated && (!step.IsStateChange || step.IsRunOnly || step.IsFileEdit))
            {
                unuseful.Add(step.Id);
                continue;
            }
            if (!step.IsStateChange && step.IsReadOrSearch && !step.IsTestOrRun && step.Signals.Any(s => s.Kind is SignalKind.ErrorText or SignalKind.ErrorExit))
            {
                unuseful.Add(step.Id);
            }
        }
        return unuseful;
    }

    // ---------------------------------------------------------------- resolved or unknown runs

    private void DiagnoseSuccessOrUnknown(Analysis a, RunDiagnosis d)
    {
        var resolved = a.Run.Outcome.Status == OutcomeStatus.Resolved;
        var prefix = resolved ? $"Resolved{OutcomeSuffix(a.Run)}." : "Outcome unknown and no failure shows at the end of the run.";
        var recovered = FindRecoveredError(a);
        var unusefulOnly = UnusefulSteps(a, []);
        if (recovered is null)
        {
            d.StageLabels = StageLabels(a, [], unusefulOnly, null, []);
            d.Summary = unusefulOnly.Count == 0
                ? $"{prefix} No failure found: no error signal marks a step as going wrong."
                : $"{prefix} No failure found; {unusefulOnly.Count} step(s) repeat earlier actions or find nothing (unuseful).";
            return;
        }

        var (onset, onsetWhy, surfaced, surfacedWhy, recovery, recoveryWhy) = recovered.Value;
        d.Recovered = true;
        d.OnsetStep = onset.Id;
        d.OnsetStage = a.StageOf(onset.Id)?.Id;
        d.ErrorChain.Add(new ErrorChainLink { Step = onset.Id, Role = ChainRoles.Onset, Why = DiagnosisText.Cut(onsetWhy, WhyChars) });
        if (surfaced != onset.Id)
        {
            d.ErrorChain.Add(new ErrorChainLink { Step = surfaced, Role = ChainRoles.Terminal, Why = DiagnosisText.Cut(surfacedWhy, WhyChars) });
        }
        if (recovery is { } fixedAt && fixedAt != surfaced && fixedAt != onset.Id)
        {
            d.ErrorChain.Add(new ErrorChainLink { Step = fixedAt, Role = ChainRoles.Recovery, Why = DiagnosisText.Cut(recoveryWhy, WhyChars) });
        }

        var incorrect = new SortedSet<int> { onset.Id };
        foreach (var step in a.Steps)
        {
            if (a.Reverted.Contains(step.Id) && a.IsRealEdit(step)) incorrect.Add(step.Id);
        }
        var unuseful = UnusefulSteps(a, incorrect);
        var failure = new TerminalFailure(surfaced, surfacedWhy, a.Get(surfaced)?.Signals.FirstOrDefault(), IsAbnormalExit: false);
        d.ErrorKind = ClassifyErrorKind(a, onset, failure, d.ErrorChain);
        d.StageLabels = StageLabels(a, incorrect, unuseful, onset.Id, d.ErrorChain);
        d.RootCauseChain = d.ErrorChain.AsEnumerable().Reverse().Select(l => $"Step {l.Step} ({l.Role}): {l.Why}").ToList();
        d.DecisionPoints =
        [
            new DecisionPoint { StepId = onset.Id, Decision = DiagnosisText.Cut(onset.Describe(), 200), ShouldHave = ShouldHave(d.ErrorKind, onset) },
        ];
        d.CorrectStrategy = "The run recovered; " + CorrectStrategy(d.ErrorKind, onset, failure);
        d.Summary = $"{prefix} A recovered error: step {onset.Id} {onsetWhy}"
            + (surfaced != onset.Id ? $"; it showed at step {surfaced}" : "")
            + (recovery is { } r ? $"; fixed by step {r}" : "")
            + $". Error kind: {d.ErrorKind}.";
    }

    /// <summary>
    /// An error the run got past: a change it later reverted, a check that failed after a real edit and was later
    /// passed, or a command that hung. Returns the earliest such error, or null.
    /// </summary>
    private static (StepFacts Onset, string OnsetWhy, int Surfaced, string SurfacedWhy, int? Recovery, string RecoveryWhy)? FindRecoveredError(Analysis a)
    {
        var found = new List<(StepFacts, string, int, string, int?, string)>();

        foreach (var step in a.Steps)
        {
            if (!a.Reverted.Contains(step.Id) || !a.IsRealEdit(step)) continue;
            var revertedBy = a.RevertedBy.GetValueOrDefault(step.Id);
            var failed = a.Steps.FirstOrDefault(s => s.Id > step.Id && (revertedBy == 0 || s.Id < revertedBy) && s.HasStrongFailure);
            found.Add((step, $"{step.Describe()}, a change the run later undid",
                failed?.Id ?? step.Id, failed is null ? "" : $"{failed.Describe()}: {SignalWhy(failed.StrongFailure!)}",
                revertedBy == 0 ? null : revertedBy, revertedBy == 0 ? "" : $"{a.Get(revertedBy)!.Describe()}, undoing step {step.Id}"));
            break;
        }

        // An edit that broke its file, repaired by a later edit of the same file (before the general rule below, which
        // would name the next passing check rather than the repair).
        foreach (var step in a.Steps)
        {
            if (step.BrokenEdit is not { } brokeIt || a.BrokenLeftInPlace.Contains(step.Id)) continue;
            var repair = a.NextEditOfSameFile(step);
            found.Add((step, $"{step.Describe()}: {SignalWhy(brokeIt)}",
                brokeIt.RelatedStep ?? step.Id, brokeIt.RelatedStep is { } shown && a.Get(shown) is { } where ? $"{where.Describe()}: {Excerpt(brokeIt.EvidenceLine ?? brokeIt.Message)}" : "",
                repair?.Id, repair is null ? "" : $"{repair.Describe()}, changing the file again"));
            break;
        }

        // A check that fails after a real edit, with no clean check in between, and passes later.
        var lastCleanCheck = 0;
        foreach (var step in a.Steps)
        {
            if (!step.IsTestOrRun) continue;
            if (!step.HasStrongFailure)
            {
                lastCleanCheck = step.Id;
                continue;
            }
            var edit = a.Steps.FirstOrDefault(s => s.Id > lastCleanCheck && s.Id < step.Id && a.IsRealEdit(s));
            if (edit is null) continue;
            // The same check failing before the edit (javac missing all along) was not caused by it.
            var command = DiagnosisText.OneLine(step.Command, 200);
            if (a.Steps.Any(s => s.Id < edit.Id && s.HasStrongFailure && DiagnosisText.OneLine(s.Command, 200) == command)) continue;
            var fix = a.Steps.FirstOrDefault(s => s.Id > step.Id && s.IsTestOrRun && s.HasPassingTests && !s.HasStrongFailure)
                ?? a.Steps.FirstOrDefault(s => s.Id > step.Id && s.IsTestOrRun && !s.HasStrongFailure && s.Signals.Count == 0);
            // Without a passing check afterwards nothing shows the run got past it.
            if (fix is null) continue;
            found.Add((edit, $"{edit.Describe()}, after which a check failed",
                step.Id, $"{step.Describe()}: {SignalWhy(step.StrongFailure!)}",
                fix.Id, $"{fix.Describe()}: the check passes again"));
            break;
        }

        if (a.Steps.FirstOrDefault(s => s.Signals.Any(x => x.Kind == SignalKind.Timeout)) is { } hung)
        {
            var next = a.Steps.FirstOrDefault(s => s.Id > hung.Id && !s.HasStrongFailure);
            found.Add((hung, $"{hung.Describe()}: {SignalWhy(hung.Signals.First(x => x.Kind == SignalKind.Timeout))}",
                hung.Id, "", next?.Id, next is null ? "" : $"{next.Describe()}: the run went on"));
        }

        return found.Count == 0 ? null : found.MinBy(f => f.Item1.Id);
    }

    // ---------------------------------------------------------------- labels and words

    private static List<StageLabel> StageLabels(Analysis a, SortedSet<int> incorrect, SortedSet<int> unuseful, int? onset, List<ErrorChainLink> chain)
    {
        var labels = new List<StageLabel>();
        foreach (var stage in a.Stages)
        {
            var wrong = incorrect.Where(stage.Contains).ToList();
            var idle = unuseful.Where(stage.Contains).ToList();
            if (wrong.Count == 0 && idle.Count == 0) continue;

            var reasons = new List<string>();
            foreach (var id in wrong)
            {
                var link = chain.FirstOrDefault(l => l.Step == id);
                var step = a.Get(id)!;
                reasons.Add(id == onset
                    ? $"Step {id} is the failure onset: {link?.Why ?? step.Describe()}."
                    : link is not null
                        ? $"Step {id} ({link.Role}): {link.Why}."
                        : a.Reverted.Contains(id)
                            ? $"Step {id} {step.Describe()}, a wrong attempt the run later undid."
                            : $"Step {id} {step.Describe()}, part of the wrong change.");
            }
            if (idle.Count > 0)
            {
                var repeats = idle.Where(id => a.Get(id)!.Signals.Any(s => s.Kind == SignalKind.RepeatedAction)).ToList();
                var fruitless = idle.Except(repeats).ToList();
                if (repeats.Count > 0) reasons.Add($"{Ids(repeats)} repeat earlier actions without new evidence (unuseful).");
                if (fruitless.Count > 0) reasons.Add($"{Ids(fruitless)} read or search for things that are not there (unuseful).");
            }
            labels.Add(new StageLabel
            {
                StageId = stage.Id,
                IncorrectStepIds = wrong,
                UnusefulStepIds = idle,
                Reasoning = string.Join(' ', reasons),
            });
        }
        return labels;
    }

    private static string Ids(List<int> ids) => ids.Count == 1 ? $"Step {ids[0]}" : $"Steps {string.Join(", ", ids)}";

    private static string ClassifyErrorKind(Analysis a, StepFacts onset, TerminalFailure failure, List<ErrorChainLink> chain)
    {
        var repeated = a.Steps.Count(s => s.Signals.Any(x => x.Kind == SignalKind.RepeatedAction) || a.NearRepeats.Contains(s.Id));
        var tailStart = a.Steps[^1].Id - Math.Max(5, a.Steps.Count / 3);
        var tail = a.Steps.Where(s => s.Id > tailStart).ToList();
        var tailRepeated = tail.Count(s => s.Signals.Any(x => x.Kind == SignalKind.RepeatedAction) || a.NearRepeats.Contains(s.Id));
        if (repeated >= Math.Max(3, a.Steps.Count / 4) || (tail.Count >= 4 && tailRepeated * 2 >= tail.Count))
        {
            return ErrorKinds.Looping;
        }

        // The kind is read from what the failure says and from what the onset step itself showed, not from every error
        // on the way: a side error (a missing test runner) must not name the failure.
        // A harness limit (agent_timeout, exit_cost) says the run ran out of budget, not why: leave its words out.
        var text = new StringBuilder(failure.IsAbnormalExit ? "" : failure.Why);
        if (failure.Signal is { } terminalSignal) text.Append('\n').Append(terminalSignal.Message).Append('\n').Append(terminalSignal.EvidenceLine);
        foreach (var signal in onset.Signals) text.Append('\n').Append(signal.Message).Append('\n').Append(signal.EvidenceLine);
        foreach (var (test, result) in a.Run.Outcome.TestResults)
        {
            if (!result.Equals("passed", StringComparison.OrdinalIgnoreCase)) text.Append('\n').Append(test);
        }
        var evidence = text.ToString();
        if (IsDependencyText(evidence) || (onset.IsInstall && !onset.IsFileEdit)) return ErrorKinds.Dependency;
        if (IsEnvironmentText(evidence) || onset.Signals.Any(s => s.Kind is SignalKind.FormatError or SignalKind.Timeout))
        {
            return ErrorKinds.Environment;
        }

        // The agent's own checks after its last change passed (or it never checked), yet the verdict is a failure. A run
        // that kept failing its checks after its last change saw the problem: that is not a verification miss (a check
        // that could not run, such as a missing test runner, says nothing either way).
        var lastEdit = a.Steps.LastOrDefault(s => a.IsRealEdit(s) && a.Persists(s))?.Id ?? 0;
        var checksAfter = a.Steps.Where(s => s.Id > lastEdit && s.IsTestOrRun).ToList();
        if (lastEdit > 0 && failure.Signal is null && !failure.IsAbnormalExit && !checksAfter.Any(s => s.HasStrongFailure && !IsSideError(s.StrongFailure!)))
        {
            return ErrorKinds.Verification;
        }

        // Wrong place, plainly: the onset edited a build output or an installed copy (build/lib, site-packages,
        // node_modules), which the tests never import from the source tree.
        if (a.IsRealEdit(onset) && onset.EditsOnlyGeneratedCopies) return ErrorKinds.Localization;

        var failureKeys = a.FailureFileKeys(failure);
        var taskKeys = a.TaskFileKeys;
        // Wrong place: the failure (or else the task) names files, and neither the onset nor any change that lasted
        // touched one of them.
        var onsetKeys = onset.EditedFiles.Where(f => !DiagnosisText.IsScratchFile(f)).Select(DiagnosisText.FileKey).ToList();
        // Making a folder puts nothing in the wrong place: it says nothing about where the fix belonged.
        if (a.IsRealEdit(onset) && onsetKeys.Count > 0 && !MakeDirectoryRegex().IsMatch(onset.Command))
        {
            var named = failureKeys.Count > 0 ? failureKeys : taskKeys;
            var changed = a.Steps.Where(s => a.IsRealEdit(s) && a.Persists(s))
                .SelectMany(s => s.EditedFiles).Select(DiagnosisText.FileKey).Concat(onsetKeys).ToHashSet(StringComparer.Ordinal);
            if (named.Count > 0 && !changed.Overlaps(named)) return ErrorKinds.Localization;
        }
        return ErrorKinds.Hypothesis;
    }

    private static List<DecisionPoint> DecisionPoints(Analysis a, StepFacts onset, TerminalFailure failure, string kind, SortedSet<int> unuseful)
    {
        var points = new List<DecisionPoint>
        {
            new() { StepId = onset.Id, Decision = DiagnosisText.Cut(onset.Describe(), 200), ShouldHave = ShouldHave(kind, onset) },
        };
        var terminal = a.Get(failure.Step)!;
        var last = a.Steps[^1];
        if (failure.Signal?.Kind == SignalKind.TestsFailed && failure.Step != onset.Id)
        {
            var after = last.Id > terminal.Id ? $"; the run went on to step {last.Id} without fixing it" : "";
            points.Add(new DecisionPoint
            {
                StepId = terminal.Id,
                Decision = DiagnosisText.Cut($"saw {failure.Why}{after}", 200),
                ShouldHave = "read the failing test's output and fix (or revert) the change before moving on or submitting",
            });
        }
        else if (kind == ErrorKinds.Verification && last.Id != onset.Id)
        {
            points.Add(new DecisionPoint
            {
                StepId = last.Id,
                Decision = DiagnosisText.Cut($"finished ({last.Describe()}) without a check that could catch the failure", 200),
                ShouldHave = "run the project's own tests for the changed code (and the case from the task) before submitting",
            });
        }
        var firstRepeat = unuseful.FirstOrDefault(id => a.Get(id)!.Signals.Any(s => s.Kind == SignalKind.RepeatedAction));
        if (firstRepeat > 0 && points.All(p => p.StepId != firstRepeat))
        {
            var repeat = a.Get(firstRepeat)!;
            var related = repeat.Signals.First(s => s.Kind == SignalKind.RepeatedAction).RelatedStep;
            points.Add(new DecisionPoint
            {
                StepId = firstRepeat,
                Decision = DiagnosisText.Cut($"repeated {(related is { } r ? $"step {r}'s action" : "an earlier action")} ({repeat.Describe()})", 200),
                ShouldHave = "change approach once an action gave nothing new instead of repeating it",
            });
        }
        return points.OrderBy(p => p.StepId).ToList();
    }

    private static string ShouldHave(string? kind, StepFacts onset) => kind switch
    {
        ErrorKinds.Localization => "locate the code the failure comes from (reproduce it, follow the traceback or failing test) before editing",
        ErrorKinds.Dependency => "check which package versions the project needs and install exactly those, verifying the import afterwards",
        ErrorKinds.Environment => "check the environment first (tools present, permissions, time limits) and work around it instead of retrying",
        ErrorKinds.Verification => "verify the change with the project's tests and the task's own example before relying on it",
        ErrorKinds.Looping => "stop repeating the same action and try a different approach after the first fruitless repeat",
        _ => onset.IsFileEdit
            ? "test the hypothesis behind this change against the failing case before building on it, and revert it when it does not help"
            : "check the result of this step before building on it",
    };

    private static string CorrectStrategy(string? kind, StepFacts onset, TerminalFailure failure)
    {
        var files = onset.Files.Count > 0 ? string.Join(", ", onset.Files.Take(3)) : null;
        return kind switch
        {
            ErrorKinds.Localization => $"Reproduce the failure, follow it to the code that produces it and change that code{(files is null ? "" : $" rather than {files}")}; then run the relevant tests.",
            ErrorKinds.Dependency => "Pin down the required package versions from the project's metadata, install them, confirm the imports work, then continue with the task.",
            ErrorKinds.Environment => "Diagnose the environment problem first (missing tool, permissions, hanging command), work around it with time limits or alternatives, then do the task.",
            ErrorKinds.Verification => $"After changing {files ?? "the code"}, run the project's tests and the task's example, and compare against the expected behaviour before submitting.",
            ErrorKinds.Looping => "Notice when an action repeats without new information, step back, and change strategy (different tool, different hypothesis, smaller step).",
            _ => $"Form a hypothesis from the failing case, make the smallest change{(files is null ? "" : $" to {files}")} that tests it, run the failing test ({Excerpt(failure.Why)}), and revert when it does not help.",
        };
    }

    // ---------------------------------------------------------------- evidence helpers

    private static string SignalWhy(Signal signal)
    {
        var message = string.IsNullOrWhiteSpace(signal.Message) ? KindWords(signal.Kind) : DiagnosisText.OneLine(signal.Message, 120);
        // Test runners frame their summary in rules ("===== 2 failed, 7 passed in 0.08s ====="): quote the words only.
        var evidence = DiagnosisText.OneLine(signal.EvidenceLine, 400).Trim(' ', '=', '-', '_', '*', '#', '~');
        // The evidence often just repeats the message ("2 failed, 7 passed" quoting "2 failed, 7 passed in 0.08s").
        if (evidence.Length == 0 || evidence.StartsWith(message, StringComparison.OrdinalIgnoreCase)) return message;
        return $"{message} (\"{DiagnosisText.Cut(evidence, 120)}\")";
    }

    private static string KindWords(SignalKind kind) => kind switch
    {
        SignalKind.ErrorExit => "non-zero exit",
        SignalKind.ErrorText => "error in the output",
        SignalKind.TestsFailed => "tests failed",
        SignalKind.TestsPassed => "tests passed",
        SignalKind.RepeatedAction => "repeats an earlier action",
        SignalKind.EditReverted => "edit later reverted",
        SignalKind.Timeout => "ran until a timeout",
        SignalKind.HugeObservation => "huge output",
        SignalKind.FormatError => "response not parsed by the harness",
        _ => kind.ToString(),
    };

    private static string Excerpt(string text) => DiagnosisText.Cut(text, 100);

    private static string OutcomeSuffix(Run run)
    {
        var evidence = run.Outcome.Evidence.FirstOrDefault()?.Detail;
        var mode = string.IsNullOrWhiteSpace(run.Outcome.FailureMode) || IsBenignMode(run.Outcome.FailureMode) ? null : run.Outcome.FailureMode;
        var parts = new[] { evidence, mode is null ? null : "failure mode " + mode }.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        return parts.Count == 0 ? "" : $" ({DiagnosisText.OneLine(string.Join("; ", parts), 140)})";
    }

    /// <summary>Why the harness stopped the run, when it did not end normally; null for a normal end (submitted, finished).</summary>
    internal static string? AbnormalExit(Run run)
    {
        // Only modes that say the harness cut the run short; "empty patch" or "not evaluated" describe the verdict.
        if (!string.IsNullOrWhiteSpace(run.Outcome.FailureMode) && !IsBenignMode(run.Outcome.FailureMode) && AbnormalExitRegex().IsMatch(run.Outcome.FailureMode))
        {
            return $"failure mode {DiagnosisText.OneLine(run.Outcome.FailureMode, 80)}";
        }
        if (!string.IsNullOrWhiteSpace(run.ExitStatus) && AbnormalExitRegex().IsMatch(run.ExitStatus))
        {
            return $"exit status {DiagnosisText.OneLine(run.ExitStatus, 80)}";
        }
        return null;
    }

    private static bool IsBenignMode(string mode) =>
        mode.Trim().ToLowerInvariant() is "unset" or "none" or "null" or "" or "ok" or "success";

    private static bool IsDependencyText(string text) => DependencyRegex().IsMatch(text);

    /// <summary>
    /// Text that blames the environment. "X: command not found" counts only when X could be a program: a garbled command
    /// (",: command not found") is the agent's own malformed call, not a missing tool.
    /// </summary>
    private static bool IsEnvironmentText(string text)
    {
        // The signal's own words ("exit code 127: command not found") drop the name, so judge by the output line.
        var (plausible, implausible) = CommandNotFoundNames(text);
        if (implausible && !plausible) text = text.Replace("command not found", "", StringComparison.OrdinalIgnoreCase);
        return EnvironmentRegex().IsMatch(text);
    }

    /// <summary>
    /// Whether the text names a missing command that could be a program (<c>protoc: command not found</c>: letters,
    /// digits, <c>._/+-</c>, at least one letter) or one that could not (<c>,: command not found</c>). A plain scan
    /// back from each phrase, since the text is trajectory output of any shape.
    /// </summary>
    private static (bool Plausible, bool Implausible) CommandNotFoundNames(string text)
    {
        const string Phrase = ": command not found";
        bool plausible = false, implausible = false;
        for (var at = text.IndexOf(Phrase, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Phrase, at + Phrase.Length, StringComparison.Ordinal))
        {
            var start = at;
            while (start > 0 && at - start < 200 && !char.IsWhiteSpace(text[start - 1]) && text[start - 1] != ':') start--;
            var name = text.AsSpan(start, at - start);
            if (name.IsEmpty) continue;
            var programLike = true;
            var hasLetter = false;
            foreach (var c in name)
            {
                if (char.IsAsciiLetter(c)) hasLetter = true;
                else if (!(char.IsAsciiDigit(c) || c is '_' or '.' or '/' or '+' or '-')) programLike = false;
            }
            if (programLike && hasLetter) plausible = true;
            else if (!programLike) implausible = true;
        }
        return (plausible, implausible);
    }

    /// <summary>An error that stopped a check from running at all (missing runner, missing module, no network).</summary>
    private static bool IsSideError(Signal signal)
    {
        var text = signal.Message + "\n" + signal.EvidenceLine;
        return IsDependencyText(text) || IsEnvironmentText(text);
    }

    [GeneratedRegex(@"^\s*(?:sudo\s+)?mkdir\b[^;&|]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MakeDirectoryRegex();

    [GeneratedRegex(@"time ?out|timed out|time.?limit|exit_cost|cost.?limit|exit_context|context.?(length|window)|max(imum)?[ _-]?(iter|step|turn)|error|exception|exit_format|format|autosubmi|killed|crash|aborted", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AbnormalExitRegex();

    [GeneratedRegex(@"ModuleNotFoundError|No module named|ImportError|cannot import name|Could not find a version|No matching distribution|ResolutionImpossible|dependency conflict|version conflict|npm ERR|Cannot find module|unable to locate package|package .{1,60} (?:is )?not (?:found|installed)|could not resolve dependencies|requires? .{1,40} version|pip install|incompatible version", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DependencyRegex();

    [GeneratedRegex(@"command not found|not found in PATH|Permission denied|Operation not permitted|No space left|Connection refused|Could not resolve host|Temporary failure in name resolution|Network is unreachable|docker|\bKilled\b|Segmentation fault|core dumped|Read-only file system|time ?out|timed out|address already in use|cannot allocate memory|out of memory|InternalServerError|rate limit", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EnvironmentRegex();

    [GeneratedRegex(@"^\s*(?:cd\s+\S+\s*(?:&&|;)\s*)?git\s+(?:checkout\s+(?!-[bB]\b)(?:--\s+)?\S|restore\b|reset\s+--hard|stash\b(?!\s+(?:list|show|pop|apply|drop))|clean\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GitRevertRegex();

    [GeneratedRegex(@"^\s*(?:cd\s+\S+\s*(?:&&|;)\s*)?rm\s", RegexOptions.CultureInvariant)]
    private static partial Regex RemoveRegex();

    [GeneratedRegex("""'[^']*'|"[^"]*"|(?<=-p)\S+""", RegexOptions.CultureInvariant)]
    private static partial Regex ShapeQuotedRegex();

    [GeneratedRegex(@"\d+", RegexOptions.CultureInvariant)]
    private static partial Regex ShapeNumberRegex();

    [GeneratedRegex(@"^[\w.-]+__[\w.-]+-\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex RepositoryTaskIdRegex();

    [GeneratedRegex(@"\bcp\s+(?:-\w+\s+)*(?<base>\S+?)\.(?:orig|original|bak|backup|old|save)\s+(?<target>\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex RestoreBackupRegex();

    // ---------------------------------------------------------------- per-run facts

    /// <summary>What the heuristic needs to know about one step, computed once.</summary>
    private sealed class StepFacts
    {
        public StepFacts(Step step, bool synthesizeSignals)
        {
            Step = step;
            Id = step.Id;
            var kinds = step.ToolCalls.Select(c => c.Kind).Append(step.Kind).ToList();
            IsFileEdit = kinds.Any(k => k is StepKind.Edit or StepKind.Create);
            IsInstall = kinds.Any(k => k == StepKind.Install);
            IsTestOrRun = kinds.Any(k => k is StepKind.Test or StepKind.Run);
            IsReadOrSearch = kinds.Any(k => k is StepKind.Read or StepKind.Search);
            IsStateChange = step.Effect == StepEffect.Change || step.ToolCalls.Any(c => c.Effect == StepEffect.Change);
            // A changing step that only runs something (a script, a build) is a state change in CodeTracer's tree, but
            // rarely the wrong decision itself; real edits and installs are preferred as onsets.
            IsRunOnly = IsStateChange && !IsFileEdit && !IsInstall && !kinds.Any(k => k == StepKind.Git);
            Files = step.ToolCalls.SelectMany(c => c.FilesTouched).Where(f => !string.IsNullOrWhiteSpace(f)).Distinct(StringComparer.Ordinal).ToList();
            Command = step.ToolCalls.Select(c => c.ActionText()).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c)) ?? "";
            IsRemoval = IsFileEdit && RemoveRegex().IsMatch(Command);
            // Tree indexing lists a call's written files before the ones it reads (cp dest before src), so the first
            // file of an edit or create call is the one it changed.
            EditedFiles = step.ToolCalls
                .Where(c => c.Kind is StepKind.Edit or StepKind.Create && c.FilesTouched.Count > 0)
                .Select(c => c.FilesTouched[0])
                .Distinct(StringComparer.Ordinal)
                .ToList();
            if (EditedFiles.Count == 0 && IsFileEdit) EditedFiles = Files;
            WholeFileWrites = step.ToolCalls
                .Where(c => c.Kind == StepKind.Create && c.FilesTouched.Count > 0)
                .Select(c => c.FilesTouched[0])
                .ToList();
            // An editor tool that refused the edit (its own error, no exit code: "File has not been read yet", a bad
            // path) changed nothing. A shell command that edits and then fails (sed -i ... && pytest) did change the file.
            var editCalls = step.ToolCalls.Where(c => c.Kind is StepKind.Edit or StepKind.Create).ToList();
            IsRejectedEdit = editCalls.Count > 0 && editCalls.All(c => c.IsError && c.ExitCode is null);
            Signals = step.Signals.Count > 0 || !synthesizeSignals ? step.Signals : Synthesize(step);
            HasFailingTests = Signals.Any(s => s.Kind == SignalKind.TestsFailed);
            HasPassingTests = Signals.Any(s => s.Kind == SignalKind.TestsPassed);
            StrongFailure = Signals.FirstOrDefault(s => s.Kind == SignalKind.TestsFailed)
                ?? Signals.FirstOrDefault(s => s.Kind is SignalKind.ErrorText or SignalKind.Timeout or SignalKind.FormatError)
                ?? (IsTestOrRun || IsInstall ? Signals.FirstOrDefault(s => s.Kind == SignalKind.ErrorExit) : null);
        }

        public Step Step { get; }
        public int Id { get; }
        public bool IsFileEdit { get; }

        /// <summary>Every edit call of the step was refused by its editor tool, so nothing was written.</summary>
        public bool IsRejectedEdit { get; }

        /// <summary>The step's broken-edit signal: a later output reported a syntax or compile error in the file it changed.</summary>
        public Signal? BrokenEdit => Signals.FirstOrDefault(x => x.Kind == SignalKind.BrokenEdit);

        /// <summary>Every file the step edited is a build output or an installed copy, not source.</summary>
        public bool EditsOnlyGeneratedCopies => EditedFiles.Count > 0 && EditedFiles.All(DiagnosisText.IsGeneratedCopy);
        public bool IsInstall { get; }
        public bool IsTestOrRun { get; }
        public bool IsReadOrSearch { get; }
        public bool IsStateChange { get; }
        public bool IsRunOnly { get; }
        public List<string> Files { get; }

        /// <summary>The files an edit or create step wrote (not the ones it only read, like the source of a cp).</summary>
        public List<string> EditedFiles { get; }

        /// <summary>Files this step wrote whole (create, cp, cat &gt;): earlier edits of them no longer count.</summary>
        public List<string> WholeFileWrites { get; }

        /// <summary>An <c>rm</c>: tree indexing calls it an edit, but deleting files is cleanup, not a change to blame.</summary>
        public bool IsRemoval { get; }

        /// <summary>Writes a file that is not a scratch file by its name (reproduction scripts, backups, patches, archives).</summary>
        public bool IsEditOfNonScratchFile => IsFileEdit && !IsRemoval
            // An edit whose file could not be read off the command still edits something; a "create" without one is a
            // download or an unpacked archive (wget, tar), not code.
            && (EditedFiles.Count == 0 ? Step.Kind == StepKind.Edit : EditedFiles.Any(f => !DiagnosisText.IsScratchFile(f)));

        public bool IsCreateOnly => Step.ToolCalls.Where(c => c.Kind is StepKind.Edit or StepKind.Create).All(c => c.Kind == StepKind.Create);

        public string Command { get; }
        public List<Signal> Signals { get; }
        public bool HasFailingTests { get; }
        public bool HasPassingTests { get; }
        public Signal? StrongFailure { get; }
        public bool HasStrongFailure => StrongFailure is not null;

        /// <summary>"edits src/a.py", "runs `pytest -x`": what the step did, for a reason line.</summary>
        public string Describe()
        {
            var verb = Step.Kind switch
            {
                StepKind.Edit => "edits",
                StepKind.Create => "creates",
                StepKind.Install => "installs",
                StepKind.Test => "runs tests",
                StepKind.Run => "runs",
                StepKind.Read => "reads",
                StepKind.Search => "searches",
                StepKind.Git => "runs git",
                StepKind.Submit => "submits",
                StepKind.Think => "thinks",
                StepKind.Message => "writes a message",
                _ => IsFileEdit ? "edits" : "runs",
            };
            var candidates = IsFileEdit && EditedFiles.Count > 0 ? EditedFiles : Files;
            var shownFiles = candidates.Where(f => !DiagnosisText.IsScratchFile(f)).DefaultIfEmpty(candidates.FirstOrDefault()).Where(f => f is not null).Take(2).ToList();
            // Paths come from the trajectory: a degenerate one (whitespace, thousands of characters) stays one short line.
            if ((IsFileEdit || Step.Kind == StepKind.Read) && shownFiles.Count > 0) return $"{verb} {string.Join(", ", shownFiles.Select(f => DiagnosisText.OneLine(DiagnosisText.Squeeze(f), 80)))}";
            var command = DiagnosisText.OneLine(Command, 80);
            if (command.Length > 0) return $"{verb} `{command}`";
            var thought = DiagnosisText.FirstLine(Step.Thought, 80);
            return thought.Length > 0 ? $"{verb} (\"{thought}\")" : verb;
        }

        // Runs stored before tree indexing (or read by an indexer that failed) have no signals; the exit codes the
        // importers recorded are still evidence, so they stand in for the signals the indexer would have made.
        private static List<Signal> Synthesize(Step step)
        {
            var signals = new List<Signal>();
            for (var i = 0; i < step.ToolCalls.Count; i++)
            {
                var call = step.ToolCalls[i];
                if (call.ExitCode is { } code && code != 0)
                {
                    signals.Add(new Signal { Kind = SignalKind.ErrorExit, Message = $"exit code {code}", ToolCallIndex = i });
                }
                else if (call.IsError)
                {
                    signals.Add(new Signal { Kind = SignalKind.ErrorExit, Message = "the tool reported an error", ToolCallIndex = i });
                }
            }
            return signals;
        }
    }

    private sealed class Analysis
    {
        private readonly Dictionary<int, StepFacts> _byId;

        public Analysis(Run run)
        {
            Run = run;
            // Tree indexing fills kinds; when it has not run, synthesize signals from exit codes.
            var indexed = run.Steps.Any(s => s.Kind != StepKind.Unknown || s.Signals.Count > 0);
            Steps = run.Steps.Where(s => s.Id > 0).OrderBy(s => s.Id).Select(s => new StepFacts(s, !indexed)).ToList();
            _byId = Steps.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First());
            Stages = run.Stages.Count > 0
                ? run.Stages.OrderBy(s => s.FirstStep).ToList()
                : Steps.Count > 0 ? [new Stage { Id = 1, Kind = StageKind.Other, Title = "whole run", FirstStep = Steps[0].Id, LastStep = Steps[^1].Id }] : [];
            (Reverted, RevertedBy, Removed) = FindReverted();
            Superseded = FindSuperseded();
            IsRepositoryFix = RepositoryTaskIdRegex().IsMatch(run.Task.Id ?? "");
            ModifiesExisting = FindModifiesExisting();
            NearRepeats = FindNearRepeats();
            TaskFileKeys = DiagnosisText.FilePaths(DiagnosisText.HeadTail(DiagnosisText.TaskEssence(run.Task.Text), 8_000))
                .Select(DiagnosisText.FileKey).Where(k => k.Length > 1).ToHashSet(StringComparer.Ordinal);
            BrokenLeftInPlace = Steps.Where(s => s.BrokenEdit is not null && NextEditOfSameFile(s) is null)
                .Select(s => s.Id).ToHashSet();
        }

        /// <summary>Edits that broke their file (a syntax or compile error named it) and were the file's last change.</summary>
        public HashSet<int> BrokenLeftInPlace { get; }

        /// <summary>The next step that writes one of the files this step edited, or null.</summary>
        public StepFacts? NextEditOfSameFile(StepFacts step)
        {
            var files = step.EditedFiles.Select(DiagnosisText.FileIdentity).ToHashSet(StringComparer.Ordinal);
            return files.Count == 0 ? null
                : Steps.FirstOrDefault(s => s.Id > step.Id && s.IsFileEdit && !s.IsRejectedEdit && s.EditedFiles.Any(f => files.Contains(DiagnosisText.FileIdentity(f))));
        }

        public Run Run { get; }

        /// <summary>The task is a fix inside an existing repository (its id looks like <c>owner__repo-123</c>).</summary>
        public bool IsRepositoryFix { get; }
        public List<StepFacts> Steps { get; }
        public List<Stage> Stages { get; }
        /// <summary>Edits undone later (git checkout/restore/reset/stash, or flagged by tree indexing): wrong attempts.</summary>
        public HashSet<int> Reverted { get; }

        /// <summary>Files created and later deleted (a helper script cleaned up): gone, but not a mistake.</summary>
        public HashSet<int> Removed { get; }

        /// <summary>
        /// A change whose effect lasted: not undone, not deleted, and (for installs, git and commands) not failing
        /// itself, since a command that errored rarely changed what it meant to.
        /// </summary>
        public bool Persists(StepFacts step) =>
            step.IsStateChange && !Reverted.Contains(step.Id) && !Removed.Contains(step.Id) && !Superseded.Contains(step.Id)
            && !step.IsRejectedEdit && (step.IsFileEdit || !step.HasStrongFailure);

        /// <summary>Edits of a file that a later step wrote whole again (cp over it, recreated it): their effect is gone.</summary>
        public HashSet<int> Superseded { get; }
        public Dictionary<int, int> RevertedBy { get; }
        public HashSet<string> TaskFileKeys { get; }

        public StepFacts? Get(int id) => _byId.GetValueOrDefault(id);

        public Stage? StageOf(int stepId) => Stages.FirstOrDefault(s => s.Contains(stepId));

        /// <summary>The text the failure is described by: the terminal signal, the outcome evidence, failing test names.</summary>
        public string FailureText(TerminalFailure failure)
        {
            var builder = new StringBuilder(failure.Why);
            if (failure.Signal is { } signal) builder.Append('\n').Append(signal.Message).Append('\n').Append(signal.EvidenceLine);
            foreach (var evidence in Run.Outcome.Evidence) builder.Append('\n').Append(evidence.Detail);
            if (!string.IsNullOrWhiteSpace(Run.Outcome.FailureMode)) builder.Append('\n').Append(Run.Outcome.FailureMode);
            foreach (var (test, result) in Run.Outcome.TestResults)
            {
                if (!result.Equals("passed", StringComparison.OrdinalIgnoreCase)) builder.Append('\n').Append(test);
            }
            return builder.ToString();
        }

        /// <summary>Keys of the files the failure names (traceback frames, failing test files), when it names any.</summary>
        /// <summary>
        /// What the files the failure names are about (<c>tests/test_parser.py</c> is about <c>parser</c>). A grader's
        /// own file (<c>test_outputs.py</c>, <c>test_solution.py</c>) names no part of the work, so it says nothing.
        /// </summary>
        public HashSet<string> FailureFileKeys(TerminalFailure failure) =>
            DiagnosisText.FilePaths(FailureText(failure)).Select(DiagnosisText.FileKey).Where(k => k.Length > 1 && !s_graderKeys.Contains(k)).ToHashSet(StringComparer.Ordinal);

        private static readonly HashSet<string> s_graderKeys = new(StringComparer.Ordinal)
        {
            "outputs", "output", "solution", "solutions", "main", "all", "run", "runner", "grader", "grade", "verify", "verifier", "check", "checks",
            "result", "results", "reward", "ctrf", "stdout", "stderr",
        };

        /// <summary>
        /// Failing steps that try the same command again with other arguments (a password, a number, a quoted value):
        /// guessing in a loop. Tree indexing flags exact repeats; these differ only in the values tried.
        /// </summary>
        public HashSet<int> NearRepeats { get; }

        private const int NearRepeatMinimum = 4;

        private HashSet<int> FindNearRepeats()
        {
            var byShape = new Dictionary<string, List<int>>(StringComparer.Ordinal);
            foreach (var step in Steps)
            {
                if (step.Command.Length == 0 || !step.Signals.Any(s => s.Kind is SignalKind.ErrorExit or SignalKind.ErrorText or SignalKind.TestsFailed or SignalKind.Timeout)) continue;
                var shape = CommandShape(step.Command);
                if (!byShape.TryGetValue(shape, out var ids)) byShape[shape] = ids = [];
                ids.Add(step.Id);
            }
            // The first try is a decision; the ones after it are the loop.
            return byShape.Values.Where(ids => ids.Count >= NearRepeatMinimum).SelectMany(ids => ids.Skip(1)).ToHashSet();
        }

        private static string CommandShape(string command) =>
            ShapeNumberRegex().Replace(ShapeQuotedRegex().Replace(DiagnosisText.OneLine(command, 300), "Q"), "N");

        /// <summary>Edits of files that existed before the run: touched by an earlier step, and not created by the run itself.</summary>
        public HashSet<int> ModifiesExisting { get; }

        /// <summary>
        /// In a repository fix (a SWE-bench style task id), files the run created and then ran or compiled: reproduction
        /// scripts and ad-hoc tests, whatever their names. A terminal task's created files are its deliverables, so
        /// there nothing is a helper by this rule.
        /// </summary>
        public HashSet<string> HelperFiles { get; } = new(StringComparer.Ordinal);

        /// <summary>A change to code: a non-scratch file that is not one of the run's own helper scripts.</summary>
        public bool IsRealEdit(StepFacts step) =>
            step.IsEditOfNonScratchFile
            && (step.EditedFiles.Count == 0 || step.EditedFiles.Any(f => !DiagnosisText.IsScratchFile(f) && !HelperFiles.Contains(DiagnosisText.FileIdentity(f))));

        private HashSet<int> FindModifiesExisting()
        {
            var result = new HashSet<int>();
            var touched = new HashSet<string>(StringComparer.Ordinal);
            var createdByRun = new HashSet<string>(StringComparer.Ordinal);
            foreach (var step in Steps)
            {
                if (step.IsFileEdit && !step.IsRemoval)
                {
                    foreach (var file in step.EditedFiles.Select(DiagnosisText.FileIdentity))
                    {
                        var existed = touched.Contains(file) && !createdByRun.Contains(file);
                        // An edit (not a create) of a file nobody created in the run edits what was already there.
                        if (existed || (!step.IsCreateOnly && !createdByRun.Contains(file))) result.Add(step.Id);
                        if (step.IsCreateOnly && !touched.Contains(file)) createdByRun.Add(file);
                    }
                }
                if (IsRepositoryFix && step.IsTestOrRun)
                {
                    foreach (var file in step.Files.Select(DiagnosisText.FileIdentity).Where(createdByRun.Contains)) HelperFiles.Add(file);
                    foreach (var path in DiagnosisText.FilePaths(DiagnosisText.FirstLine(step.Command, 400)).Select(DiagnosisText.FileIdentity).Where(createdByRun.Contains))
                    {
                        HelperFiles.Add(path);
                    }
                }
                // A step that failed (command not found, no such file) proves nothing exists.
                if (!step.HasStrongFailure && !step.Signals.Any(s => s.Kind == SignalKind.ErrorExit))
                {
                    foreach (var file in step.Files) touched.Add(DiagnosisText.FileIdentity(file));
                }
            }
            return result;
        }

        private HashSet<int> FindSuperseded()
        {
            var superseded = new HashSet<int>();
            var lastWholeWrite = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var step in Steps)
            {
                foreach (var file in step.WholeFileWrites) lastWholeWrite[DiagnosisText.FileIdentity(file)] = step.Id;
            }
            foreach (var step in Steps)
            {
                if (!step.IsFileEdit || step.EditedFiles.Count == 0) continue;
                if (step.EditedFiles.All(f => lastWholeWrite.TryGetValue(DiagnosisText.FileIdentity(f), out var later) && later > step.Id))
                {
                    superseded.Add(step.Id);
                }
            }
            return superseded;
        }

        /// <summary>
        /// Changes whose effect did not last: flagged by tree indexing (<see cref="SignalKind.EditReverted"/>), undone by a
        /// later <c>git checkout/restore/reset --hard/stash</c> of the same files (or of everything), or files created
        /// and later removed with <c>rm</c>.
        /// </summary>
        private (HashSet<int>, Dictionary<int, int>, HashSet<int>) FindReverted()
        {
            var reverted = new HashSet<int>();
            var revertedBy = new Dictionary<int, int>();
            var removed = new HashSet<int>();
            foreach (var step in Steps)
            {
                foreach (var signal in step.Signals.Where(s => s.Kind == SignalKind.EditReverted))
                {
                    if (signal.RelatedStep is { } related && related < step.Id)
                    {
                        reverted.Add(related);
                        revertedBy.TryAdd(related, step.Id);
                    }
                    else
                    {
                        reverted.Add(step.Id);
                        if (signal.RelatedStep is { } later) revertedBy.TryAdd(step.Id, later);
                    }
                }
            }

            foreach (var step in Steps)
            {
                var command = step.Command;
                if (command.Length == 0) continue;
                // cp X.orig X: the agent put its backup back, undoing what it did to X since.
                if (RestoreBackupRegex().Match(command) is { Success: true } restore
                    && DiagnosisText.FileIdentity(restore.Groups["base"].Value) == DiagnosisText.FileIdentity(restore.Groups["target"].Value))
                {
                    var target = DiagnosisText.FileIdentity(restore.Groups["target"].Value);
                    foreach (var earlier in Steps.Where(e => e.Id < step.Id && e.IsFileEdit && e.EditedFiles.Any(f => DiagnosisText.FileIdentity(f) == target)))
                    {
                        if (reverted.Add(earlier.Id)) revertedBy[earlier.Id] = step.Id;
                    }
                    continue;
                }
                var isGitRevert = GitRevertRegex().IsMatch(command);
                var isRemove = !isGitRevert && RemoveRegex().IsMatch(command);
                if (!isGitRevert && !isRemove) continue;
                var files = step.Files.Select(DiagnosisText.FileKey).ToHashSet(StringComparer.Ordinal);
                var everything = isGitRevert && files.Count == 0
                    && (command.Contains("reset", StringComparison.Ordinal) || command.Contains("stash", StringComparison.Ordinal)
                        || command.Contains(" .", StringComparison.Ordinal));
                foreach (var earlier in Steps)
                {
                    if (earlier.Id >= step.Id) break;
                    if (!earlier.IsFileEdit || earlier.IsRemoval || earlier.Files.Count == 0) continue;
                    if (isRemove && earlier.Step.Kind != StepKind.Create && earlier.Step.ToolCalls.All(c => c.Kind != StepKind.Create)) continue;
                    // Checking a file out again undoes every earlier edit of it, however many there were.
                    var undone = everything || earlier.EditedFiles.All(f => files.Contains(DiagnosisText.FileKey(f)));
                    if (!undone) continue;
                    if (isRemove) removed.Add(earlier.Id);
                    else if (reverted.Add(earlier.Id)) revertedBy[earlier.Id] = step.Id;
                }
            }
            return (reverted, revertedBy, removed);
        }
    }
}
