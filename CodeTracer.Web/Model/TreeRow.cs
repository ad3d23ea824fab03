using CodeTracer.Core.Model;

namespace CodeTracer.Web.Model;

public enum TreeRowKind
{
    Stage,
    Step,
    Call,
}

/// <summary>A signal shown as a small badge: short text, a tooltip with the evidence, and whether it counts as an error.</summary>
public sealed record SignalBadge(string Text, string Tooltip, string CssClass, bool IsError);

/// <summary>
/// One row of the stage → step → tool-call tree, flattened in pre-order with everything the markup needs already
/// computed (depth, label, icon, badges). Rows are immutable; which rows show is the <see cref="StepTreeModel"/>'s job.
/// </summary>
public sealed class TreeRow
{
    /// <summary>Position in the full pre-order list.</summary>
    public required int Ordinal { get; init; }

    public required TreeRowKind Kind { get; init; }

    /// <summary>Stable id: <c>s3</c> for stage 3, <c>p12</c> for step 12, <c>c12.1</c> for its second call.</summary>
    public required string Key { get; init; }

    public required int StageId { get; init; }

    /// <summary>The step id, 0 for stage rows.</summary>
    public int StepId { get; init; }

    /// <summary>The tool call index for call rows, 0 for a step row that stands for its only call, -1 otherwise.</summary>
    public int CallIndex { get; init; } = -1;

    /// <summary>0 for stages, 1 for steps, 2 for calls.</summary>
    public required int Depth { get; init; }

    public required string Label { get; init; }

    /// <summary>Secondary text on the right: the step range of a stage, the tool of a step or call.</summary>
    public string? Meta { get; init; }

    /// <summary>Lower-case kind name (<c>edit</c>, <c>read</c>, <c>verify</c> ...) for CSS and the icon.</summary>
    public required string KindName { get; init; }

    public required string Icon { get; init; }

    public StepEffect? Effect { get; init; }

    public IReadOnlyList<SignalBadge> Badges { get; init; } = [];

    public bool HasError { get; init; }

    /// <summary>Stages: their step count; steps with several calls: their call count; otherwise 0.</summary>
    public int ChildCount { get; init; }

    public bool HasChildren => ChildCount > 0;

    public bool IsMarker { get; init; }

    /// <summary>A step with exactly one tool call is one row for both; it answers to the call's selector too.</summary>
    public bool IsMergedCall => Kind == TreeRowKind.Step && CallIndex == 0;
}
