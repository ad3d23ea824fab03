using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Configuration;
using CodeTracer.Web.Utils;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor;

namespace CodeTracer.Web.Components.Pages;

/// <summary>
/// The runs list: a server-paged grid over <see cref="IRunStore.QueryRunsAsync"/>. The URL query is the source of
/// truth for the view (filters, search, sort, page): controls navigate to a new URL, and a URL that differs from the
/// shown view rebuilds the grid, so links, reloads and back/forward all show the same runs.
/// </summary>
public sealed partial class Runs : IAsyncDisposable
{
    private static readonly OutcomeStatus[] s_outcomes = [OutcomeStatus.Resolved, OutcomeStatus.Unresolved, OutcomeStatus.Unknown];
    private static readonly int[] s_pageSizes = [25, 50, 100];

    // Grid columns (property names) to the URL's sort names.
    private static readonly Dictionary<string, string> s_sortNames = new(StringComparer.Ordinal)
    {
        [nameof(RunSummary.TaskTitle)] = "task",
        [nameof(RunSummary.Framework)] = "framework",
        [nameof(RunSummary.Model)] = "model",
        [nameof(RunSummary.Outcome)] = "outcome",
        [nameof(RunSummary.StepCount)] = "steps",
        [nameof(RunSummary.TotalTokens)] = "tokens",
        [nameof(RunSummary.CostUsd)] = "cost",
        [nameof(RunSummary.DurationSeconds)] = "duration",
        [nameof(RunSummary.ImportedAtUtc)] = "imported",
    };

    private RunListFilter _filter = new();
    private bool _hasFilter;
    private RunFacets? _facets;
    private int _total;
    // False until the grid's first load finishes: the prerendered page (the grid loads only once interactive) and the
    // first moments of the circuit must say "loading", never "0 runs".
    private bool _loaded;
    private int _initialPage;
    private int _gridGeneration;
    private string? _searchText;
    private string? _taskText;
    private string? _loadError;
    private MudDataGrid<RunSummary>? _grid;
    private ElementReference _gridHost;
    private IJSObjectReference? _rowsModule;
    private IJSObjectReference? _rowsObserver;

