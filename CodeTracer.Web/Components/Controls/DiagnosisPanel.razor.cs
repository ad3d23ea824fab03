using System.Globalization;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Web.Services;
using CodeTracer.Web.Utils;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// Shows a run's diagnosis (summary, error chain, root-cause chain, decision points, strategy, method, tokens, cost)
/// with every step a link into the run, and runs new diagnoses: the heuristic at once, the LLM (when configured)
/// with live progress and a cancel. Self-contained: the page passes the run and the diagnosis to show and hears
/// about new ones through <see cref="OnDiagnosed"/>.
/// </summary>
public sealed partial class DiagnosisPanel : IDisposable
{
    private RunDiagnosis? _made;
    private RunDiagnosis? _lastParameter;
    private bool _subscribed;

    [Inject]
    public required DiagnosisRunner Runner { get; init; }

    /// <summary>The run's id (links are built from it).</summary>
    [Parameter, EditorRequired]
    public string RunId { get; set; } = "";

    /// <summary>The run with its steps loaded; needed to diagnose. Without it the buttons are disabled.</summary>
    [Parameter]
    public Run? Run { get; set; }

    /// <summary>The diagnosis to show (the newest, or the one the URL names). Null shows an empty state.</summary>
    [Parameter]
    public RunDiagnosis? Diagnosis { get; set; }

    /// <summary>Called with each diagnosis the panel makes, after it is saved (when the run is stored).</summary>
    [Parameter]
    public EventCallback<RunDiagnosis> OnDiagnosed { get; set; }

    /// <summary>Every stored diagnosis of the run, newest first; the others than the one shown are offered as links.</summary>
    [Parameter]
    public IReadOnlyList<RunDiagnosis> Stored { get; set; } = [];

    /// <summary>The page's URL for showing another diagnosis (keeping the selected step, search and tab).</summary>
    [Parameter]
    public Func<string, string>? DiagnosisHref { get; set; }

    /// <summary>What the panel shows: the diagnosis it just made, or the page's.</summary>
    private RunDiagnosis? Shown => _made ?? Diagnosis;

    /// <summary>The stored diagnoses other than the one shown, as links: "llm:gpt-4o · 2026-11-27 05:20 · onset step 9".</summary>
    private IEnumerable<(string Href, string Label)> OtherDiagnoses =>
        Stored.Where(d => !string.IsNullOrEmpty(d.Id) && !string.Equals(d.Id, Shown?.Id, StringComparison.Ordinal))
            .Select(d => (DiagnosisHref?.Invoke(d.Id!) ?? RunUrls.Run(RunId, diagnosis: d.Id), OtherLabel(d)));

    private static string OtherLabel(RunDiagnosis d) => string.Create(CultureInfo.InvariantCulture,
        $"{d.Method} · {d.CreatedAtUtc:yyyy-MM-dd HH:mm} · {(d.OnsetStep is { } onset ? $"onset step {onset}" : "no onset")}");

    private bool IsHeuristic => Shown?.Method == HeuristicLocalizer.MethodName;

    /// <summary>
    /// Set when the diagnosis was made on another version of the run (it was imported again with a different number of
    /// steps), so its step numbers may point at the wrong steps.
    /// </summary>
    private string? StaleNote => Shown is { RunStepCount: > 0 } d && Run is { } run && run.StepCount > 0 && d.RunStepCount != run.StepCount
        ? string.Create(CultureInfo.InvariantCulture,
            $"Made when this run had {d.RunStepCount} steps; it now has {run.StepCount} (it was imported again), so its step numbers may not match. Diagnose again for a current one.")
        : null;

    /// <summary>
    /// The deep link to a step of this run, carrying the diagnosis when it has an id:
    /// <c>/runs/{id}?step=N&amp;diagnosis=D</c>.
    /// </summary>
    public static string StepHref(string runId, int step, string? diagnosisId) =>
        RunUrls.Run(runId, step, diagnosis: string.IsNullOrEmpty(diagnosisId) ? null : diagnosisId);

    /// <summary>
    /// CSS classes for a step's row in the run tree: <c>ct-onset</c> on the onset step, <c>ct-chain</c> on every step of
    /// the error chain (the onset too), <c>ct-incorrect</c>/<c>ct-unuseful</c> for labeled steps; empty otherwise.
    /// </summary>
    public static string TreeRowClass(RunDiagnosis? diagnosis, int stepId)
    {
        if (diagnosis is null) return "";
        var classes = new List<string>(3);
        if (diagnosis.OnsetStep == stepId) classes.Add("ct-onset");
        if (diagnosis.ErrorChain.Any(l => l.Step == stepId)) classes.Add("ct-chain");
        if (diagnosis.StageLabels.Any(l => l.IncorrectStepIds.Contains(stepId))) classes.Add("ct-incorrect");
        else if (diagnosis.StageLabels.Any(l => l.UnusefulStepIds.Contains(stepId))) classes.Add("ct-unuseful");
        return string.Join(' ', classes);
    }

    protected override void OnInitialized()
    {
        Runner.Changed += OnRunnerChanged;
        _subscribed = true;
    }

    protected override void OnParametersSet()
    {
        // A new diagnosis from the page (or another run) replaces the one the panel made itself.
        if (!ReferenceEquals(Diagnosis, _lastParameter))
        {
            _lastParameter = Diagnosis;
            _made = null;
        }
    }

    private string Href(int step) => StepHref(RunId, step, Shown?.Id);

    private async Task DiagnoseAsync()
    {
        if (Run is null || Runner.IsRunning) return;
        var diagnosis = await Runner.DiagnoseHeuristicAsync(Run);
        await ShowAsync(diagnosis);
    }

    private async Task DiagnoseWithLlmAsync()
    {
        if (Run is null || Runner.IsRunning || !Runner.LlmAvailable) return;
        var diagnosis = await Runner.DiagnoseWithLlmAsync(Run);
        if (diagnosis is not null) await ShowAsync(diagnosis);
    }

    private void Cancel() => Runner.Cancel();

    private async Task ShowAsync(RunDiagnosis diagnosis)
    {
        _made = diagnosis;
        await OnDiagnosed.InvokeAsync(diagnosis);
    }

    private void OnRunnerChanged() => _ = InvokeAsync(StateHasChanged);

    private static string Tokens(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Cost(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string RoleColor(string role) => role switch
    {
        ChainRoles.Onset => "ct-role-onset",
        ChainRoles.Terminal => "ct-role-terminal",
        ChainRoles.Recovery => "ct-role-recovery",
        _ => "ct-role-propagation",
    };

    public void Dispose()
    {
        if (_subscribed) Runner.Changed -= OnRunnerChanged;
        _subscribed = false;
    }
}
