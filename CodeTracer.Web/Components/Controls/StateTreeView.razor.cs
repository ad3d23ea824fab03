using CodeTracer.Core.Model;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// CodeTracer's change/explore state tree, drawn in pre-order from its parent links. A long run of changes nests
/// deeply, so indentation stops at <see cref="MaxIndent"/> and deeper levels show their depth instead.
/// </summary>
public sealed partial class StateTreeView
{
    private const int MaxIndent = 16;

    private List<StateRow> _rows = [];
    private StateTree? _builtFor;
    private int _changeCount;

    [Parameter] public StateTree? Tree { get; set; }

    [Parameter] public int? SelectedStep { get; set; }

    [Parameter] public EventCallback<int> OnSelect { get; set; }

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Tree, _builtFor)) return;
        _builtFor = Tree;
        _rows = Flatten(Tree);
        _changeCount = _rows.Count(r => r.Node.Effect == StepEffect.Change);
    }

    /// <summary>Pre-order from the root (parent 0); nodes whose parent is missing are treated as roots so none is lost.</summary>
    internal static List<StateRow> Flatten(StateTree? tree)
    {
        var rows = new List<StateRow>();
        if (tree is null || tree.Nodes.Count == 0) return rows;
        var known = tree.Nodes.Select(n => n.StepId).ToHashSet();
        var children = tree.Nodes
            .GroupBy(n => known.Contains(n.ParentStepId) && n.ParentStepId != n.StepId ? n.ParentStepId : 0)
            .ToDictionary(g => g.Key, g => g.OrderBy(n => n.StepId).ToList());
        var visited = new HashSet<int>();
        var stack = new Stack<(StateTreeNode Node, int Depth)>();
        if (children.TryGetValue(0, out var roots))
        {
            for (var i = roots.Count - 1; i >= 0; i--) stack.Push((roots[i], 0));
        }
        while (stack.Count > 0)
        {
            var (node, depth) = stack.Pop();
            if (!visited.Add(node.StepId)) continue;
            rows.Add(new StateRow(node, depth));
            if (!children.TryGetValue(node.StepId, out var kids)) continue;
            for (var i = kids.Count - 1; i >= 0; i--) stack.Push((kids[i], depth + 1));
        }
        // Cycles in a damaged tree would leave nodes unvisited; show them at the top level rather than drop them.
        foreach (var node in tree.Nodes.Where(n => !visited.Contains(n.StepId)).OrderBy(n => n.StepId))
        {
            if (visited.Add(node.StepId)) rows.Add(new StateRow(node, 0));
        }
        return rows;
    }

    internal sealed record StateRow(StateTreeNode Node, int Depth);
}
