using CodeTracer.Core.Model;
using CodeTracer.Core.Rendering;

namespace CodeTracer.Core.Tree;

/// <summary>
/// Builds CodeTracer's change/explore state tree: a change step opens a new state under the step before it; an
/// explore step hangs under the current state (the latest change step, or the root before any change). Flat parent
/// list with depths and one-line labels.
/// </summary>
public sealed class StateTreeBuilder
{
    private readonly TreeOptions _options;

    public StateTreeBuilder(TreeOptions options)
    {
        _options = options;
    }

    /// <summary>Fills <see cref="Run.StateTree"/> from the steps' effects (classify first).</summary>
    public void Build(Run run) => Build(run, null);

    internal void Build(Run run, CallFacts[][]? facts)
    {
        var tree = new StateTree();
        var depthOf = new Dictionary<int, int> { [0] = 0 };
        var previousStep = 0;
        var currentState = 0;
        foreach (var step in run.Steps)
        {
            var change = step.Effect == StepEffect.Change && !step.IsMarker;
            var parent = change ? previousStep : currentState;
            var depth = depthOf[parent] + 1;
            depthOf[step.Id] = depth;
            tree.Nodes.Add(new StateTreeNode
            {
                StepId = step.Id,
                ParentStepId = parent,
                Effect = change ? StepEffect.Change : StepEffect.Explore,
                Label = Label(step, facts?[step.Id - 1]),
                Depth = depth,
            });
            if (change) currentState = step.Id;
            previousStep = step.Id;
        }
        run.StateTree = tree;
    }

    /// <summary>The first non-empty line of the first action (or of the thought, for a turn without tools), shortened.</summary>
    internal string Label(Step step, CallFacts[]? facts = null)
    {
        string? text = null;
        for (var c = 0; c < step.ToolCalls.Count; c++)
        {
            var call = step.ToolCalls[c];
            text = FirstLine(facts is not null && c < facts.Length && facts[c].Display is { } display ? display : call.Command);
            if (text is not null) break;
            if (call.FilesTouched.Count > 0)
            {
                text = call.Tool + " " + call.FilesTouched[0];
                break;
            }
        }
        if (text is null && step.ToolCalls.Count > 0) text = step.ToolCalls[0].Tool;
        text ??= FirstLine(step.Thought) ?? FirstLine(step.Reasoning) ?? (step.IsMarker ? "(marker)" : "(no action)");
        var max = _options.LabelChars;
        return text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "\u2026");
    }

    private string? FirstLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            // Only the start of a long line can show in a label: strip escapes from that much, not from all of it.
            var raw = text.AsSpan()[range];
            var line = Ansi.Strip(raw.Length <= _options.LabelChars * 4 ? raw : raw[..(_options.LabelChars * 4)]).Trim();
            if (line.Length > 0) return line;
        }
        return null;
    }
}
