using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import;

/// <summary>
/// Joins a verdict to a run from files that sit around its trajectory (batch <c>results.json</c>, <c>report.json</c>,
/// run summaries). Called after reading, in order, for runs whose outcome is still unknown.
/// </summary>
public interface IOutcomeResolver
{
    /// <summary>Sets <see cref="Run.Outcome"/> when a file around the run says something; leaves it alone otherwise.</summary>
    void Resolve(Run run, ImportContext context);
}
