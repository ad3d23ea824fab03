using System.Globalization;
using CodeTracer.Core.Model;
using CodeTracer.Web.Utils;

namespace CodeTracer.Web.Model;

/// <summary>A stage as the timeline, the tree and the diagram show it.</summary>
public sealed class StageViewModel
{
    public required Stage Stage { get; init; }

    public int Id => Stage.Id;

    public required string KindName { get; init; }

    public required string Title { get; init; }

    public int FirstStep => Stage.FirstStep;

    public int LastStep => Stage.LastStep;

    public int StepCount => Stage.StepCount;

    public required int ErrorCount { get; init; }

    public string RangeLabel => FirstStep == LastStep
        ? "step " + FirstStep.ToString(CultureInfo.InvariantCulture)
        : $"steps {FirstStep.ToString(CultureInfo.InvariantCulture)}–{LastStep.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The hover text of the timeline segment and diagram node.</summary>
    public string Tooltip => $"Stage {Id} · {KindName} · {RangeLabel}{(ErrorCount > 0 ? $" · {ErrorCount} with errors" : "")}: {Title}";
}

/// <summary>What the run header shows, formatted once.</summary>
public sealed class RunHeaderViewModel
{
    public required string Title { get; init; }
    public string? TaskId { get; init; }
    public string? TaskText { get; init; }
    public required string OutcomeName { get; init; }
    public required IReadOnlyList<string> Evidence { get; init; }
    public string? FailureMode { get; init; }
    public string? ExitStatus { get; init; }
    public double? Reward { get; init; }
    public required string Framework { get; init; }
    public required string Format { get; init; }
    public string? Model { get; init; }
    public required int StepCount { get; init; }
    public required int ToolCallCount { get; init; }
    public required int StageCount { get; init; }
    public required int ErrorStepCount { get; init; }
    public string? Tokens { get; init; }
    public string? TokensDetail { get; init; }
    public string? Cost { get; init; }
    public string? Duration { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public required string SourcePath { get; init; }
}

/// <summary>
/// Everything the run page renders for one run, built once when the run loads: header, stages, tree rows, lookups by
/// step id. Per-view state (selection, expansion, search) lives in the page and in <see cref="StepTreeModel"/>.
/// </summary>
public sealed class RunPageViewModel
{
    private readonly Dictionary<int, Step> _steps;
    private readonly Dictionary<int, StageViewModel> _stageOfStep;
    private readonly List<int> _stepIds;

    private RunPageViewModel(Run run, RunHeaderViewModel header, IReadOnlyList<StageViewModel> stages, StepTreeModel tree,
        Dictionary<int, Step> steps, Dictionary<int, StageViewModel> stageOfStep, List<int> stepIds, List<int> errorSteps)
    {
        Run = run;
        Header = header;
        Stages = stages;
        Tree = tree;
        _steps = steps;
        _stageOfStep = stageOfStep;
        _stepIds = stepIds;
        ErrorSteps = errorSteps;
    }

    public Run Run { get; }

    public RunHeaderViewModel Header { get; }

    public IReadOnlyList<StageViewModel> Stages { get; }

    public StepTreeModel Tree { get; }

    /// <summary>Step ids in order.</summary>
    public IReadOnlyList<int> StepIds => _stepIds;

    /// <summary>Steps with an error signal, in order (for <c>e</c>/<c>n</c>/<c>p</c>).</summary>
    public IReadOnlyList<int> ErrorSteps { get; }

    public Step? GetStep(int stepId) => _steps.GetValueOrDefault(stepId);

    public StageViewModel? StageOf(int stepId) => _stageOfStep.GetValueOrDefault(stepId);

    public StageViewModel? GetStage(int stageId) => Stages.FirstOrDefault(s => s.Id == stageId);

    public RunSearchResult Search(string query) =>
        RunSearch.Find(Run.Steps, id => StageOf(id)?.Id ?? 0, query);

