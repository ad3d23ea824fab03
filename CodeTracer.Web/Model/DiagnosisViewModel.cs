using System.Globalization;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Model;

/// <summary>How a step of the error chain is marked in the tree: row classes, a badge and the hover text.</summary>
public sealed record ChainMark(string Role, string CssClass, string Badge, string Tooltip);

/// <summary>How a stage is marked in the timeline and the diagram when the diagnosis runs through it.</summary>
public sealed record StageMark(bool IsOnset, string CssClass, string Tooltip);

/// <summary>
/// The diagnosis the run page shows, with every highlight precomputed once: the onset and chain marks of the tree's
/// step rows, the onset and chain stages of the timeline and diagram, and the diagram links the chain runs along.
/// Stage ids are the page's (<see cref="StageViewModel"/>), found from the steps, because the page may renumber stages.
/// </summary>
public sealed class DiagnosisViewModel
{
    private readonly Dictionary<int, ChainMark> _steps;
    private readonly Dictionary<int, StageMark> _stages;

    private DiagnosisViewModel(RunDiagnosis diagnosis, bool isPreview, Dictionary<int, ChainMark> steps, Dictionary<int, StageMark> stages,
        int? onsetStage, int? firstChainStage, int? lastChainStage)
    {
        Diagnosis = diagnosis;
        IsPreview = isPreview;
        _steps = steps;
        _stages = stages;
        OnsetStage = onsetStage;
        FirstChainStage = firstChainStage;
        LastChainStage = lastChainStage;
    }

    public RunDiagnosis Diagnosis { get; }

    /// <summary>The stored id, or null for a diagnosis computed in memory (never in a URL then).</summary>
    public string? Id => string.IsNullOrEmpty(Diagnosis.Id) ? null : Diagnosis.Id;

    /// <summary>True for the heuristic computed when the run opened: shown, not saved.</summary>
    public bool IsPreview { get; }

    public bool IsHeuristic => Diagnosis.Method == HeuristicLocalizer.MethodName;

    public int? OnsetStep => Diagnosis.OnsetStep;

    /// <summary>The page's stage holding the onset step.</summary>
    public int? OnsetStage { get; }

    /// <summary>The first and last page stages the chain (with its onset) touches; the diagram links between them are highlighted.</summary>
    public int? FirstChainStage { get; }

    public int? LastChainStage { get; }

    /// <summary>What the note above the panel says about where this diagnosis came from.</summary>
    public string SourceNote => IsPreview
        ? "Heuristic diagnosis, computed on opening and not saved: Diagnose keeps it."
        : IsHeuristic ? "Heuristic diagnosis (rules, no LLM)." : $"Diagnosis by {Diagnosis.Method}.";

    /// <summary>The tree mark of a step, or null when the diagnosis does not name it.</summary>
    public ChainMark? StepMark(int stepId) => _steps.GetValueOrDefault(stepId);

    public StageMark? StageMarkOf(int stageId) => _stages.GetValueOrDefault(stageId);

    /// <summary>True for the diagram link from one stage to the next when the error chain runs along it.</summary>
    public bool IsChainLink(int fromStage, int toStage) =>
        FirstChainStage is { } first && LastChainStage is { } last && fromStage >= first && toStage <= last && fromStage < toStage;

    public static DiagnosisViewModel Create(RunDiagnosis diagnosis, RunPageViewModel page, bool isPreview)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        ArgumentNullException.ThrowIfNull(page);

        var steps = new Dictionary<int, ChainMark>();
        foreach (var link in diagnosis.ErrorChain)
        {
            if (page.GetStep(link.Step) is null || steps.ContainsKey(link.Step)) continue;
            var role = string.IsNullOrWhiteSpace(link.Role) ? ChainRoles.Propagation : link.Role.Trim().ToLowerInvariant();
            var css = "ct-chain ct-chain-" + CssName(role);
            if (link.Step == diagnosis.OnsetStep) css += " ct-onset";
            var why = string.IsNullOrWhiteSpace(link.Why) ? "" : ": " + link.Why.Trim();
            steps[link.Step] = new ChainMark(role, css, role, $"Error chain, {role}{why}");
        }
        if (diagnosis.OnsetStep is { } onset && page.GetStep(onset) is not null && !steps.ContainsKey(onset))
        {
            // An onset the chain does not list is still the onset.
            steps[onset] = new ChainMark(ChainRoles.Onset, "ct-onset", ChainRoles.Onset, "Failure onset: " + diagnosis.Summary);
        }

        int? onsetStage = diagnosis.OnsetStep is { } o ? page.StageOf(o)?.Id : null;
        var chainStages = steps.Keys.Select(id => page.StageOf(id)?.Id).OfType<int>().ToHashSet();
        int? first = chainStages.Count > 0 ? chainStages.Min() : null;
        int? last = chainStages.Count > 0 ? chainStages.Max() : null;

        var stages = new Dictionary<int, StageMark>();
        foreach (var stage in page.Stages)
        {
            var isOnset = stage.Id == onsetStage;
            var inChain = chainStages.Contains(stage.Id);
            if (!isOnset && !inChain) continue;
            var chainSteps = steps.Keys.Where(id => id >= stage.FirstStep && id <= stage.LastStep).Order()
                .Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList();
            var tooltip = isOnset ? $" · failure onset at step {diagnosis.OnsetStep!.Value.ToString(CultureInfo.InvariantCulture)}" : "";
            if (chainSteps.Count > 0) tooltip += " · error chain: step " + string.Join(", ", chainSteps);
            stages[stage.Id] = new StageMark(isOnset, isOnset ? "ct-onset-stage ct-chain-stage" : "ct-chain-stage", tooltip);
        }
        return new DiagnosisViewModel(diagnosis, isPreview, steps, stages, onsetStage, first, last);
    }

    private static string CssName(string role)
    {
        Span<char> chars = stackalloc char[Math.Min(role.Length, 24)];
        for (var i = 0; i < chars.Length; i++) chars[i] = char.IsAsciiLetterOrDigit(role[i]) ? role[i] : '-';
        return new string(chars);
    }
}
