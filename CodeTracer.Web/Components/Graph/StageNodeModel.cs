using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using CodeTracer.Web.Model;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Graph;

/// <summary>A stage as a node of the stage-flow diagram. Nodes are locked: the layout places them, users do not drag them.</summary>
public sealed class StageNodeModel : NodeModel
{
    public const double NodeWidth = 190;
    public const double NodeHeight = 66;

    public StageNodeModel(StageViewModel stage, EventCallback<int> select) : base(new Point(0, 0))
    {
        Stage = stage;
        Select = select;
        Locked = true;
        Size = new Size(NodeWidth, NodeHeight);
        Title = stage.Title;
    }

    public StageViewModel Stage { get; }

    /// <summary>Called with the stage id when the node is clicked.</summary>
    public EventCallback<int> Select { get; set; }

    /// <summary>True when the selected step is in this stage.</summary>
    public bool IsCurrent { get; set; }

    /// <summary>How the shown diagnosis marks this stage (onset, error chain), or null.</summary>
    public StageMark? Mark { get; set; }
}
