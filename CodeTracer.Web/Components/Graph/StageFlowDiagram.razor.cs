using Blazor.Diagrams;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.PathGenerators;
using Blazor.Diagrams.Core.Routers;
using Blazor.Diagrams.Options;
using CodeTracer.Web.Model;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Graph;

/// <summary>
/// Stages as a flow of nodes, in order, laid out in rows that fit the container width (alternating direction so each
/// link stays short); clicking a node selects its stage. Blazor.Diagrams has no auto-layout, so positions are set here.
/// </summary>
public sealed partial class StageFlowDiagram : IDisposable
{
    private const double GapX = 46;
    private const double GapY = 38;
    private const double Margin = 16;
    private const double DefaultWidth = 720;

    private readonly BlazorDiagram _diagram;
    private readonly List<StageNodeModel> _nodes = [];
    private readonly List<LinkModel> _links = [];
    private DiagnosisViewModel? _markedFor;
    private IReadOnlyList<StageViewModel>? _builtFor;
    private double _layoutWidth = DefaultWidth;
    private double _height = 120;
    private int? _currentStage;

    public StageFlowDiagram()
    {
        var options = new BlazorDiagramOptions
        {
            AllowMultiSelection = false,
            AllowPanning = false,
        };
        options.Zoom.Enabled = false;
        options.Links.DefaultRouter = new NormalRouter();
        options.Links.DefaultPathGenerator = new StraightPathGenerator();
        _diagram = new BlazorDiagram(options);
        _diagram.RegisterComponent<StageNodeModel, StageNodeWidget>();
        _diagram.ContainerChanged += OnContainerChanged;
    }

    [Parameter, EditorRequired] public IReadOnlyList<StageViewModel> Stages { get; set; } = [];

    /// <summary>The stage holding the selected step.</summary>
    [Parameter] public int? SelectedStage { get; set; }

    /// <summary>The diagnosis shown on the page: its onset stage node is flagged and the links along its error chain highlighted.</summary>
    [Parameter] public DiagnosisViewModel? Diagnosis { get; set; }

    [Parameter] public EventCallback<int> OnSelectStage { get; set; }

    /// <summary>The link colour and width along the error chain.</summary>
    internal const string ChainLinkColor = "#e53935";

    internal const double ChainLinkWidth = 4;

    /// <summary>The diagram model, for tests and for highlighting links later.</summary>
    internal BlazorDiagram Diagram => _diagram;

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Stages, _builtFor))
        {
            Build();
            _currentStage = null;
            _markedFor = null;
        }
        if (!ReferenceEquals(_markedFor, Diagnosis))
        {
            Mark();
        }
        foreach (var node in _nodes) node.Select = OnSelectStage;
        if (_currentStage != SelectedStage)
        {
            foreach (var node in _nodes)
            {
                var current = node.Stage.Id == SelectedStage;
                if (node.IsCurrent == current) continue;
                node.IsCurrent = current;
                node.Refresh();
            }
            _currentStage = SelectedStage;
        }
    }

    private void Build()
    {
        _builtFor = Stages;
        _diagram.Batch(() =>
        {
            _diagram.Links.Clear();
            _diagram.Nodes.Clear();
            _nodes.Clear();
            _links.Clear();
            foreach (var stage in Stages)
            {
                var node = new StageNodeModel(stage, OnSelectStage);
                _nodes.Add(node);
                _diagram.Nodes.Add(node);
            }
            for (var i = 1; i < _nodes.Count; i++)
            {
                var link = new LinkModel(_nodes[i - 1], _nodes[i]) { TargetMarker = LinkMarker.Arrow };
                _links.Add(link);
                _diagram.Links.Add(link);
            }
            Layout();
        });
    }

    /// <summary>Marks the diagnosis: node marks from the precomputed stage marks, chain links coloured and widened.</summary>
    private void Mark()
    {
        _markedFor = Diagnosis;
        foreach (var node in _nodes)
        {
            var mark = Diagnosis?.StageMarkOf(node.Stage.Id);
            if (Equals(node.Mark, mark)) continue;
            node.Mark = mark;
            node.Refresh();
        }
        for (var i = 0; i < _links.Count; i++)
        {
            var link = _links[i];
            var chain = Diagnosis?.IsChainLink(_nodes[i].Stage.Id, _nodes[i + 1].Stage.Id) == true;
            var color = chain ? ChainLinkColor : null;
            var width = chain ? ChainLinkWidth : 2;
            if (link.Color == color && Math.Abs(link.Width - width) < 0.01) continue;
            link.Color = color;
            link.Width = width;
            link.Refresh();
        }
    }

    /// <summary>Rows of as many nodes as fit, left to right then right to left, so consecutive stages stay adjacent.</summary>
    private void Layout()
    {
        var perRow = Math.Max(1, (int)((_layoutWidth - (2 * Margin) + GapX) / (StageNodeModel.NodeWidth + GapX)));
        for (var i = 0; i < _nodes.Count; i++)
        {
            var row = i / perRow;
            var column = i % perRow;
            if (row % 2 == 1) column = perRow - 1 - column;
            _nodes[i].SetPosition(Margin + (column * (StageNodeModel.NodeWidth + GapX)), Margin + (row * (StageNodeModel.NodeHeight + GapY)));
        }
        var rows = Math.Max(1, (_nodes.Count + perRow - 1) / perRow);
        _height = (2 * Margin) + (rows * StageNodeModel.NodeHeight) + ((rows - 1) * GapY);
    }

    private void OnContainerChanged()
    {
        var width = _diagram.Container?.Width ?? 0;
        if (width <= 0 || Math.Abs(width - _layoutWidth) < 1) return;
        _layoutWidth = width;
        _diagram.Batch(Layout);
        _ = InvokeAsync(StateHasChanged);
    }

    public void Dispose() => _diagram.ContainerChanged -= OnContainerChanged;
}
