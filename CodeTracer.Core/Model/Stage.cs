namespace CodeTracer.Core.Model;

public enum StageKind
{
    Other = 0,
    Setup,
    Explore,
    Reproduce,
    Edit,
    Verify,
    Submit,
}

/// <summary>A contiguous range of steps that pursues one sub-goal.</summary>
public sealed class Stage
{
    /// <summary>1-based, in order.</summary>
    public int Id { get; set; }

    public StageKind Kind { get; set; }

    /// <summary>Short title made from what the steps did ("Edit src/parser.py", "Run tests: 3 failed").</summary>
    public string Title { get; set; } = "";

    public int FirstStep { get; set; }

    /// <summary>Inclusive.</summary>
    public int LastStep { get; set; }

    /// <summary>True when the range came with the run (CodeTracer <c>stage_ranges.json</c>) rather than from segmentation.</summary>
    public bool FromSource { get; set; }

    public int StepCount => LastStep - FirstStep + 1;

    public bool Contains(int stepId) => stepId >= FirstStep && stepId <= LastStep;
}

/// <summary>
/// CodeTracer's change/explore state tree: a change step opens a new state under the previous step;
/// explore steps hang under the current state. Stored as a flat parent list (step id to parent step id, 0 = root).
/// </summary>
public sealed class StateTree
{
    public List<StateTreeNode> Nodes { get; set; } = [];
}

public sealed class StateTreeNode
{
    public int StepId { get; set; }

    /// <summary>Parent step id, 0 for the root.</summary>
    public int ParentStepId { get; set; }

    public StepEffect Effect { get; set; }

    /// <summary>Short label (first line of the action).</summary>
    public string Label { get; set; } = "";

    public int Depth { get; set; }
}
