using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Tests.Shared;

/// <summary>
/// A hand-written in-memory <see cref="IRunStore"/> for component tests: the same semantics as the LiteDB store
/// (upsert by run id, steps apart, diagnoses newest first), none of the file I/O.
/// </summary>
public sealed class InMemoryRunStore : IRunStore
{
    private readonly Dictionary<string, Run> _runs = new(StringComparer.Ordinal);
    private readonly List<RunDiagnosis> _diagnoses = [];
    private readonly Lock _gate = new();

    public Task<SaveSummary> SaveRunsAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken)
    {
        var summary = new SaveSummary();
        lock (_gate)
        {
            foreach (var run in runs)
            {
                if (_runs.ContainsKey(run.Id)) summary.Updated++; else summary.Inserted++;
                _runs[run.Id] = run;
                summary.Steps += run.Steps.Count;
            }
        }
        return Task.FromResult(summary);
    }

    public Task<Run?> GetRunAsync(string runId, bool includeSteps, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_runs.TryGetValue(runId, out var run)) return Task.FromResult<Run?>(null);
            if (includeSteps) return Task.FromResult<Run?>(run);
            var copy = ShallowCopyWithoutSteps(run);
            return Task.FromResult<Run?>(copy);
        }
    }

    public Task<IReadOnlyList<Step>> GetStepsAsync(string runId, int firstStepId, int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<Step> steps = _runs.TryGetValue(runId, out var run)
                ? run.Steps.Where(s => s.Id >= firstStepId).Take(count).ToList()
                : [];
            return Task.FromResult(steps);
        }
    }

    public Task<PagedResult<RunSummary>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IEnumerable<Run> runs = _runs.Values;
            if (query.Framework is { } framework) runs = runs.Where(r => r.Framework == framework);
            if (query.Model is { } model) runs = runs.Where(r => r.Model == model);
            if (query.Outcome is { } outcome) runs = runs.Where(r => r.Outcome.Status == outcome);
            if (query.MinSteps is { } min) runs = runs.Where(r => r.StepCount >= min);
            if (query.MaxSteps is { } max) runs = runs.Where(r => r.StepCount <= max);
            if (query.HasDiagnosis is { } has) runs = runs.Where(r => _diagnoses.Any(d => d.RunId == r.Id) == has);
            if (!string.IsNullOrWhiteSpace(query.TaskText))
            {
                runs = runs.Where(r => Contains(r.Task.Id, query.TaskText) || Contains(r.Task.Title, query.TaskText) || Contains(r.Task.Text, query.TaskText));
            }
            if (!string.IsNullOrWhiteSpace(query.Text))
            {
                runs = runs.Where(r => Contains(r.Task.Title, query.Text) || Contains(r.Task.Text, query.Text)
                    || r.Steps.Any(s => Contains(s.Thought, query.Text) || s.ToolCalls.Any(c => Contains(c.Command, query.Text) || Contains(c.Observation, query.Text))));
            }
            var summaries = runs.Select(Summarize);
            summaries = query.SortBy switch
            {
                RunSortField.Task => Order(summaries, s => s.TaskTitle, query.Descending),
                RunSortField.Framework => Order(summaries, s => s.Framework, query.Descending),
                RunSortField.Model => Order(summaries, s => s.Model ?? "", query.Descending),
                RunSortField.Outcome => Order(summaries, s => (int)s.Outcome, query.Descending),
                RunSortField.Steps => Order(summaries, s => s.StepCount, query.Descending),
                RunSortField.Tokens => Order(summaries, s => s.TotalTokens ?? -1, query.Descending),
                RunSortField.Cost => Order(summaries, s => s.CostUsd ?? -1, query.Descending),
                RunSortField.Duration => Order(summaries, s => s.DurationSeconds ?? -1, query.Descending),
                _ => Order(summaries, s => s.ImportedAtUtc, query.Descending),
            };
            var all = summaries.ToList();
            return Task.FromResult(new PagedResult<RunSummary> { Items = all.Skip(query.Skip).Take(query.Take).ToList(), TotalCount = all.Count });
        }
    }

    public Task<RunFacets> GetFacetsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var facets = new RunFacets
            {
                TotalRuns = _runs.Count,
                Frameworks = _runs.Values.GroupBy(r => r.Framework).ToDictionary(g => g.Key, g => g.Count()),
                Models = _runs.Values.Where(r => r.Model is not null).GroupBy(r => r.Model!).ToDictionary(g => g.Key, g => g.Count()),
                Outcomes = _runs.Values.GroupBy(r => r.Outcome.Status).ToDictionary(g => g.Key, g => g.Count()),
            };
            return Task.FromResult(facets);
        }
    }

    public Task<int> CountRunsAsync(CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_runs.Count);
    }

    public Task<bool> DeleteRunAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _diagnoses.RemoveAll(d => d.RunId == runId);
            return Task.FromResult(_runs.Remove(runId));
        }
    }

    public Task SaveDiagnosisAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(diagnosis.Id)) diagnosis.Id = Guid.NewGuid().ToString("N")[..12];
            _diagnoses.RemoveAll(d => d.Id == diagnosis.Id);
            _diagnoses.Add(diagnosis);
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunDiagnosis>> GetDiagnosesAsync(string runId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<RunDiagnosis> list = _diagnoses.Where(d => d.RunId == runId).OrderByDescending(d => d.CreatedAtUtc).ToList();
            return Task.FromResult(list);
        }
    }

    public Task<RunDiagnosis?> GetDiagnosisAsync(string diagnosisId, CancellationToken cancellationToken)
    {
        lock (_gate) return Task.FromResult(_diagnoses.FirstOrDefault(d => d.Id == diagnosisId));
    }

    // The same summary the LiteDB store keeps, plus its newest-diagnosis fields.
    private RunSummary Summarize(Run run)
    {
        var summary = StorageDocuments.Summarize(run);
        var newest = _diagnoses.Where(d => d.RunId == run.Id).OrderByDescending(d => d.CreatedAtUtc).FirstOrDefault();
        summary.HasDiagnosis = newest is not null;
        summary.OnsetStep = newest?.OnsetStep;
        return summary;
    }

    private static Run ShallowCopyWithoutSteps(Run run) => new()
    {
        Id = run.Id,
        Framework = run.Framework,
        Format = run.Format,
        FormatVersion = run.FormatVersion,
        Model = run.Model,
        Task = run.Task,
        Outcome = run.Outcome,
        ExitStatus = run.ExitStatus,
        Metrics = run.Metrics,
        Source = run.Source,
        Warnings = run.Warnings,
        ShippedStages = run.ShippedStages,
        Stages = run.Stages,
        StateTree = run.StateTree,
        ImportedAtUtc = run.ImportedAtUtc,
        StepCount = run.StepCount,
        ToolCallCount = run.ToolCallCount,
    };

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<RunSummary> Order<TKey>(IEnumerable<RunSummary> source, Func<RunSummary, TKey> key, bool descending) =>
        descending ? source.OrderByDescending(key) : source.OrderBy(key);
}