    public static RunPageViewModel Create(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var steps = new Dictionary<int, Step>(run.Steps.Count);
        var stepIds = new List<int>(run.Steps.Count);
        foreach (var step in run.Steps)
        {
            if (steps.TryAdd(step.Id, step)) stepIds.Add(step.Id);
        }

        var errorSteps = new List<int>();
        var errorByStep = new Dictionary<int, bool>(run.Steps.Count);
        var badgesByStep = new Dictionary<int, IReadOnlyList<SignalBadge>>(run.Steps.Count);
        foreach (var id in stepIds)
        {
            var badges = TracePresentation.Badges(steps[id]);
            var hasError = badges.Any(b => b.IsError);
            badgesByStep[id] = badges;
            errorByStep[id] = hasError;
            if (hasError) errorSteps.Add(id);
        }

        var stages = BuildStages(run, stepIds, errorByStep);
        var stageOfStep = new Dictionary<int, StageViewModel>(stepIds.Count);
        var rows = new List<TreeRow>(stepIds.Count * 2 + stages.Count);
        var stepIndex = 0;
        foreach (var stage in stages)
        {
            rows.Add(new TreeRow
            {
                Ordinal = rows.Count,
                Kind = TreeRowKind.Stage,
                Key = StepTreeModel.StageKey(stage.Id),
                StageId = stage.Id,
                Depth = 0,
                Label = $"Stage {stage.Id.ToString(CultureInfo.InvariantCulture)} · {stage.Title}",
                Meta = stage.RangeLabel,
                KindName = stage.KindName,
                Icon = TracePresentation.Icon(stage.Stage.Kind),
                ChildCount = stage.StepCount,
                Badges = stage.ErrorCount > 0
                    ? [new SignalBadge(stage.ErrorCount.ToString(CultureInfo.InvariantCulture) + (stage.ErrorCount == 1 ? " error" : " errors"), $"{stage.ErrorCount} step(s) with error signals", "ct-badge-error", false)]
                    : [],
            });

            while (stepIndex < stepIds.Count && stepIds[stepIndex] <= stage.LastStep)
            {
                var step = steps[stepIds[stepIndex++]];
                stageOfStep[step.Id] = stage;
                AddStepRows(rows, step, stage.Id, errorByStep[step.Id], badgesByStep[step.Id]);
            }
        }

        var header = BuildHeader(run, stages.Count, errorSteps.Count);
        return new RunPageViewModel(run, header, stages, new StepTreeModel(rows), steps, stageOfStep, stepIds, errorSteps);
    }

    private static void AddStepRows(List<TreeRow> rows, Step step, int stageId, bool hasError, IReadOnlyList<SignalBadge> badges)
    {
        var single = step.ToolCalls.Count == 1;
        var multi = step.ToolCalls.Count > 1;
        var kind = step.Kind != StepKind.Unknown || step.ToolCalls.Count == 0 ? step.Kind : step.ToolCalls[0].Kind;
        rows.Add(new TreeRow
        {
            Ordinal = rows.Count,
            Kind = TreeRowKind.Step,
            Key = StepTreeModel.StepKey(step.Id),
            StageId = stageId,
            StepId = step.Id,
            CallIndex = single ? 0 : -1,
            Depth = 1,
            Label = TracePresentation.StepLabel(step),
            Meta = single ? step.ToolCalls[0].Tool : multi ? $"{step.ToolCalls.Count} calls" : null,
            KindName = TracePresentation.KindName(kind),
            Icon = TracePresentation.Icon(kind),
            Effect = step.Effect,
            Badges = badges,
            HasError = hasError,
            ChildCount = multi ? step.ToolCalls.Count : 0,
            IsMarker = step.IsMarker,
        });
        if (!multi) return;

        for (var k = 0; k < step.ToolCalls.Count; k++)
        {
            var call = step.ToolCalls[k];
            var callBadges = TracePresentation.Badges(step, k);
            rows.Add(new TreeRow
            {
                Ordinal = rows.Count,
                Kind = TreeRowKind.Call,
                Key = StepTreeModel.CallKey(step.Id, k),
                StageId = stageId,
                StepId = step.Id,
                CallIndex = k,
                Depth = 2,
                Label = TracePresentation.CallLabel(call),
                Meta = call.Tool,
                KindName = TracePresentation.KindName(call.Kind),
                Icon = TracePresentation.Icon(call.Kind),
                Effect = call.Effect,
                Badges = callBadges,
                HasError = callBadges.Any(b => b.IsError),
            });
        }
    }

