using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>
/// Cuts a run into contiguous stages that each pursue one sub-goal (setup, explore, reproduce, edit, verify, submit)
/// and titles them from what their steps did ("Explore repository", "Edit models.py", "Run tests: 3 failed").
/// Deterministic: it reads step kinds, effects, the files the calls touched and the test results.
/// </summary>
/// <remarks>
/// <para>How: every step gets a phase (a test before the first real edit reproduces, after it verifies; a script the
/// agent wrote to reproduce the bug is part of reproducing, not editing; thinking joins the stage it plans for); runs
/// of one phase become stages; a short look at files in the middle of an edit or verify stretch stays in it; stretches
/// longer than <see cref="TreeOptions.MaxStageSteps"/> are split where the file in focus changes or after a test run;
/// and when a long run falls into many tiny stages (edit, run, edit, run, ...) neighbours are merged until stages
/// average <see cref="TreeOptions.MinAverageStageSteps"/> steps.</para>
/// <para>Stage ranges shipped with the run (CodeTracer <c>stage_ranges.json</c>) are used where they fit; ranges past
/// the last step are clipped, overlapping or empty ones dropped, each with a warning, and gaps are segmented.</para>
/// </remarks>
public sealed class StageSegmenter
{
    private readonly TreeOptions _options;

    public StageSegmenter(TreeOptions options)
    {
        _options = options;
    }

    /// <summary>Fills <see cref="Run.Stages"/> for a classified run whose signals are known.</summary>
    public void Segment(Run run) => Segment(run, new StepClassifier(_options).ClassifyWithFacts(run));

    internal void Segment(Run run, CallFacts[][] facts)
    {
        run.Stages = [];
        var n = run.Steps.Count;
        if (n == 0) return;

        var context = new Context(run, facts);
        var ranges = UsableShippedRanges(run, n);
        var stages = new List<Stage>();
        var next = 1;
        foreach (var shipped in ranges)
        {
            if (shipped.FirstStep > next) stages.AddRange(SegmentRange(context, next, shipped.FirstStep - 1));
            var stage = new Stage { FirstStep = shipped.FirstStep, LastStep = shipped.LastStep, FromSource = true };
            var phase = context.DominantPhase(stage.FirstStep, stage.LastStep);
            stage.Kind = phase;
            stage.Title = context.Title(stage.FirstStep, stage.LastStep, phase);
            stages.Add(stage);
            next = shipped.LastStep + 1;
        }
        if (next <= n) stages.AddRange(SegmentRange(context, next, n));

        for (var i = 0; i < stages.Count; i++) stages[i].Id = i + 1;
        NumberRepeatedTitles(stages);
        run.Stages = stages;
    }

    /// <summary>Neighbouring stages with the same title (a long stretch split in pieces) become "title (part 2)", ...</summary>
    private static void NumberRepeatedTitles(List<Stage> stages)
    {
        var i = 0;
        while (i < stages.Count)
        {
            var j = i + 1;
            while (j < stages.Count && stages[j].Title == stages[i].Title && stages[j].Kind == stages[i].Kind) j++;
            if (j - i > 1)
            {
                var title = stages[i].Title;
                for (var k = i; k < j; k++) stages[k].Title = $"{title} (part {k - i + 1})";
            }
            i = j;
        }
    }

    // ---------------- shipped ranges ----------------

