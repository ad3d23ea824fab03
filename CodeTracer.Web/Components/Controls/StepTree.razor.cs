using CodeTracer.Web.Model;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// The stage → step → tool-call tree as a virtualized flat list: only the rows in view (plus overscan) are in the DOM,
/// so a 2,000-step run renders as fast as a 20-step one. Rows come precomputed from <see cref="StepTreeModel"/>.
/// </summary>
public sealed partial class StepTree
{
    /// <summary>Fixed row height in pixels; the virtualizer and the scroll-to-row script both rely on it.</summary>
    public const int RowHeight = 28;

    private string? _selectedKey;

    [Parameter, EditorRequired] public StepTreeModel Model { get; set; } = null!;

    [Parameter] public int? SelectedStep { get; set; }

    [Parameter] public int? SelectedCall { get; set; }

    /// <summary>The stage holding the selected step (its row is marked current).</summary>
    [Parameter] public int? SelectedStage { get; set; }

    /// <summary>The diagnosis shown on the page: its onset and error-chain steps are marked.</summary>
    [Parameter] public DiagnosisViewModel? Diagnosis { get; set; }

    [Parameter] public EventCallback<TreeRow> OnSelect { get; set; }

    /// <summary>Raised after a row was expanded or collapsed with its toggle.</summary>
    [Parameter] public EventCallback<TreeRow> OnToggled { get; set; }

    [Parameter] public int OverscanCount { get; set; } = 20;

    [Parameter] public int MaxItemCount { get; set; } = 300;

    /// <summary>The scrolling element, for scrolling a row into view.</summary>
    public ElementReference Container { get; private set; }

    /// <summary>Rows rendered before the page is interactive.</summary>
    public const int PrerenderRows = 60;

    /// <summary>The rows around the selection (or the first rows) for the non-interactive render.</summary>
    private IEnumerable<TreeRow> PrerenderWindow()
    {
        var rows = Model.VisibleRows;
        var selected = SelectedStep is { } step ? Model.VisibleIndexOf(Model.RowFor(step, null)) : -1;
        var start = Math.Clamp(selected - 10, 0, Math.Max(0, rows.Count - PrerenderRows));
        for (var i = start; i < Math.Min(rows.Count, start + PrerenderRows); i++) yield return rows[i];
    }

    private string? SelectedRowKey()
    {
        if (SelectedStep is not { } step) return null;
        var row = Model.RowFor(step, SelectedCall);
        // A call row hidden under its collapsed step is represented by the step row.
        if (row is { Kind: TreeRowKind.Call } && Model.VisibleIndexOf(row) < 0) row = Model.RowFor(step, null);
        return row?.Key;
    }

    private async Task ToggleAsync(TreeRow row)
    {
        Model.Toggle(row.Key);
        await OnToggled.InvokeAsync(row);
    }

    private static string RowClass(TreeRow row, ChainMark? mark, StageMark? stageMark)
    {
        var kind = row.Kind switch
        {
            TreeRowKind.Stage => "ct-stage-row",
            TreeRowKind.Call => "ct-call-row",
            _ => row.IsMergedCall ? "ct-step-row ct-call-row" : "ct-step-row",
        };
        var css = $"ct-row {kind} ct-kind-{row.KindName}";
        if (row.HasError) css += " ct-has-error";
        if (row.IsMarker) css += " ct-marker";
        if (mark is not null) css += " " + mark.CssClass;
        if (stageMark is not null) css += " " + stageMark.CssClass;
        return css;
    }
}