    [Inject]
    public required IRunStore Store { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required IOptions<WebOptions> WebOptions { get; init; }

    [Inject]
    public required ILogger<Runs> Logger { get; init; }

    [SupplyParameterFromQuery(Name = "framework")]
    public string? FrameworkQuery { get; set; }

    [SupplyParameterFromQuery(Name = "model")]
    public string? ModelQuery { get; set; }

    [SupplyParameterFromQuery(Name = "outcome")]
    public string? OutcomeQuery { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? TextQuery { get; set; }

    [SupplyParameterFromQuery(Name = "task")]
    public string? TaskQuery { get; set; }

    [SupplyParameterFromQuery(Name = "minSteps")]
    public int? MinStepsQuery { get; set; }

    [SupplyParameterFromQuery(Name = "maxSteps")]
    public int? MaxStepsQuery { get; set; }

    [SupplyParameterFromQuery(Name = "diagnosed")]
    public string? DiagnosedQuery { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? SortQuery { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public int? PageQuery { get; set; }

    private WebOptions Options => WebOptions.Value;

    /// <summary>The view currently shown (for tests).</summary>
    internal RunListFilter Filter => _filter;

    protected override async Task OnInitializedAsync()
    {
        try
        {
            _facets = await Store.GetFacetsAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogError(ex, "Loading the runs page filters failed");
            _loadError = "The run database could not be read: " + ex.Message;
        }
    }

    protected override void OnParametersSet()
    {
        var fromUrl = RunListFilter.FromQuery(FrameworkQuery, ModelQuery, OutcomeQuery, TextQuery, TaskQuery, MinStepsQuery, MaxStepsQuery, SortQuery, PageQuery, DiagnosedQuery);
        if (_hasFilter && fromUrl == _filter) return;
        _hasFilter = true;
        _filter = fromUrl;
        _searchText = fromUrl.Text;
        _taskText = fromUrl.Task;
        _initialPage = fromUrl.Page - 1;
        // A new key makes Blazor build a fresh grid that starts from the URL's page and sort and loads at once.
        _gridGeneration++;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!RendererInfo.IsInteractive || _rowsObserver is not null || _facets is null or { TotalRuns: 0 }) return;
        try
        {
            _rowsModule ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/runs-grid.js");
            _rowsObserver = await _rowsModule.InvokeAsync<IJSObjectReference>("observeRows", _gridHost);
        }
        catch (JSDisconnectedException)
        {
            // The page is going away.
        }
    }

    private async Task<GridData<RunSummary>> LoadServerDataAsync(GridState<RunSummary> state, CancellationToken cancellationToken)
    {
        // A load started by a grid that has since been replaced (the filters changed meanwhile) must not write its
        // older view back into the URL when it finishes.
        var generation = _gridGeneration;
        var shown = _filter with { Page = state.Page + 1, Sort = SortFromGrid(state) };
        PagedResult<RunSummary> result;
        try
        {
            result = await Store.QueryRunsAsync(shown.ToQuery(state.PageSize), cancellationToken);
            if (result.Items.Count == 0 && result.TotalCount > 0 && shown.Page > 1)
            {
                // A link to a page past the end (runs were deleted since): show the first page instead of nothing.
                shown = shown with { Page = 1 };
                result = await Store.QueryRunsAsync(shown.ToQuery(state.PageSize), cancellationToken);
            }
            _loadError = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogError(ex, "Querying runs failed");
            _loadError = "The runs could not be loaded: " + ex.Message;
            _loaded = true;
            StateHasChanged();
            return new GridData<RunSummary> { Items = [], TotalItems = 0 };
        }

        if (generation != _gridGeneration) return new GridData<RunSummary> { Items = [], TotalItems = 0 };
        _total = result.TotalCount;
        _loaded = true;
        if (shown != _filter)
        {
            // Paging and sorting happen inside the grid; record them in the URL without rebuilding the grid.
            _filter = shown;
            Navigation.NavigateTo(RunUrls.Runs(shown), replace: true);
        }
        StateHasChanged();
        return new GridData<RunSummary> { Items = result.Items, TotalItems = result.TotalCount };
    }

    private static string? SortFromGrid(GridState<RunSummary> state)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        if (sort is null || !s_sortNames.TryGetValue(sort.SortBy, out var name)) return null;
        return sort.Descending ? "-" + name : name;
    }

    private SortDirection InitialSort(string propertyName)
    {
        if (_filter.Sort is not { } sort || !s_sortNames.TryGetValue(propertyName, out var name)) return SortDirection.None;
        if (string.Equals(sort, name, StringComparison.OrdinalIgnoreCase)) return SortDirection.Ascending;
        if (string.Equals(sort, "-" + name, StringComparison.OrdinalIgnoreCase)) return SortDirection.Descending;
        return SortDirection.None;
    }

    private void Show(RunListFilter filter) => Navigation.NavigateTo(RunUrls.Runs(filter with { Page = 1 }), replace: true);

    private void OnSearchChanged(string? value) => _searchText = value;

    // Debounced: runs once typing pauses (and at once when the box is cleared).
    private void OnSearchDebounced(string? value) => Show(_filter with { Text = RunListFilter.Clean(value) });

    private void OnTaskChanged(string? value) => _taskText = value;

    private void OnTaskDebounced(string? value) => Show(_filter with { Task = RunListFilter.Clean(value) });

    private void OnFrameworkChanged(string? value) => Show(_filter with { Framework = RunListFilter.Clean(value) });

    private void OnModelChanged(string? value) => Show(_filter with { Model = RunListFilter.Clean(value) });

    private void OnOutcomeChanged(string? value) => Show(_filter with { Outcome = RunUrls.ParseOutcome(value) });

    private void OnMinStepsChanged(int? value) => Show(_filter with { MinSteps = value is >= 0 ? value : null });

    private void OnMaxStepsChanged(int? value) => Show(_filter with { MaxSteps = value is >= 0 ? value : null });

    private void OnDiagnosedChanged(string? value) => Show(_filter with { Diagnosed = RunUrls.ParseDiagnosed(value) });

    private void ClearFilters() => Show(new RunListFilter { Sort = _filter.Sort });

    private void OnRowClick(DataGridRowClickEventArgs<RunSummary> args) => Navigation.NavigateTo(RunUrls.Run(args.Item.Id));

    private static string RowClass(RunSummary run, int index) =>
        "ct-run-row ct-outcome-" + RunUrls.OutcomeName(run.Outcome);

    private static Color OutcomeColor(OutcomeStatus outcome) => outcome switch
    {
        OutcomeStatus.Resolved => Color.Success,
        OutcomeStatus.Unresolved => Color.Error,
        _ => Color.Default,
    };

    private static string SubLine(RunSummary run)
    {
        var parts = new List<string> { run.Format };
        if (run.TaskId is { } id && !string.Equals(id, run.TaskTitle, StringComparison.Ordinal)) parts.Insert(0, id);
        if (run.ExitStatus is { } exit) parts.Add("exit: " + exit);
        if (run.ErrorSignalCount > 0) parts.Add($"{run.ErrorSignalCount} error signal{(run.ErrorSignalCount == 1 ? "" : "s")}");
        if (run.WarningCount > 0) parts.Add($"{run.WarningCount} warning{(run.WarningCount == 1 ? "" : "s")}");
        return Display.Plain(string.Join(" · ", parts));
    }

    private string CountText() => !_loaded ? "Loading runs…" : _total == 1 ? "1 run" : $"{_total:N0} runs";

    private int OutcomeCount(OutcomeStatus outcome) => _facets?.Outcomes.GetValueOrDefault(outcome) ?? 0;

    /// <summary>Facet values by count, keeping the selected value listed even when it has no run.</summary>
    private static IEnumerable<(string Name, int Count)> FacetItems(Dictionary<string, int>? counts, string? selected)
    {
        var items = (counts ?? []).Where(kv => !string.IsNullOrEmpty(kv.Key))
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, kv.Value)).ToList();
        if (selected is not null && items.All(i => i.Key != selected)) items.Add((selected, 0));
        return items;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_rowsObserver is not null)
            {
                await _rowsObserver.InvokeVoidAsync("dispose");
                await _rowsObserver.DisposeAsync();
            }
            if (_rowsModule is not null) await _rowsModule.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; so is the observer.
        }
    }
}