    /// <summary>The shipped ranges that fit (sorted, clipped to 1..n, no overlap), with warnings for what was changed or dropped.</summary>
    private List<Stage> UsableShippedRanges(Run run, int n)
    {
        var shipped = run.ShippedStages;
        if (shipped.Count == 0) return [];

        var clipped = new List<string>();
        var dropped = new List<string>();
        var kept = new List<Stage>();

        if (shipped.Count == 1 && shipped[0].FirstStep <= 1 && shipped[0].LastStep >= n && n > _options.MaxStageSteps)
        {
            // CodeTracer writes one "full" range when it has no segmentation; it says nothing about sub-goals.
            run.Warnings.Add(new ImportWarning
            {
                Code = "stage-ranges-dropped",
                Message = $"the shipped stage ranges are a single range over all {n} steps, which carries no segmentation; stages were segmented instead",
            });
            return [];
        }

        foreach (var range in shipped.OrderBy(r => r.FirstStep).ThenBy(r => r.LastStep))
        {
            var label = $"stage {range.Id} (steps {range.FirstStep}\u2013{range.LastStep})";
            if (range.LastStep < range.FirstStep)
            {
                dropped.Add($"{label}: ends before it starts");
                continue;
            }
            if (range.FirstStep > n)
            {
                dropped.Add($"{label}: starts after the last step ({n})");
                continue;
            }
            if (range.LastStep < 1)
            {
                dropped.Add($"{label}: ends before step 1");
                continue;
            }
            var first = Math.Max(1, range.FirstStep);
            var last = Math.Min(n, range.LastStep);
            var previousLast = kept.Count > 0 ? kept[^1].LastStep : 0;
            if (first <= previousLast) first = previousLast + 1;
            if (first > last)
            {
                dropped.Add($"{label}: lies inside the stage before it");
                continue;
            }
            if (first != range.FirstStep || last != range.LastStep)
            {
                var why = range.LastStep > n ? $"the run has {n} steps" : range.FirstStep < 1 ? "steps start at 1" : "it overlapped the stage before it";
                clipped.Add($"{label} to {first}\u2013{last} ({why})");
            }
            kept.Add(new Stage { Id = range.Id, FirstStep = first, LastStep = last, FromSource = true });
        }

        if (clipped.Count > 0)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "stage-range-clipped",
                Message = $"{clipped.Count} shipped stage range(s) clipped: {Summarize(clipped)}",
            });
        }
        if (dropped.Count > 0)
        {
            var gaps = kept.Count == 0 ? "all stages were segmented instead" : "the steps they covered were segmented instead";
            run.Warnings.Add(new ImportWarning
            {
                Code = "stage-ranges-dropped",
                Message = $"{dropped.Count} shipped stage range(s) dropped: {Summarize(dropped)}; {gaps}",
            });
        }
        return kept;
    }

    private static string Summarize(List<string> items) =>
        items.Count <= 5 ? string.Join("; ", items) : string.Join("; ", items.Take(5)) + $"; and {items.Count - 5} more";

    // ---------------- segmentation ----------------

    private List<Stage> SegmentRange(Context context, int firstStep, int lastStep)
    {
        var count = lastStep - firstStep + 1;
        var phases = new StageKind[count];
        for (var i = 0; i < count; i++) phases[i] = context.Phase(firstStep + i);

        AttachThinking(phases);
        AbsorbSandwiches(phases, context, firstStep);

        // Runs of one phase.
        var segments = new List<Piece>();
        var start = 0;
        for (var i = 1; i <= count; i++)
        {
            if (i == count || phases[i] != phases[start])
            {
                segments.Add(new Piece(firstStep + start, firstStep + i - 1, phases[start]));
                start = i;
            }
        }

        segments = SplitLong(segments, context);
        segments = MergeTiny(segments, count);

        return segments.Select(s => new Stage
        {
            FirstStep = s.First,
            LastStep = s.Last,
            Kind = s.Kind,
            Title = context.Title(s.First, s.Last, s.Kind),
        }).ToList();
    }

    /// <summary>Thinking and talking steps belong to the stage they lead into (or, at the end, the one they close).</summary>
    private static void AttachThinking(StageKind[] phases)
    {
        var next = StageKind.Other;
        for (var i = phases.Length - 1; i >= 0; i--)
        {
            if (phases[i] == StageKind.Other) phases[i] = next;
            else next = phases[i];
        }
        var previous = StageKind.Other;
        for (var i = 0; i < phases.Length; i++)
        {
            if (phases[i] == StageKind.Other) phases[i] = previous;
            else previous = phases[i];
        }
    }

    /// <summary>A short look at files (one or two explore steps) inside an edit or verify stretch stays in that stretch.</summary>
    private static void AbsorbSandwiches(StageKind[] phases, Context context, int firstStep)
    {
        var i = 0;
        while (i < phases.Length)
        {
            if (phases[i] != StageKind.Explore)
            {
                i++;
                continue;
            }
            var j = i;
            while (j < phases.Length && phases[j] == StageKind.Explore) j++;
            var length = j - i;
            var before = i > 0 ? phases[i - 1] : StageKind.Other;
            var after = j < phases.Length ? phases[j] : StageKind.Other;
            if (length <= 2 && before == after && before is StageKind.Edit or StageKind.Verify or StageKind.Reproduce)
            {
                for (var k = i; k < j; k++) phases[k] = before;
            }
            else if (length <= 2 && before == StageKind.Edit && context.ReadsOnly(firstStep + i, firstStep + j - 1, firstStep + i - 1))
            {
                // Viewing the file just edited is checking the edit.
                for (var k = i; k < j; k++) phases[k] = StageKind.Edit;
            }
            else if (after == StageKind.Edit)
            {
                // Looking at the lines about to be changed (the last one or two reads before the edit) is part of changing them.
                for (var k = j - 1; k >= Math.Max(i, j - 2) && context.ReadsOnly(firstStep + k, firstStep + k, firstStep + j); k--)
                {
                    phases[k] = StageKind.Edit;
                }
            }
            i = j;
        }
    }

    private sealed record Piece(int First, int Last, StageKind Kind)
    {
        public int Length => Last - First + 1;
    }

    /// <summary>Splits stretches longer than the maximum, preferring cuts after a test run or where the file in focus changes.</summary>
    private List<Piece> SplitLong(List<Piece> segments, Context context)
    {
        var result = new List<Piece>();
        var target = _options.TargetStageSteps;
        var max = _options.MaxStageSteps;
        var min = Math.Max(2, target / 2);
        foreach (var segment in segments)
        {
            var first = segment.First;
            while (segment.Last - first + 1 > max)
            {
                var remaining = segment.Last - first + 1;
                var bestCut = -1;
                var bestScore = double.MaxValue;
                // A cut at b puts steps first..b-1 in one stage; leave at least `min` steps on both sides. Only cuts
                // with a reason count (after a test run, where the file in focus changes), the nearest the target wins.
                for (var b = first + min; b <= first + max && b <= segment.Last - min + 1; b++)
                {
                    var length = b - first;
                    double score;
                    if (context.IsTestStep(b - 1)) score = Math.Abs(length - target) - 3;
                    else if (context.FocusChanges(b - 1, b)) score = Math.Abs(length - target) - 2;
                    else continue;
                    if (score < bestScore)
                    {
                        bestScore = score;
                        bestCut = b;
                    }
                }
                // A stretch with no natural break (the same command, tried again and again) is cut into the longest
                // pieces allowed, evenly, rather than into many small ones that would all say the same.
                if (bestCut < 0)
                {
                    var pieces = (int)Math.Ceiling(remaining / (double)max);
                    bestCut = first + (int)Math.Ceiling(remaining / (double)pieces);
                }
                result.Add(segment with { First = first, Last = bestCut - 1 });
                first = bestCut;
            }
            result.Add(segment with { First = first });
        }
        return result;
    }

    /// <summary>
    /// While stages average fewer steps than the minimum, merges neighbouring one-step stages pairwise (preferring a
    /// compatible pair: an edit with the run that checks it, a look around with the reproduction it leads to), so an
    /// edit-run-edit-run loop becomes one stage per attempt. A one-step stage between longer ones is left alone: a
    /// single test run after an edit is a sub-goal a person would name. Submitting is never merged into other work.
    /// Finally neighbouring explore, setup, reproduce or submit stages that fit within the maximum length are joined.
    /// </summary>
    private List<Piece> MergeTiny(List<Piece> segments, int steps)
    {
        var minAverage = _options.MinAverageStageSteps;
        // Short runs keep their fine stages: a 5-step run may well have 4 sub-goals.
        if (steps < 2 * minAverage) return JoinSameKind(segments);
        var allowed = (int)Math.Ceiling(steps / (double)minAverage);
        var list = new List<Piece>(segments);
        while (list.Count > allowed)
        {
            var best = -1;
            var bestScore = int.MaxValue;
            for (var i = 0; i + 1 < list.Count; i++)
            {
                var a = list[i];
                var b = list[i + 1];
                if (a.Length > 1 || b.Length > 1) continue;
                if ((a.Kind == StageKind.Submit) != (b.Kind == StageKind.Submit)) continue;
                var score = a.Length + b.Length + (Compatible(a.Kind, b.Kind) ? 0 : 3);
                if (score < bestScore)
                {
                    bestScore = score;
                    best = i;
                }
            }
            if (best < 0) break;
            var left = list[best];
            var right = list[best + 1];
            var kind = MergedKind(left, right);
            list[best] = new Piece(left.First, right.Last, kind);
            list.RemoveAt(best + 1);
        }
        return JoinSameKind(list);
    }

    private List<Piece> JoinSameKind(List<Piece> list)
    {
        for (var i = 0; i + 1 < list.Count;)
        {
            // Looking around, setting up and reproducing read as one stretch; neighbouring edit or verify stages are
            // separate attempts (each edit with the run that checked it) and stay apart.
            if (list[i].Kind == list[i + 1].Kind && list[i].Kind is StageKind.Explore or StageKind.Setup or StageKind.Reproduce or StageKind.Submit
                && list[i].Length + list[i + 1].Length <= _options.MaxStageSteps)
            {
                list[i] = new Piece(list[i].First, list[i + 1].Last, list[i].Kind);
                list.RemoveAt(i + 1);
            }
            else
            {
                i++;
            }
        }
        return list;
    }

    private static bool Compatible(StageKind a, StageKind b) => (a, b) switch
    {
        (StageKind.Edit, StageKind.Verify) or (StageKind.Verify, StageKind.Edit) => true,
        (StageKind.Explore, StageKind.Reproduce) or (StageKind.Reproduce, StageKind.Explore) => true,
        (StageKind.Setup, StageKind.Explore) or (StageKind.Explore, StageKind.Setup) => true,
        (StageKind.Explore, StageKind.Edit) => true,
        (StageKind.Reproduce, StageKind.Edit) or (StageKind.Verify, StageKind.Explore) or (StageKind.Explore, StageKind.Verify) => true,
        _ => a == b,
    };

    private static StageKind MergedKind(Piece a, Piece b)
    {
        if (a.Kind == b.Kind) return a.Kind;
        if (a.Kind == StageKind.Submit || b.Kind == StageKind.Submit) return StageKind.Submit;
        if (a.Length != b.Length) return a.Length > b.Length ? a.Kind : b.Kind;
        return Rank(a.Kind) >= Rank(b.Kind) ? a.Kind : b.Kind;
    }

    private static int Rank(StageKind kind) => kind switch
    {
        StageKind.Edit => 6,
        StageKind.Verify => 5,
        StageKind.Reproduce => 4,
        StageKind.Setup => 3,
        StageKind.Explore => 2,
        StageKind.Submit => 1,
        _ => 0,
    };

    // ---------------- what each step did ----------------

    /// <summary>Per-run facts the phases and titles are read from.</summary>
    private sealed class Context
    {
        private readonly Run _run;
        private readonly CallFacts[][] _facts;
        private readonly HashSet<string> _scratch = new(StringComparer.Ordinal);
        private readonly HashSet<string> _helpers = new(StringComparer.Ordinal);
        private readonly int _firstRealEdit;
        private readonly bool _repositoryTask;

        public Context(Run run, CallFacts[][] facts)
        {
            _run = run;
            _facts = facts;
            _repositoryTask = run.Framework is Frameworks.SweAgent or Frameworks.MiniSweAgent or Frameworks.OpenHands;

            // Files the agent wrote and later ran, or named like a reproduction, are scratch scripts: writing them is
            // reproducing or verifying, not changing the code under repair.
            var executed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var calls in facts)
            {
                foreach (var call in calls)
                {
                    foreach (var e in call.Executes) executed.Add(ShellCommandClassifier.Base(e));
                }
            }
            var seenCode = new HashSet<string>(StringComparer.Ordinal);
            foreach (var calls in facts)
            {
                foreach (var call in calls)
                {
                    // Helper scripts that edit other files (apply_fix.py) are tools, not the change itself: a patch, or
                    // a script that writes a source file the run had already read or written, or one named like a fix.
                    foreach (var written in call.Contents)
                    {
                        var name = ShellCommandClassifier.Base(written.File);
                        var helper = written.IsDiff
                            || written.WritesFiles && (HasFixName(name) || written.Targets.Any(t => IsCodeFile(t) && seenCode.Contains(ShellCommandClassifier.Base(t))));
                        if (!helper) continue;
                        _scratch.Add(name);
                        _helpers.Add(name);
                    }
                    foreach (var f in call.Reads.Concat(call.Writes))
                    {
                        if (IsCodeFile(f)) seenCode.Add(ShellCommandClassifier.Base(f));
                    }
                    if (call.Kind is not (StepKind.Create or StepKind.Edit)) continue;
                    foreach (var w in call.Writes)
                    {
                        var name = ShellCommandClassifier.Base(w);
                        if (IsScratchName(w) || (executed.Contains(name) && IsScratchLocation(w) && LooksLikeTestOrScript(name))) _scratch.Add(name);
                    }
                }
            }

            _firstRealEdit = int.MaxValue;
            for (var s = 0; s < run.Steps.Count; s++)
            {
                if (IsRealEdit(s))
                {
                    _firstRealEdit = s;
                    break;
                }
            }
        }

        private static bool HasFixName(string name) =>
            name.StartsWith("fix", StringComparison.OrdinalIgnoreCase) || name.StartsWith("apply", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("patch", StringComparison.OrdinalIgnoreCase) || name.StartsWith("update_", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("modify", StringComparison.OrdinalIgnoreCase) || name.StartsWith("edit_", StringComparison.OrdinalIgnoreCase);

        private static bool IsCodeFile(string path) =>
            Path.GetExtension(path).ToLowerInvariant() is ".py" or ".js" or ".ts" or ".java" or ".c" or ".h" or ".cc" or ".cpp" or ".go" or ".rs" or ".rb" or ".php" or ".cs";

        private static bool IsScratchName(string path)
        {
            // A file straight in /tmp is a throw-away; a repository checked out under /tmp is not.
            if (path.StartsWith("/tmp/", StringComparison.Ordinal) && path.IndexOf('/', 5) < 0) return true;
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (extension is ".bak" or ".orig" or ".original" or ".backup" or ".old" or ".save" or ".swp" or ".rej" or ".patch" or ".diff" or ".tmp" or ".log" or ".new" or ".fixed") return true;
            // "models.py.simple_fix", "x.c.v2": a copy of a source file kept aside.
            var inner = Path.GetExtension(Path.GetFileNameWithoutExtension(path));
            if (inner.Length > 1 && inner is ".py" or ".js" or ".ts" or ".java" or ".c" or ".h" or ".cpp" or ".go" or ".rs" or ".rb") return true;
            var stem = Path.GetFileNameWithoutExtension(ShellCommandClassifier.Base(path)).ToLowerInvariant();
            return stem.Contains("repro", StringComparison.Ordinal) || stem.Contains("debug", StringComparison.Ordinal)
                || stem.StartsWith("check_", StringComparison.Ordinal) || stem.StartsWith("verify", StringComparison.Ordinal)
                || stem.StartsWith("validate", StringComparison.Ordinal) || stem.Contains("sanity", StringComparison.Ordinal)
                || stem.StartsWith("demo", StringComparison.Ordinal) || stem.Contains("scratch", StringComparison.Ordinal)
                || stem.StartsWith("try_", StringComparison.Ordinal) || stem.StartsWith("bug", StringComparison.Ordinal)
                || stem.Contains("issue", StringComparison.Ordinal) || stem.Contains("backup", StringComparison.Ordinal)
                || stem.EndsWith("_orig", StringComparison.Ordinal) || stem.EndsWith("_original", StringComparison.Ordinal) || stem.EndsWith("_old", StringComparison.Ordinal)
                || stem is "mre" or "minimal" or "tmp" or "temp";
        }

        private static bool IsScratchLocation(string path)
        {
            var dir = Path.GetDirectoryName(path.Replace('\\', '/'))?.Replace('\\', '/') ?? "";
            var parent = ShellCommandClassifier.Base(dir.TrimEnd('/'));
            return parent is not ("tests" or "test" or "testing" or "spec" or "__tests__" or "t");
        }

        private static bool LooksLikeTestOrScript(string name) =>
            ShellCommandClassifier.IsTestScriptName(name) || name.EndsWith(".py", StringComparison.Ordinal) && name.Contains("test", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("fix", StringComparison.OrdinalIgnoreCase) || name.StartsWith("apply", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("patch", StringComparison.OrdinalIgnoreCase) || name.StartsWith("update_", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("modify", StringComparison.OrdinalIgnoreCase) || name.StartsWith("edit_", StringComparison.OrdinalIgnoreCase);

        private bool IsScratch(string path) => _scratch.Contains(ShellCommandClassifier.Base(path)) || IsScratchName(path) && !IsDirectoryLike(path);

        /// <summary>A step that edits a file, or creates one that is not a scratch script (a directory, a download or an extraction is not an edit).</summary>
        private bool IsRealEdit(int s)
        {
            foreach (var call in _facts[s])
            {
                if (call.Effect != StepEffect.Change) continue;
                if (call.Kind == StepKind.Edit && (call.Writes.Count == 0 || call.Writes.Any(w => !IsScratch(w)))) return true;
                if (call.Kind == StepKind.Create && call.Writes.Any(w => !IsScratch(w) && !IsDirectoryLike(w))) return true;
                if (call.ScriptTargets.Any(w => !IsScratch(w))) return true;
            }
            return false;
        }

        private bool OnlyTouchesScratch(int s) =>
            _facts[s].Where(c => c.Effect == StepEffect.Change).All(c => c.Writes.Count > 0 && c.Writes.All(IsScratch));

        /// <summary>The phase of step <paramref name="stepId"/> (1-based).</summary>
        public StageKind Phase(int stepId)
        {
            var s = stepId - 1;
            var step = _run.Steps[s];
            var beforeEdit = s < _firstRealEdit;
            switch (step.Kind)
            {
                case StepKind.Submit:
                    return StageKind.Submit;
                case StepKind.Install:
                    return StageKind.Setup;
                case StepKind.Test:
                    return beforeEdit ? StageKind.Reproduce : StageKind.Verify;
                case StepKind.Run:
                    // Running a helper script that rewrites source files is editing them.
                    if (_facts[s].Any(f => f.ScriptTargets.Any(w => !IsScratch(w)))) return StageKind.Edit;
                    // Compiling or running a script the agent wrote to reproduce the bug is reproducing (or, later, verifying).
                    if (_facts[s].Any(f => f.Executes.Any(IsScratch) || f.Reads.Any(IsScratch))) return beforeEdit ? StageKind.Reproduce : StageKind.Verify;
                    if (step.Effect == StepEffect.Change && !_facts[s].Any(f => f.Executes.Count > 0)) return beforeEdit ? StageKind.Setup : StageKind.Verify;
                    if (!beforeEdit) return StageKind.Verify;
                    return _facts[s].Any(f => f.Executes.Count > 0) ? StageKind.Reproduce : StageKind.Explore;
                case StepKind.Edit or StepKind.Create:
                    // Writing a helper script that rewrites source files is the first half of an edit.
                    if (step.Effect == StepEffect.Change && _facts[s].Where(f => f.Effect == StepEffect.Change).All(f => f.Writes.Count > 0 && f.Writes.All(w => _helpers.Contains(ShellCommandClassifier.Base(w)))))
                    {
                        return StageKind.Edit;
                    }
                    if (step.Effect == StepEffect.Change && OnlyTouchesScratch(s))
                    {
                        if (IsCleanupBeforeSubmit(s)) return StageKind.Submit;
                        return beforeEdit ? StageKind.Reproduce : StageKind.Verify;
                    }
                    // Changing system configuration (/etc/apt/sources.list) sets up the machine, not the work.
                    if (step.Effect == StepEffect.Change && _facts[s].Where(f => f.Effect == StepEffect.Change).All(f => f.Writes.Count > 0 && f.Writes.All(ShellCommandClassifier.IsSystemPath)))
                    {
                        return StageKind.Setup;
                    }
                    // Downloads and extractions prepare the environment; so do new directories before any edit.
                    if (step.Effect == StepEffect.Change && !IsRealEdit(s))
                    {
                        var writesNothing = _facts[s].All(f => f.Writes.Count == 0);
                        if (writesNothing || beforeEdit) return StageKind.Setup;
                    }
                    return StageKind.Edit;
                case StepKind.Git:
                    if (step.Effect == StepEffect.Change) return beforeEdit ? StageKind.Setup : StageKind.Edit;
                    return beforeEdit ? StageKind.Explore : StageKind.Verify;
                case StepKind.Read or StepKind.Search or StepKind.Unknown:
                    return StageKind.Explore;
                default:
                    return StageKind.Other;
            }
        }

        private static bool IsDirectoryLike(string path) => !Path.HasExtension(path) && !path.Contains('.', StringComparison.Ordinal);

        /// <summary>Removing scratch scripts right before submitting is part of submitting.</summary>
        private bool IsCleanupBeforeSubmit(int s)
        {
            for (var k = s + 1; k < _run.Steps.Count; k++)
            {
                var kind = _run.Steps[k].Kind;
                if (kind == StepKind.Submit) return true;
                if (kind is StepKind.Think or StepKind.Message) continue;
                if (kind is StepKind.Edit or StepKind.Create or StepKind.Git && OnlyTouchesScratch(k)) continue;
                if (kind == StepKind.Git && _run.Steps[k].Effect == StepEffect.Explore) continue;
                return false;
            }
            return false;
        }

        public bool IsTestStep(int stepId) => _run.Steps[stepId - 1].Kind == StepKind.Test;

        /// <summary>True when the file a step works on differs from the one the step before worked on.</summary>
        public bool FocusChanges(int previousStepId, int stepId)
        {
            var a = Focus(previousStepId - 1);
            var b = Focus(stepId - 1);
            return a is not null && b is not null && !string.Equals(a, b, StringComparison.Ordinal);
        }

        private string? Focus(int s)
        {
            foreach (var call in _facts[s])
            {
                var file = call.Writes.FirstOrDefault() ?? call.Reads.FirstOrDefault() ?? call.Executes.FirstOrDefault();
                if (file is not null) return ShellCommandClassifier.Base(file);
            }
            return null;
        }

        /// <summary>True when every step of the range only reads files that step <paramref name="editStepId"/> writes.</summary>
        public bool ReadsOnly(int firstStepId, int lastStepId, int editStepId)
        {
            if (editStepId < 1 || editStepId > _run.Steps.Count) return false;
            var edited = _facts[editStepId - 1].SelectMany(f => f.Writes).ToList();
            if (edited.Count == 0) return false;
            for (var s = firstStepId - 1; s <= lastStepId - 1; s++)
            {
                var reads = _facts[s].SelectMany(f => f.Reads).ToList();
                if (reads.Count == 0 || !reads.All(r => edited.Any(e => SignalDetector.SamePath(e, r)))) return false;
            }
            return true;
        }

        /// <summary>The phase most steps of a range have (used to give shipped ranges a kind).</summary>
        public StageKind DominantPhase(int first, int last)
        {
            var counts = new Dictionary<StageKind, int>();
            for (var id = first; id <= last; id++)
            {
                var phase = Phase(id);
                if (phase == StageKind.Other) continue;
                counts[phase] = counts.GetValueOrDefault(phase) + 1;
            }
            if (counts.Count == 0) return StageKind.Other;
            return counts.OrderByDescending(kv => kv.Value).ThenByDescending(kv => Rank(kv.Key)).First().Key;
        }

        // ---------------- titles ----------------

        public string Title(int first, int last, StageKind kind)
        {
            var title = kind switch
            {
                StageKind.Submit => SubmitTitle(first, last),
                StageKind.Setup => SetupTitle(first, last),
                StageKind.Explore => ExploreTitle(first, last),
                StageKind.Reproduce => ReproduceTitle(first, last),
                StageKind.Edit => EditTitle(first, last),
                StageKind.Verify => VerifyTitle(first, last),
                _ => OtherTitle(first, last),
            };
            return title.Length <= 60 ? title : string.Concat(title.AsSpan(0, 59), "\u2026");
        }

        private IEnumerable<int> Indexes(int first, int last) => Enumerable.Range(first - 1, last - first + 1);

        private string SubmitTitle(int first, int last) =>
            Indexes(first, last).Any(s => _run.Steps[s].Kind is StepKind.Edit or StepKind.Create && OnlyTouchesScratch(s)) ? "Clean up and submit" : "Submit";

        private string SetupTitle(int first, int last)
        {
            if (Indexes(first, last).Any(s => _run.Steps[s].Kind == StepKind.Install)) return "Install dependencies";
            var changingRuns = Indexes(first, last).Where(s => _run.Steps[s].Kind == StepKind.Run && _run.Steps[s].Effect == StepEffect.Change).ToList();
            // A cloud or cluster CLI changing remote state is provisioning, not a build.
            if (changingRuns.SelectMany(s => _facts[s]).Select(f => f.Program).FirstOrDefault(ShellCommandClassifier.IsCloudCli) is { } cloud) return "Provision with " + cloud;
            // Killing shells and processes (Claude Code's KillShell, kill, pkill) is housekeeping, not a build either.
            if (changingRuns.Count > 0 && changingRuns.All(IsProcessControl)) return "Stop background processes";
            // Clicking and typing in a web page changes the page, but it is browsing, not building.
            if (changingRuns.Count > 0 && changingRuns.All(IsBrowserAction)) return "Use the browser";
            if (changingRuns.Count > 0) return "Build the project";
            var creates = Indexes(first, last).Where(s => _run.Steps[s].Kind == StepKind.Create).ToList();
            if (creates.Count > 0 && creates.All(s => _facts[s].All(f => f.Kind != StepKind.Create || f.Writes.All(IsDirectoryLike))))
            {
                // Extractions name the archive they read; downloads and new folders name nothing useful.
                var archive = creates.SelectMany(s => _facts[s]).SelectMany(f => f.Reads).FirstOrDefault(IsArchive);
                if (archive is not null) return "Extract " + ShellCommandClassifier.Base(archive);
                if (creates.All(s => _facts[s].All(f => f.Kind != StepKind.Create || f.Writes.Count > 0))) return "Create folders";
                return "Download files";
            }
            return "Set up the environment";
        }

        /// <summary>Every call of the step drives a browser (OpenHands' browser_click, browser_type, browse_interactive…).</summary>
        private bool IsBrowserAction(int index) =>
            _run.Steps[index].ToolCalls.Count > 0
            && _run.Steps[index].ToolCalls.All(call => call.Tool.StartsWith("browser", StringComparison.OrdinalIgnoreCase)
                                                       || call.Tool.StartsWith("browse_", StringComparison.OrdinalIgnoreCase));

        private bool IsProcessControl(int index) =>
            _run.Steps[index].ToolCalls.Count > 0
            && _run.Steps[index].ToolCalls.Select((call, c) => (call, c)).All(x =>
                x.call.Tool is "KillShell" or "KillBash" || _facts[index].ElementAtOrDefault(x.c)?.Program is "kill" or "pkill" or "killall");

        private static bool IsArchive(string path)
        {
            var name = path.ToLowerInvariant();
            return name.EndsWith(".zip", StringComparison.Ordinal) || name.EndsWith(".7z", StringComparison.Ordinal) || name.Contains(".tar", StringComparison.Ordinal)
                || name.EndsWith(".tgz", StringComparison.Ordinal) || name.EndsWith(".gz", StringComparison.Ordinal) || name.EndsWith(".rar", StringComparison.Ordinal)
                || name.EndsWith(".xz", StringComparison.Ordinal) || name.EndsWith(".bz2", StringComparison.Ordinal);
        }

        private string ExploreTitle(int first, int last)
        {
            var reads = new List<string>();
            var listing = 0;
            var steps = 0;
            var probes = 0;
            foreach (var s in Indexes(first, last))
            {
                if (_run.Steps[s].Kind is StepKind.Think or StepKind.Message) continue;
                steps++;
                if (_facts[s].Any(f => f.ProbesEnvironment)) probes++;
                var stepReads = _facts[s].SelectMany(f => f.Reads).Distinct(StringComparer.Ordinal).ToList();
                reads.AddRange(stepReads);
                if (stepReads.Count == 0 && _run.Steps[s].Kind == StepKind.Search) listing++;
            }
            if (steps > 0 && probes * 2 >= steps) return "Explore the environment";
            var top = reads.GroupBy(r => r, StringComparer.Ordinal).OrderByDescending(g => g.Count()).FirstOrDefault();
            if (top is not null && steps > 0 && top.Count() * 2 >= steps && reads.Distinct(StringComparer.Ordinal).Count() <= 2)
            {
                return "Read " + ShortPath(top.Key);
            }
            var isFirst = first == 1 || Indexes(1, first - 1).All(s => _run.Steps[s].Kind is StepKind.Think or StepKind.Message);
            if (isFirst || listing * 2 >= steps) return _repositoryTask ? "Explore repository" : "Explore the environment";
            var dir = CommonDirectory(reads);
            if (dir is not null) return "Explore " + dir;
            if (reads.Count > 0) return "Read " + string.Join(", ", reads.Distinct(StringComparer.Ordinal).Take(2).Select(ShortPath));
            return _repositoryTask ? "Explore code" : "Explore the environment";
        }

        private string ReproduceTitle(int first, int last)
        {
            var indexes = Indexes(first, last).ToList();
            var tests = LastTestSignal(indexes);
            var runsScratch = indexes.Any(s => _facts[s].Any(f => f.Executes.Any(IsScratch) || f.Writes.Any(IsScratch) || f.Reads.Any(IsScratch)));
            if (runsScratch) return "Reproduce the issue";
            if (tests is not null || indexes.Any(s => _run.Steps[s].Kind == StepKind.Test)) return TestsTitle(tests);
            return RunTitle(indexes);
        }

        private string EditTitle(int first, int last)
        {
            var indexes = Indexes(first, last).ToList();
            var written = new List<string>();
            var allCreates = true;
            foreach (var s in indexes)
            {
                foreach (var call in _facts[s])
                {
                    if (call.Effect != StepEffect.Change) continue;
                    if (call.Kind is StepKind.Run && call.ScriptTargets.Count > 0)
                    {
                        allCreates = false;
                        written.AddRange(call.ScriptTargets.Where(w => !IsScratch(w)));
                        continue;
                    }
                    if (call.Kind is not (StepKind.Edit or StepKind.Create or StepKind.Git)) continue;
                    if (call.Kind != StepKind.Create) allCreates = false;
                    written.AddRange(call.Writes.Where(w => !IsScratch(w)));
                }
            }
            var files = written.Where(w => !IsDirectoryLike(w) || written.All(IsDirectoryLike)).Select(ShortPath).Distinct(StringComparer.Ordinal).ToList();
            var verb = allCreates && files.Count > 0 ? "Create" : "Edit";
            var deleted = indexes.SelectMany(s => _facts[s]).SelectMany(f => f.Deletes).ToHashSet(StringComparer.Ordinal);
            if (written.Count > 0 && written.All(deleted.Contains))
            {
                // Only deletions: removing what the run made along the way is cleanup, not an edit.
                // A file the run itself wrote earlier (matched by name: paths are written relative and absolute) is its own mess.
                var madeEarlier = _run.Steps.Take(first - 1).Where(step => step.Effect == StepEffect.Change)
                    .SelectMany(step => step.ToolCalls).SelectMany(c => c.FilesTouched).Select(ShellCommandClassifier.Base).ToHashSet(StringComparer.Ordinal);
                return files.Count == 0 || files.All(f => IsScratch(f) || madeEarlier.Contains(ShellCommandClassifier.Base(f)))
                    ? "Clean up"
                    : files.Count == 1 ? "Remove " + files[0] : $"Remove {files[0]} and {files.Count - 1} more files";
            }
            var copies = indexes.SelectMany(s => _facts[s]).SelectMany(f => f.Copies).ToList();
            if (files.Count > 0 && copies.Count > 0 && written.Where(w => !IsScratch(w)).All(w => copies.Any(c => c.To == w && IsScratch(c.From))))
            {
                // Copying a kept-aside version over the file puts it back.
                verb = "Restore";
            }
            if (files.Count == 0)
            {
                // Only helper scripts were written here (they are run in a later stage): name them.
                var helpers = indexes.SelectMany(s => _facts[s]).SelectMany(f => f.Writes).Where(w => _helpers.Contains(ShellCommandClassifier.Base(w)))
                    .Select(ShellCommandClassifier.Base).Distinct(StringComparer.Ordinal).ToList();
                if (helpers.Count > 0) return "Write " + string.Join(", ", helpers.Take(2)) + (helpers.Count > 2 ? $" and {helpers.Count - 2} more" : "");
            }
            var title = files.Count switch
            {
                0 => "Edit files",
                1 => $"{verb} {files[0]}",
                2 => $"{verb} {files[0]}, {files[1]}",
                _ => $"{verb} {files[0]} and {files.Count - 1} more files",
            };
            var tests = LastTestSignal(indexes);
            if (tests is not null) title += "; tests: " + ShortTestResult(tests);
            return title;
        }

        private string VerifyTitle(int first, int last)
        {
            var indexes = Indexes(first, last).ToList();
            var tests = LastTestSignal(indexes);
            // Test runs of the project's own suite name the stage; the agent's own check scripts (test_fix.py) do not.
            var suiteRuns = indexes.Where(s => _run.Steps[s].Kind == StepKind.Test && !RunsOnlyScratch(s)).ToList();
            if (tests is not null || suiteRuns.Count > 0) return TestsTitle(tests);
            if (indexes.Any(s => _facts[s].Any(f => f.Executes.Any(IsScratch) || f.Kind == StepKind.Run && f.Reads.Any(IsScratch))))
            {
                return _repositoryTask ? "Verify the fix" + ErrorSuffix(indexes) : RunTitle(indexes);
            }
            if (indexes.All(s => _run.Steps[s].Kind is StepKind.Git or StepKind.Read or StepKind.Search or StepKind.Think or StepKind.Message)
                && indexes.Any(s => _run.Steps[s].Kind == StepKind.Git))
            {
                return "Review changes";
            }
            return RunTitle(indexes);
        }

        private bool RunsOnlyScratch(int s)
        {
            var executed = _facts[s].SelectMany(f => f.Executes).ToList();
            return executed.Count > 0 && executed.All(IsScratch);
        }

        private string OtherTitle(int first, int last) =>
            Indexes(first, last).All(s => _run.Steps[s].Kind == StepKind.Think) ? "Plan" : "Discuss";

        private string RunTitle(List<int> indexes)
        {
            var runs = indexes.Where(s => _run.Steps[s].Kind is StepKind.Run or StepKind.Test).ToList();
            if (runs.Count > 0 && runs.All(IsProcessControl)) return "Stop background processes";
            if (runs.Count > 0 && runs.All(IsBrowserAction)) return "Use the browser" + ErrorSuffix(indexes);
            if (!indexes.Any(s => _run.Steps[s].Kind is StepKind.Run or StepKind.Test))
            {
                var scratch = indexes.SelectMany(s => _facts[s]).Where(f => f.Effect == StepEffect.Change).SelectMany(f => f.Writes)
                    .Select(ShellCommandClassifier.Base).Distinct(StringComparer.Ordinal).ToList();
                if (scratch.Count > 0) return "Write " + string.Join(", ", scratch.Take(2)) + (scratch.Count > 2 ? $" and {scratch.Count - 2} more" : "");
            }
            string? program = null;
            foreach (var s in indexes)
            {
                if (_run.Steps[s].Kind is not (StepKind.Run or StepKind.Test)) continue;
                program = _facts[s].SelectMany(f => f.Executes).Select(ShellCommandClassifier.Base).FirstOrDefault()
                    ?? _facts[s].Where(f => f.Kind is StepKind.Run or StepKind.Test).Select(f => f.Program).FirstOrDefault(p => p is not null);
                if (program is not null) break;
            }
            var build = indexes.Any(s => _run.Steps[s].Kind == StepKind.Run && _run.Steps[s].Effect == StepEffect.Change)
                && !indexes.Any(s => _facts[s].Any(f => f.Executes.Count > 0));
            var title = build ? "Build" + (program is null ? "" : " with " + program) : program is null ? "Run commands" : "Run " + program;
            return title + ErrorSuffix(indexes);
        }

        private string ErrorSuffix(List<int> indexes)
        {
            var last = indexes.LastOrDefault(s => _run.Steps[s].Kind is StepKind.Run or StepKind.Test, -1);
            if (last < 0) return "";
            return _run.Steps[last].Signals.Any(x => x.Kind is SignalKind.ErrorExit or SignalKind.ErrorText or SignalKind.Timeout) ? ": error" : "";
        }

        private Signal? LastTestSignal(List<int> indexes)
        {
            for (var k = indexes.Count - 1; k >= 0; k--)
            {
                var signal = _run.Steps[indexes[k]].Signals.LastOrDefault(x => x.Kind is SignalKind.TestsFailed or SignalKind.TestsPassed);
                if (signal is not null) return signal;
            }
            return null;
        }

        private static string TestsTitle(Signal? tests) => tests is null ? "Run tests" : "Run tests: " + ShortTestResult(tests);

        private static string ShortTestResult(Signal tests)
        {
            var counts = tests.Tests;
            if (counts is null) return tests.Message;
            if (tests.Kind == SignalKind.TestsFailed)
            {
                if (counts.Failed > 0) return $"{counts.Failed} failed";
                if (counts.Errors > 0) return counts.Errors == 1 ? "1 error" : $"{counts.Errors} errors";
                return "failed";
            }
            return counts.Passed > 0 ? $"{counts.Passed} passed" : "passed";
        }

        /// <summary>The last two segments of a path (<c>/testbed/django/db/models.py</c> → <c>db/models.py</c>).</summary>
        internal static string ShortPath(string path)
        {
            var p = path.Replace('\\', '/').TrimEnd('/');
            var parts = p.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var shortPath = parts.Length switch
            {
                0 => p,
                1 => parts[0],
                _ => parts[^2] + "/" + parts[^1],
            };
            if (parts.Length == 2 && !p.StartsWith('/')) shortPath = p;
            return shortPath.Length <= 40 ? shortPath : parts[^1];
        }

        private static string? CommonDirectory(List<string> paths)
        {
            var dirs = paths.Select(p => Path.GetDirectoryName(p.Replace('\\', '/'))?.Replace('\\', '/'))
                .Where(d => !string.IsNullOrEmpty(d)).ToList();
            if (dirs.Count < 2) return null;
            var top = dirs.GroupBy(d => d, StringComparer.Ordinal).OrderByDescending(g => g.Count()).First();
            return top.Count() * 2 >= dirs.Count ? ShortPath(top.Key!) : null;
        }
    }
}
