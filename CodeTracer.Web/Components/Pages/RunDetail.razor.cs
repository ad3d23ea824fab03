using System.Globalization;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Components.Controls;
using CodeTracer.Web.Model;
using CodeTracer.Web.Services;
using CodeTracer.Web.Utils;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;

namespace CodeTracer.Web.Components.Pages;

/// <summary>
/// The run page: header, stage timeline, the virtualized step tree with search, and the selected step's detail (or the
/// state tree, or the stage-flow diagram). Every selection lives in the URL: the page reads it from the query and
/// writes it back with <see cref="RunUrls"/>, pushing history so back and forward move between selections.
/// </summary>
public sealed partial class RunDetail : IAsyncDisposable
{
    private readonly CancellationTokenSource _disposed = new();

    // URLs this page navigated to whose location-changed notification has not come back yet. While newer ones are
    // pending, an older notification must not pull the selection back (fast j/k presses would otherwise flicker).
    private readonly Queue<string> _pendingNavigations = new();

    private RunPageViewModel? _vm;
    private string? _loadedRunId;
    private bool _notFound;
    private string? _loadError;

    private int? _selectedStep;
    private int? _selectedCall;
    private string? _query;
    private string _tab = RunUrls.TreeTab;
    private int? _reportedMissingStep;

    private bool _scrollTreePending;
    private bool _scrollDetailPending;
    private bool _showHelp;

    // The run's stored diagnoses (newest first), the one shown, and the diagnosis id the URL carries.
    private List<RunDiagnosis> _diagnoses = [];
    private DiagnosisViewModel? _diagnosis;
    private RunDiagnosis? _preview;
    private string? _diagnosisInUrl;
    private bool _diagnosisApplied;
    private bool _diagnosisCollapsed;

    private IJSObjectReference? _module;
    private DotNetObjectReference<RunDetail>? _self;
    private int? _keysListenerId;

    private StepTree? _tree;
    private RunSearchBox? _searchBox;
    private ElementReference _detailPane;
    private ElementReference _diagnosisSection;

    /// <summary>Another diagnosis is shown: its top, not the scroll position of the last one, should be in view.</summary>
    private bool _scrollDiagnosisPending;

