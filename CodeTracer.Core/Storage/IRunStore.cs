using CodeTracer.Core.Model;

namespace CodeTracer.Core.Storage;

/// <summary>
/// Where runs, their steps and their diagnoses live. LiteDB is the embedded default; the interface is what a
/// team that outgrows one machine would implement on PostgreSQL.
/// </summary>
public interface IRunStore
{
    /// <summary>Inserts or replaces runs with their steps (a re-import of the same run id updates it in place).</summary>
    Task<SaveSummary> SaveRunsAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken);

    /// <summary>The run with its stages and state tree; <paramref name="includeSteps"/> also loads every step.</summary>
    Task<Run?> GetRunAsync(string runId, bool includeSteps, CancellationToken cancellationToken);

    /// <summary>Steps <paramref name="firstStepId"/>..<paramref name="firstStepId"/>+<paramref name="count"/>-1 of a run, in order.</summary>
    Task<IReadOnlyList<Step>> GetStepsAsync(string runId, int firstStepId, int count, CancellationToken cancellationToken);

    /// <summary>A page of run summaries matching the query, with the total count.</summary>
    Task<PagedResult<RunSummary>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken);

    /// <summary>Distinct values and counts for the runs page's filters.</summary>
    Task<RunFacets> GetFacetsAsync(CancellationToken cancellationToken);

    Task<int> CountRunsAsync(CancellationToken cancellationToken);

    Task<bool> DeleteRunAsync(string runId, CancellationToken cancellationToken);

    /// <summary>Adds a diagnosis to a run (several per run are kept).</summary>
    Task SaveDiagnosisAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken);

    /// <summary>A run's diagnoses, newest first.</summary>
    Task<IReadOnlyList<RunDiagnosis>> GetDiagnosesAsync(string runId, CancellationToken cancellationToken);

    Task<RunDiagnosis?> GetDiagnosisAsync(string diagnosisId, CancellationToken cancellationToken);
}

/// <summary>What a save did: runs inserted or updated, steps written, and the runs that could not be stored.</summary>
public sealed class SaveSummary
{
    public int Inserted { get; set; }
    public int Updated { get; set; }
    public int Steps { get; set; }

    /// <summary>Runs that could not be stored, each with why; the other runs of the same call are stored.</summary>
    public List<SaveError> Errors { get; } = [];
}

/// <summary>Why one run was not stored.</summary>
public sealed class SaveError
{
    public SaveError(string runId, string source, string reason)
    {
        RunId = runId;
        Source = source;
        Reason = reason;
    }

    public string RunId { get; }

    /// <summary>The trajectory file or folder the run came from.</summary>
    public string Source { get; }

    public string Reason { get; }

    public override string ToString() => $"{Source}: run {RunId} was not stored: {Reason}";
}

/// <summary>What the runs list shows for one run, without its steps.</summary>
public sealed class RunSummary
{
    public string Id { get; set; } = "";
    public string Framework { get; set; } = "";
    public string Format { get; set; } = "";
    public string? Model { get; set; }
    public string? TaskId { get; set; }
    public string TaskTitle { get; set; } = "";
    public OutcomeStatus Outcome { get; set; }
    public string? ExitStatus { get; set; }
    public int StepCount { get; set; }
    public int ToolCallCount { get; set; }
    public int StageCount { get; set; }
    public int ErrorSignalCount { get; set; }
    public long? TotalTokens { get; set; }
    public double? CostUsd { get; set; }
    public double? DurationSeconds { get; set; }
    public int WarningCount { get; set; }
    public bool HasDiagnosis { get; set; }
    public int? OnsetStep { get; set; }
    public string SourcePath { get; set; } = "";
    public DateTime ImportedAtUtc { get; set; }

    /// <summary>A copy, so a cached summary handed to a caller cannot be changed under the cache.</summary>
    internal RunSummary Clone() => (RunSummary)MemberwiseClone();
}

public enum RunSortField
{
    ImportedAt = 0,
    Task,
    Framework,
    Model,
    Outcome,
    Steps,
    Tokens,
    Cost,
    Duration,
}

/// <summary>Filters, free-text search, sort and page for the runs list. Null filters match everything.</summary>
public sealed class RunQuery
{
    public string? Framework { get; set; }
    public string? Model { get; set; }
    public OutcomeStatus? Outcome { get; set; }

    /// <summary>Substring of the task id, title or text (case-insensitive).</summary>
    public string? TaskText { get; set; }

    public int? MinSteps { get; set; }
    public int? MaxSteps { get; set; }
    public bool? HasDiagnosis { get; set; }

    /// <summary>Free text over the task and every step's text (thought, commands, observations).</summary>
    public string? Text { get; set; }

    public RunSortField SortBy { get; set; } = RunSortField.ImportedAt;
    public bool Descending { get; set; } = true;
    public int Skip { get; set; }
    public int Take { get; set; } = 50;
}

public sealed class PagedResult<T>
{
    public required IReadOnlyList<T> Items { get; init; }
    public required int TotalCount { get; init; }
}

public sealed class RunFacets
{
    public int TotalRuns { get; set; }
    public Dictionary<string, int> Frameworks { get; set; } = [];
    public Dictionary<string, int> Models { get; set; } = [];
    public Dictionary<OutcomeStatus, int> Outcomes { get; set; } = [];
}
