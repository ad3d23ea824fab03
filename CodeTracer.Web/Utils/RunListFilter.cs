using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Web.Utils;

/// <summary>
/// What the runs list shows: filters, search, sort and page, exactly as the URL query carries them
/// (see <see cref="RunUrls.Runs"/>). Empty strings are normalized to null so two equal views compare equal.
/// </summary>
public sealed record RunListFilter
{
    public string? Framework { get; init; }

    public string? Model { get; init; }

    public OutcomeStatus? Outcome { get; init; }

    /// <summary>Free text over the task and every step.</summary>
    public string? Text { get; init; }

    /// <summary>Text in the task id, title or description.</summary>
    public string? Task { get; init; }

    public int? MinSteps { get; init; }

    public int? MaxSteps { get; init; }

    /// <summary>Only runs with (true) or without (false) a stored diagnosis; null for all.</summary>
    public bool? Diagnosed { get; init; }

    /// <summary>Sort column name (<see cref="SortFields"/>), prefixed with <c>-</c> for descending; null for newest first.</summary>
    public string? Sort { get; init; }

    /// <summary>1-based page.</summary>
    public int Page { get; init; } = 1;

    /// <summary>Sort names as the URL spells them.</summary>
    public static IReadOnlyDictionary<string, RunSortField> SortFields { get; } = new Dictionary<string, RunSortField>(StringComparer.OrdinalIgnoreCase)
    {
        ["imported"] = RunSortField.ImportedAt,
        ["task"] = RunSortField.Task,
        ["framework"] = RunSortField.Framework,
        ["model"] = RunSortField.Model,
        ["outcome"] = RunSortField.Outcome,
        ["steps"] = RunSortField.Steps,
        ["tokens"] = RunSortField.Tokens,
        ["cost"] = RunSortField.Cost,
        ["duration"] = RunSortField.Duration,
    };

    public bool HasFilters =>
        Framework is not null || Model is not null || Outcome is not null || Text is not null || Task is not null || MinSteps is not null || MaxSteps is not null
        || Diagnosed is not null;

    /// <summary>Builds a filter from raw URL values, dropping what does not parse rather than failing the page.</summary>
    public static RunListFilter FromQuery(string? framework, string? model, string? outcome, string? q, string? task, int? minSteps, int? maxSteps, string? sort, int? page, string? diagnosed = null)
    {
        var sortName = Clean(sort);
        if (sortName is not null && !SortFields.ContainsKey(sortName.TrimStart('-'))) sortName = null;
        return new RunListFilter
        {
            Framework = Clean(framework),
            Model = Clean(model),
            Outcome = RunUrls.ParseOutcome(outcome),
            Text = Clean(q),
            Task = Clean(task),
            MinSteps = minSteps is >= 0 ? minSteps : null,
            MaxSteps = maxSteps is >= 0 ? maxSteps : null,
            Diagnosed = RunUrls.ParseDiagnosed(diagnosed),
            Sort = sortName,
            Page = page is > 0 ? page.Value : 1,
        };
    }

    /// <summary>The store query for one page of this view.</summary>
    public RunQuery ToQuery(int pageSize)
    {
        var descending = true;
        var field = RunSortField.ImportedAt;
        if (Sort is { } sort)
        {
            descending = sort.StartsWith('-');
            field = SortFields.TryGetValue(sort.TrimStart('-'), out var f) ? f : RunSortField.ImportedAt;
        }
        return new RunQuery
        {
            Framework = Framework,
            Model = Model,
            Outcome = Outcome,
            Text = Text,
            TaskText = Task,
            MinSteps = MinSteps,
            MaxSteps = MaxSteps,
            HasDiagnosis = Diagnosed,
            SortBy = field,
            Descending = descending,
            Skip = (Page - 1) * pageSize,
            Take = pageSize,
        };
    }

    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
