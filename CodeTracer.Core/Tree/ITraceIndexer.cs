using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>Derives structure from a freshly read run: step kinds and effects, signals, stages, the state tree.</summary>
public interface ITraceIndexer
{
    void Index(Run run);
}
