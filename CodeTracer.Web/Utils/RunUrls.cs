using System.Globalization;
using System.Text;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Utils;

/// <summary>
/// The only place explorer URLs are built, so that every view is a link and every value is escaped the same way.
/// </summary>
public static class RunUrls
{
    public const string RunsPath = "/";

    public const string ImportPath = "/import";

    /// <summary><c>/runs/{id}</c> with the optional selection: step (1-based), tool call (0-based), search text, tab, diagnosis.</summary>
    public static string Run(string runId, int? step = null, int? call = null, string? q = null, string? tab = null, string? diagnosis = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var query = new QueryBuilder();
        query.Add("step", step);
        query.Add("call", call);
        query.Add("q", q);
        query.Add("tab", string.Equals(tab, "tree", StringComparison.Ordinal) ? null : tab);
        query.Add("diagnosis", diagnosis);
        return "/runs/" + Uri.EscapeDataString(runId) + query;
    }

    /// <summary>The runs list with its filters, search, sort and page in the query.</summary>
    public static string Runs(RunListFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = new QueryBuilder();
        query.Add("framework", filter.Framework);
        query.Add("model", filter.Model);
        query.Add("outcome", filter.Outcome is { } outcome ? OutcomeName(outcome) : null);
        query.Add("q", filter.Text);
        query.Add("task", filter.Task);
        query.Add("minSteps", filter.MinSteps);
        query.Add("maxSteps", filter.MaxSteps);
        query.Add("sort", filter.Sort);
        query.Add("page", filter.Page > 1 ? filter.Page : null);
        return RunsPath + query;
    }

    /// <summary>The outcome as URLs and the DOM spell it: <c>resolved</c>, <c>unresolved</c>, <c>unknown</c>.</summary>
    public static string OutcomeName(OutcomeStatus outcome) => outcome switch
    {
        OutcomeStatus.Resolved => "resolved",
        OutcomeStatus.Unresolved => "unresolved",
        _ => "unknown",
    };

    /// <summary>Reads an outcome from a URL value; null when absent or not one of the three names.</summary>
    public static OutcomeStatus? ParseOutcome(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "resolved" => OutcomeStatus.Resolved,
        "unresolved" => OutcomeStatus.Unresolved,
        "unknown" => OutcomeStatus.Unknown,
        _ => null,
    };

    private sealed class QueryBuilder
    {
        private readonly StringBuilder _text = new();

        public void Add(string key, string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            _text.Append(_text.Length == 0 ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }

        public void Add(string key, int? value) => Add(key, value?.ToString(CultureInfo.InvariantCulture));

        public override string ToString() => _text.ToString();
    }
}
