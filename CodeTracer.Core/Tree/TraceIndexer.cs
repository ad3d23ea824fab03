using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Tree;

/// <summary>
/// Tree indexing for one freshly read run, in the order each part needs the one before: classify steps and tool
/// calls, detect signals, segment stages, build the state tree. Deterministic; no LLM.
/// </summary>
public sealed class TraceIndexer : ITraceIndexer
{
    private readonly StepClassifier _classifier;
    private readonly SignalDetector _signals;
    private readonly StageSegmenter _stages;
    private readonly StateTreeBuilder _tree;

    public TraceIndexer(IOptions<TreeOptions> options)
        : this(options.Value)
    {
    }

    public TraceIndexer(TreeOptions options)
    {
        _classifier = new StepClassifier(options);
        _signals = new SignalDetector(options);
        _stages = new StageSegmenter(options);
        _tree = new StateTreeBuilder(options);
    }

    public void Index(Run run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var facts = _classifier.ClassifyWithFacts(run);
        _signals.Detect(run, facts);
        _stages.Segment(run, facts);
        _tree.Build(run, facts);
    }
}
