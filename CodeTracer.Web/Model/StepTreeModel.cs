namespace CodeTracer.Web.Model;

/// <summary>
/// The tree's rows and which of them show: expand/collapse state is kept by row key apart from the rows, and a
/// search filter keeps matching steps with their stage (the path to the match). <see cref="VisibleRows"/> is what
/// the virtualized list renders; it is rebuilt in one pass whenever the state changes.
/// </summary>
public sealed class StepTreeModel
{
    private readonly IReadOnlyList<TreeRow> _rows;
    private readonly HashSet<string> _collapsed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TreeRow> _byKey;
    private readonly Dictionary<int, TreeRow> _stepRows = [];
    private readonly Dictionary<int, TreeRow> _stageRows = [];
    private readonly int[] _visibleIndex;
    private RunSearchResult? _filter;

    public StepTreeModel(IReadOnlyList<TreeRow> rows)
    {
        _rows = rows;
        _byKey = new Dictionary<string, TreeRow>(rows.Count, StringComparer.Ordinal);
        foreach (var row in rows)
        {
            _byKey[row.Key] = row;
            if (row.Kind == TreeRowKind.Step) _stepRows[row.StepId] = row;
            else if (row.Kind == TreeRowKind.Stage) _stageRows[row.StageId] = row;
        }
        _visibleIndex = new int[rows.Count];
        Rebuild();
    }

    public IReadOnlyList<TreeRow> AllRows => _rows;

    /// <summary>The rows to render, in order. A new list after every change.</summary>
    public IReadOnlyList<TreeRow> VisibleRows { get; private set; } = [];

    public RunSearchResult? Filter => _filter;

    public static string StageKey(int stageId) => "s" + stageId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static string StepKey(int stepId) => "p" + stepId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public bool IsExpanded(TreeRow row) => row.HasChildren && !_collapsed.Contains(row.Key);

    public bool IsStageExpanded(int stageId) => !_collapsed.Contains(StageKey(stageId));

    public void Toggle(string key)
    {
        if (!_byKey.TryGetValue(key, out var row) || !row.HasChildren) return;
        if (!_collapsed.Remove(key)) _collapsed.Add(key);
        Rebuild();
    }

    public void SetExpanded(string key, bool expanded)
    {
        var changed = expanded ? _collapsed.Remove(key) : _byKey.ContainsKey(key) && _collapsed.Add(key);
        if (changed) Rebuild();
    }

    /// <summary>Expands every stage and every multi-call step.</summary>
    public void ExpandAll()
    {
        if (_collapsed.Count == 0) return;
        _collapsed.Clear();
        Rebuild();
    }

    /// <summary>Collapses every stage, leaving the stage rows themselves (the top level) in view.</summary>
    public void CollapseAll()
    {
        foreach (var row in _rows)
        {
            if (row.HasChildren) _collapsed.Add(row.Key);
        }
        Rebuild();
    }

    public void SetFilter(RunSearchResult? filter)
    {
        if (ReferenceEquals(filter, _filter)) return;
        _filter = filter;
        Rebuild();
    }

    /// <summary>Expands what hides a step (its stage, and the step itself when a call of it is wanted).</summary>
    public void Reveal(int stepId, int? callIndex)
    {
        if (!_stepRows.TryGetValue(stepId, out var step)) return;
        var changed = _collapsed.Remove(StageKey(step.StageId));
        if (callIndex is not null && step.ChildCount > 1) changed |= _collapsed.Remove(step.Key);
        if (changed) Rebuild();
    }

    /// <summary>The row standing for a selection: a call row, or the step row (also for a step's only call).</summary>
    public TreeRow? RowFor(int stepId, int? callIndex)
    {
        if (!_stepRows.TryGetValue(stepId, out var step)) return null;
        if (callIndex is { } k && step.ChildCount > 1 && _byKey.TryGetValue(CallKey(stepId, k), out var call)) return call;
        return step;
    }

    public TreeRow? StageRow(int stageId) => _stageRows.GetValueOrDefault(stageId);

    /// <summary>Index of the row in <see cref="VisibleRows"/>, or -1 when it is hidden.</summary>
    public int VisibleIndexOf(TreeRow? row) => row is null ? -1 : _visibleIndex[row.Ordinal];

    public static string CallKey(int stepId, int callIndex) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"c{stepId}.{callIndex}");

    private void Rebuild()
    {
        Array.Fill(_visibleIndex, -1);
        var visible = new List<TreeRow>(_filter is null ? _rows.Count : Math.Min(_rows.Count, (_filter.MatchedSteps.Count * 2) + 64));
        var skipDeeperThan = int.MaxValue;
        var stepTextMatched = false;
        foreach (var row in _rows)
        {
            if (row.Depth > skipDeeperThan) continue;
            skipDeeperThan = int.MaxValue;

            switch (row.Kind)
            {
                case TreeRowKind.Stage:
                    if (_filter is not null && !_filter.StageHasMatch(row.StageId))
                    {
                        skipDeeperThan = row.Depth;
                        continue;
                    }
                    break;
                case TreeRowKind.Step:
                    if (_filter is not null && !_filter.StepMatches(row.StepId))
                    {
                        skipDeeperThan = row.Depth;
                        continue;
                    }
                    stepTextMatched = _filter is null || _filter.StepTextMatches(row.StepId);
                    break;
                case TreeRowKind.Call:
                    if (_filter is not null && !stepTextMatched && !_filter.CallMatches(row.StepId, row.CallIndex)) continue;
                    break;
            }

            _visibleIndex[row.Ordinal] = visible.Count;
            visible.Add(row);
            if (row.HasChildren && _collapsed.Contains(row.Key)) skipDeeperThan = row.Depth;
        }
        VisibleRows = visible;
    }
}