    /// <summary>
    /// The run's stages, checked: ordered, non-overlapping, covering every step. A run that was never indexed (or whose
    /// stages leave gaps) gets "Unstaged steps" stages for what is not covered, so every step is reachable.
    /// </summary>
    private static List<StageViewModel> BuildStages(Run run, List<int> stepIds, Dictionary<int, bool> errorByStep)
    {
        var source = run.Stages.Where(s => s.LastStep >= s.FirstStep).OrderBy(s => s.FirstStep).ToList();
        var result = new List<Stage>();
        var next = 0;
        foreach (var stage in source)
        {
            while (next < stepIds.Count && stepIds[next] < stage.FirstStep) next = AddGap(result, stepIds, next, stage.FirstStep - 1);
            var first = Math.Max(stage.FirstStep, result.Count > 0 ? result[^1].LastStep + 1 : int.MinValue);
            if (first > stage.LastStep) continue;
            result.Add(new Stage { Id = stage.Id, Kind = stage.Kind, Title = stage.Title, FirstStep = first, LastStep = stage.LastStep, FromSource = stage.FromSource });
            while (next < stepIds.Count && stepIds[next] <= stage.LastStep) next++;
        }
        while (next < stepIds.Count) next = AddGap(result, stepIds, next, int.MaxValue);

        // Ids must be unique and ordered for URLs and selectors; renumber when the source ones are not.
        var needsRenumber = result.Select((s, i) => s.Id != i + 1).Any(b => b);
        if (needsRenumber)
        {
            for (var i = 0; i < result.Count; i++) result[i].Id = i + 1;
        }

        // One pass over the (ordered) steps counts the error steps of every (ordered) stage.
        var errorCounts = new int[result.Count];
        var stageIndex = 0;
        foreach (var id in stepIds)
        {
            while (stageIndex < result.Count && result[stageIndex].LastStep < id) stageIndex++;
            if (stageIndex == result.Count) break;
            if (id >= result[stageIndex].FirstStep && errorByStep[id]) errorCounts[stageIndex]++;
        }

        return result.Select((s, i) => new StageViewModel
        {
            Stage = s,
            KindName = TracePresentation.KindName(s.Kind),
            Title = string.IsNullOrWhiteSpace(s.Title) ? TracePresentation.KindName(s.Kind) : s.Title,
            ErrorCount = errorCounts[i],
        }).ToList();
    }

    private static int AddGap(List<Stage> stages, List<int> stepIds, int index, int lastStep)
    {
        var first = stepIds[index];
        var end = index;
        while (end + 1 < stepIds.Count && stepIds[end + 1] <= lastStep) end++;
        stages.Add(new Stage
        {
            Id = stages.Count + 1,
            Kind = StageKind.Other,
            Title = stages.Count == 0 && lastStep == int.MaxValue ? "All steps" : "Unstaged steps",
            FirstStep = first,
            LastStep = stepIds[end],
        });
        return end + 1;
    }

    private static RunHeaderViewModel BuildHeader(Run run, int stageCount, int errorStepCount)
    {
        var metrics = run.Metrics;
        long? tokens = metrics.PromptTokens is null && metrics.CompletionTokens is null ? null : (metrics.PromptTokens ?? 0) + (metrics.CompletionTokens ?? 0);
        var evidence = run.Outcome.Evidence
            .Select(e => e.File is null ? e.Detail : $"{e.Detail} ({Path.GetFileName(e.File)})")
            .ToList();
        if (run.Outcome.Reward is { } reward) evidence.Add("reward " + reward.ToString("0.###", CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(run.Outcome.FailureMode)) evidence.Add("failure mode: " + run.Outcome.FailureMode);
        if (evidence.Count == 0) evidence.Add("no verdict was found next to this run");

        return new RunHeaderViewModel
        {
            Title = string.IsNullOrWhiteSpace(run.Task.Title) ? run.Task.Id ?? run.Id : run.Task.Title,
            TaskId = run.Task.Id,
            TaskText = run.Task.Text,
            OutcomeName = RunUrls.OutcomeName(run.Outcome.Status),
            Evidence = evidence,
            FailureMode = run.Outcome.FailureMode,
            ExitStatus = run.ExitStatus,
            Reward = run.Outcome.Reward,
            Framework = run.Framework,
            Format = run.FormatVersion is null ? run.Format : $"{run.Format} {run.FormatVersion}",
            Model = run.Model,
            StepCount = run.StepCount,
            ToolCallCount = run.ToolCallCount,
            StageCount = stageCount,
            ErrorStepCount = errorStepCount,
            Tokens = tokens is { } t ? TracePresentation.FormatTokens(t) : null,
            TokensDetail = tokens is null ? null
                : $"prompt {TracePresentation.FormatCount(metrics.PromptTokens ?? 0)}, completion {TracePresentation.FormatCount(metrics.CompletionTokens ?? 0)}"
                  + (metrics.CachedTokens is { } cached ? $", cached {TracePresentation.FormatCount(cached)}" : ""),
            Cost = metrics.CostUsd is { } cost ? TracePresentation.FormatCost(cost) : null,
            Duration = metrics.DurationSeconds is { } seconds ? TracePresentation.FormatDuration(seconds) : null,
            Warnings = run.Warnings.Select(w => w.ToString()).ToList(),
            SourcePath = run.Source.Path,
        };
    }
}