    [Inject] public required IRunStore Store { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [Inject] public required IJSRuntime JS { get; init; }

    [Inject] public required ISnackbar Snackbar { get; init; }

    [Inject] public required IOptions<RunPageOptions> OptionsAccessor { get; init; }

    [Inject] public required ILogger<RunDetail> Logger { get; init; }

    [Inject] public required HeuristicLocalizer Heuristic { get; init; }

    [Inject] public required DiagnosisRunner Runner { get; init; }

    [Parameter] public string RunId { get; set; } = "";

    // Query values are read as text and parsed here: a hand-edited link with step=abc must not break the page.
    [SupplyParameterFromQuery(Name = "step")] public string? StepParameter { get; set; }

    [SupplyParameterFromQuery(Name = "call")] public string? CallParameter { get; set; }

    [SupplyParameterFromQuery(Name = "q")] public string? QueryParameter { get; set; }

    [SupplyParameterFromQuery(Name = "tab")] public string? TabParameter { get; set; }

    [SupplyParameterFromQuery(Name = "diagnosis")] public string? DiagnosisParameter { get; set; }

    private RunPageOptions Options => OptionsAccessor.Value;

    private Step? SelectedStep => _selectedStep is { } id ? _vm?.GetStep(id) : null;

    private int? SelectedStageId => _selectedStep is { } id ? _vm?.StageOf(id)?.Id : null;

    private string PageTitle => _vm is null ? "Run · CodeTracer" : $"{TracePresentation.Truncate(_vm.Header.Title, 60)} · CodeTracer";

    private string SearchCountText
    {
        get
        {
            if (_vm?.Tree.Filter is not { } filter) return "";
            var matches = filter.MatchedSteps;
            if (matches.Count == 0) return "0 matches";
            var noun = matches.Count == 1 ? "match" : "matches";
            var position = _selectedStep is { } step ? IndexOf(matches, step) : -1;
            return position >= 0 ? $"{position + 1} of {matches.Count} {noun}" : $"{matches.Count} {noun}";
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        if (!string.Equals(_loadedRunId, RunId, StringComparison.Ordinal))
        {
            await LoadAsync();
        }

        var current = CurrentRelativeUrl();
        if (_pendingNavigations.Contains(current))
        {
            while (_pendingNavigations.Count > 0 && _pendingNavigations.Dequeue() != current)
            {
            }
            if (_pendingNavigations.Count > 0) return;
        }
        else
        {
            _pendingNavigations.Clear();
        }
        ApplyUrlState();
    }

    private async Task LoadAsync()
    {
        _vm = null;
        _notFound = false;
        _loadError = null;
        _selectedStep = null;
        _selectedCall = null;
        _query = null;
        _reportedMissingStep = null;
        _diagnoses = [];
        _diagnosis = null;
        _preview = null;
        _diagnosisInUrl = null;
        _diagnosisApplied = false;
        // An LLM diagnosis of the previous run must not keep spending tokens for a page that moved on.
        Runner.Cancel();
        try
        {
            var run = await Store.GetRunAsync(RunId, includeSteps: true, _disposed.Token);
            if (run is null)
            {
                _notFound = true;
            }
            else
            {
                _vm = RunPageViewModel.Create(run);
                _diagnoses = (await Store.GetDiagnosesAsync(RunId, _disposed.Token)).OrderByDescending(d => d.CreatedAtUtc).ToList();
            }
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading run {RunId} failed", RunId);
            _loadError = $"The run could not be loaded: {ex.Message}";
        }
        _loadedRunId = RunId;
    }

    /// <summary>Makes the view match the URL: tab, search, selection. Only what differs is changed.</summary>
    private void ApplyUrlState()
    {
        if (_vm is null) return;
        _tab = RunUrls.NormalizeTab(TabParameter);
        ApplyDiagnosis();

        var query = string.IsNullOrWhiteSpace(QueryParameter) ? null : QueryParameter;
        if (!string.Equals(query, _query, StringComparison.Ordinal))
        {
            ApplyQuery(query);
        }

        var stepId = ParseIndex(StepParameter, min: 1);
        var callIndex = ParseIndex(CallParameter, min: 0);
        var step = stepId is { } id ? _vm.GetStep(id) : null;
        if (stepId is not null && step is null)
        {
            if (_reportedMissingStep != stepId && RendererInfo.IsInteractive)
            {
                Snackbar.Add($"Step {stepId} is not in this run (it has {_vm.Header.StepCount} steps).", Severity.Warning);
            }
            _reportedMissingStep = stepId;
            stepId = null;
        }
        if (step is null || callIndex >= step.ToolCalls.Count) callIndex = null;

        if (stepId == _selectedStep && callIndex == _selectedCall) return;
        _selectedStep = stepId;
        _selectedCall = callIndex;
        if (stepId is { } selected)
        {
            _vm.Tree.Reveal(selected, callIndex);
            _scrollTreePending = true;
            _scrollDetailPending = true;
        }
    }

    /// <summary>
    /// Shows the diagnosis the URL names, else the newest stored one, else (for a failed run) the heuristic computed in
    /// memory and marked as not saved. Only runs when the URL's diagnosis changes.
    /// </summary>
    private void ApplyDiagnosis()
    {
        if (_vm is null) return;
        var wanted = string.IsNullOrWhiteSpace(DiagnosisParameter) ? null : DiagnosisParameter.Trim();
        if (_diagnosisApplied && string.Equals(wanted, _diagnosisInUrl, StringComparison.Ordinal)) return;
        _diagnosisApplied = true;

        RunDiagnosis? chosen = null;
        if (wanted is not null)
        {
            chosen = _diagnoses.FirstOrDefault(d => string.Equals(d.Id, wanted, StringComparison.Ordinal));
            if (chosen is null && RendererInfo.IsInteractive)
            {
                Snackbar.Add($"Diagnosis “{wanted}” is not one of this run's; showing {(_diagnoses.Count > 0 ? "the newest" : "the heuristic")}.", Severity.Warning);
            }
        }
        // A link to a diagnosis this run does not have is not carried on into the next links.
        _diagnosisInUrl = chosen is null ? null : wanted;
        chosen ??= _diagnoses.FirstOrDefault();
        var preview = false;
        if (chosen is null && _vm.Run.Outcome.Status == OutcomeStatus.Unresolved)
        {
            _preview ??= Heuristic.Diagnose(_vm.Run);
            chosen = _preview;
            preview = true;
        }
        if (ReferenceEquals(chosen, _diagnosis?.Diagnosis)) return;
        _scrollDiagnosisPending = _diagnosis is not null;
        _diagnosis = chosen is null ? null : DiagnosisViewModel.Create(chosen, _vm, preview);
    }

    /// <summary>The panel made a diagnosis (saved when the run is stored): show it and name it in the URL.</summary>
    private Task OnDiagnosedAsync(RunDiagnosis diagnosis)
    {
        if (_vm is null || !string.Equals(diagnosis.RunId, _vm.Run.Id, StringComparison.Ordinal)) return Task.CompletedTask;
        var stored = !string.IsNullOrEmpty(diagnosis.Id);
        if (stored)
        {
            _diagnoses.RemoveAll(d => string.Equals(d.Id, diagnosis.Id, StringComparison.Ordinal));
            _diagnoses.Insert(0, diagnosis);
            _diagnosisInUrl = diagnosis.Id;
        }
        _diagnosis = DiagnosisViewModel.Create(diagnosis, _vm, isPreview: false);
        _diagnosisCollapsed = false;
        if (stored) NavigateToState(replace: true);
        return Task.CompletedTask;
    }

    private void ApplyQuery(string? query)
    {
        if (_vm is null) return;
        _query = query;
        _vm.Tree.SetFilter(query is null ? null : _vm.Search(query));
        _scrollTreePending = true;
    }

    /// <summary>Selects a step (and optionally one of its calls), revealing it in the tree, and records it in the URL.</summary>
    internal void SelectStep(int stepId, int? callIndex, bool scrollTree)
    {
        if (_vm?.GetStep(stepId) is not { } step) return;
        if (callIndex is { } k && (k < 0 || k >= step.ToolCalls.Count)) callIndex = null;
        _selectedStep = stepId;
        _selectedCall = callIndex;
        _vm.Tree.Reveal(stepId, callIndex);
        _scrollTreePending |= scrollTree;
        _scrollDetailPending = true;
        NavigateToState(replace: false);
    }

    private Task SelectStepAsync(int stepId, int? callIndex, bool scrollTree)
    {
        SelectStep(stepId, callIndex, scrollTree);
        return Task.CompletedTask;
    }

    /// <summary>Selecting a stage (timeline, diagram, its row) selects its first step with the stage expanded.</summary>
    internal Task SelectStageAsync(int stageId)
    {
        if (_vm?.GetStage(stageId) is not { } stage) return Task.CompletedTask;
        _vm.Tree.SetExpanded(StepTreeModel.StageKey(stageId), expanded: true);
        // Step ids need not be contiguous, so take the first step that exists in the stage's range.
        var first = _vm.StepIds.FirstOrDefault(id => id >= stage.FirstStep && id <= stage.LastStep);
        if (first > 0) SelectStep(first, null, scrollTree: true);
        return Task.CompletedTask;
    }

    private Task OnRowSelectedAsync(TreeRow row)
    {
        switch (row.Kind)
        {
            case TreeRowKind.Stage:
                return SelectStageAsync(row.StageId);
            case TreeRowKind.Call:
                SelectStep(row.StepId, row.CallIndex, scrollTree: false);
                break;
            default:
                SelectStep(row.StepId, null, scrollTree: false);
                break;
        }
        return Task.CompletedTask;
    }

    private Task SetTabAsync(string tab)
    {
        if (_tab == tab) return Task.CompletedTask;
        _tab = tab;
        if (tab == RunUrls.TreeTab) _scrollDetailPending = true;
        NavigateToState(replace: false);
        return Task.CompletedTask;
    }

    private void ExpandAll() => _vm?.Tree.ExpandAll();

    private void CollapseAll() => _vm?.Tree.CollapseAll();

    private void OnQueryChanged(string? query)
    {
        if (string.Equals(query, _query, StringComparison.Ordinal)) return;
        ApplyQuery(query);
        NavigateToState(replace: true);
    }

    private void OnNextMatch(bool backwards) => GoToMatch(backwards ? -1 : 1);

    /// <summary>Selects the next (or previous) matching step after the selection, wrapping around; false when there is none.</summary>
    private bool GoToMatch(int direction)
    {
        if (_vm?.Tree.Filter is not { MatchedSteps.Count: > 0 } filter) return false;
        var target = Neighbour(filter.MatchedSteps, _selectedStep, direction, wrap: true);
        if (target is null) return false;
        SelectStep(target.Value, null, scrollTree: true);
        return true;
    }

    /// <summary>Keyboard shortcuts, sent by the page's script when the focus is not in a text box.</summary>
    [JSInvokable]
    public async Task OnKeyAsync(string key)
    {
        if (_vm is null) return;
        switch (key)
        {
            case "j":
            case "k":
                {
                    var steps = _vm.Tree.Filter?.MatchedSteps ?? _vm.StepIds;
                    if (Neighbour(steps, _selectedStep, key == "j" ? 1 : -1, wrap: false) is { } next) SelectStep(next, null, scrollTree: true);
                    break;
                }
            case "Enter":
                if (SelectedStageId is { } stage) _vm.Tree.Toggle(StepTreeModel.StageKey(stage));
                break;
            case "/":
                if (_searchBox is not null) await _searchBox.FocusAsync();
                break;
            case "e":
            case "n":
            case "p":
                if (_vm.ErrorSteps.Count == 0)
                {
                    Snackbar.Add("No step in this run has an error signal.", Severity.Info);
                }
                else if (Neighbour(_vm.ErrorSteps, _selectedStep, key == "p" ? -1 : 1, wrap: true) is { } error)
                {
                    SelectStep(error, null, scrollTree: true);
                }
                break;
            case "o":
                if (_diagnosis?.OnsetStep is { } onset && _vm.GetStep(onset) is not null)
                {
                    SelectStep(onset, null, scrollTree: true);
                }
                else
                {
                    Snackbar.Add(_diagnosis is null ? "No diagnosis is shown for this run." : "The diagnosis names no onset step in this run.", Severity.Info);
                }
                break;
            case "?":
                _showHelp = true;
                break;
            case "Escape":
                _showHelp = false;
                break;
            default:
                return;
        }
        StateHasChanged();
    }

    private async Task CopyLinkAsync()
    {
        // The link names the diagnosis shown (when it is stored), so the reader sees the same one.
        var url = Navigation.ToAbsoluteUri(RunUrls.Run(RunId, _selectedStep, _selectedCall, _query, _tab, _diagnosis?.Id ?? _diagnosisInUrl)).ToString();
        var copied = false;
        if (_module is not null)
        {
            try
            {
                copied = await _module.InvokeAsync<bool>("copyText", url);
            }
            catch (JSException ex)
            {
                Logger.LogWarning(ex, "Copying the link failed");
            }
        }
        if (copied) Snackbar.Add("Link to this step copied", Severity.Success);
        else Snackbar.Add("Could not copy: the link is in the address bar", Severity.Warning);
    }

    private string CurrentStateUrl() => RunUrls.Run(RunId, _selectedStep, _selectedCall, _query, _tab, _diagnosisInUrl);

    /// <summary>This page as it is, showing another of the run's diagnoses: a plain link, so it can be shared too.</summary>
    private string DiagnosisUrl(string diagnosisId) => RunUrls.Run(RunId, _selectedStep, _selectedCall, _query, _tab, diagnosisId);

    private void NavigateToState(bool replace)
    {
        var url = CurrentStateUrl();
        if (string.Equals(url, CurrentRelativeUrl(), StringComparison.Ordinal)) return;
        _pendingNavigations.Enqueue(url);
        Navigation.NavigateTo(url, new NavigationOptions { ReplaceHistoryEntry = replace });
    }

    private string CurrentRelativeUrl() => "/" + Navigation.ToBaseRelativePath(Navigation.Uri);

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            try
            {
                _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/run-page.js");
                if (_module is not null)
                {
                    _self = DotNetObjectReference.Create(this);
                    _keysListenerId = await _module.InvokeAsync<int>("registerKeys", _self);
                }
            }
            catch (JSDisconnectedException)
            {
                return;
            }
            catch (JSException ex)
            {
                Logger.LogWarning(ex, "The run page script could not be loaded; keyboard shortcuts and scrolling to the selection are off");
            }
        }
        if (_module is null || _vm is null) return;

        try
        {
            if (_scrollTreePending && _tree is not null)
            {
                _scrollTreePending = false;
                var row = _selectedStep is { } step ? _vm.Tree.RowFor(step, _selectedCall) : null;
                var index = _vm.Tree.VisibleIndexOf(row);
                if (index < 0 && row is not null) index = _vm.Tree.VisibleIndexOf(_vm.Tree.RowFor(row.StepId, null));
                if (index >= 0) await _module.InvokeVoidAsync("scrollTreeToIndex", _tree.Container, index, StepTree.RowHeight);
            }
            if (_scrollDiagnosisPending)
            {
                _scrollDiagnosisPending = false;
                await _module.InvokeVoidAsync("scrollToTop", _diagnosisSection);
            }
            if (_scrollDetailPending && _tab == RunUrls.TreeTab)
            {
                _scrollDetailPending = false;
                if (_selectedCall is { } call) await _module.InvokeVoidAsync("scrollIntoView", "#ct-call-" + call.ToString(CultureInfo.InvariantCulture));
                else await _module.InvokeVoidAsync("scrollToTop", _detailPane);
            }
        }
        catch (JSDisconnectedException)
        {
        }
        catch (JSException ex)
        {
            Logger.LogDebug(ex, "Scrolling to the selection failed");
        }
    }

    /// <summary>The next id after <paramref name="current"/> in a sorted list (or the first/last when nothing is selected).</summary>
    internal static int? Neighbour(IReadOnlyList<int> sorted, int? current, int direction, bool wrap)
    {
        if (sorted.Count == 0) return null;
        if (current is not { } value) return direction > 0 ? sorted[0] : sorted[^1];
        var index = IndexOf(sorted, value);
        int next;
        if (index >= 0)
        {
            next = index + direction;
        }
        else
        {
            var insertion = ~BinarySearch(sorted, value);
            next = direction > 0 ? insertion : insertion - 1;
        }
        if (next >= 0 && next < sorted.Count) return sorted[next];
        if (!wrap) return null;
        return direction > 0 ? sorted[0] : sorted[^1];
    }

    private static int IndexOf(IReadOnlyList<int> sorted, int value)
    {
        var index = BinarySearch(sorted, value);
        return index >= 0 ? index : -1;
    }

    private static int BinarySearch(IReadOnlyList<int> sorted, int value)
    {
        int lo = 0, hi = sorted.Count - 1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) / 2);
            if (sorted[mid] == value) return mid;
            if (sorted[mid] < value) lo = mid + 1;
            else hi = mid - 1;
        }
        return ~lo;
    }

    private static int? ParseIndex(string? text, int min) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min ? value : null;

    public async ValueTask DisposeAsync()
    {
        // The runner lives as long as the circuit; a diagnosis started here stops when the page goes.
        Runner.Cancel();
        await _disposed.CancelAsync();
        _disposed.Dispose();
        if (_module is not null)
        {
            try
            {
                if (_keysListenerId is { } id) await _module.InvokeVoidAsync("unregisterKeys", id);
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The circuit is gone and the page's listener with it.
            }
        }
        _self?.Dispose();
    }
}
