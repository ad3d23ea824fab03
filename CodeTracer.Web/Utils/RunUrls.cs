using System.Globalization;
using System.Text;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Utils;

/// <summary>What the run page shows, exactly as its URL query carries it.</summary>
public sealed record RunLink(string RunId, int? Step = null, int? Call = null, string? Query = null, string Tab = RunUrls.TreeTab, string? Diagnosis = null);

/// <summary>
/// The only place explorer URLs are built, so that every view is a link and every value is escaped the same way.
/// </summary>
public static class RunUrls
{
    public const string RunsPath = "/";

    public const string ImportPath = "/import";

    /// <summary>The run page's tabs as the <c>tab</c> query value spells them.</summary>
    public const string TreeTab = "tree";

    public const string StateTab = "state";

    public const string DiagramTab = "diagram";

    /// <summary><c>/runs/{id}</c> with the optional selection: step (1-based), tool call (0-based), search text, tab, diagnosis.</summary>
    public static string Run(string runId, int? step = null, int? call = null, string? q = null, string? tab = null, string? diagnosis = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(runId);
        var query = new QueryBuilder();
        query.Add("step", step);
        query.Add("call", step is null ? null : call);
        query.Add("q", q);
        query.Add("tab", string.Equals(tab, TreeTab, StringComparison.Ordinal) ? null : tab);
        query.Add("diagnosis", diagnosis);
        return "/runs/" + Uri.EscapeDataString(runId) + query;
    }

    public static string Run(RunLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return Run(link.RunId, link.Step, link.Call, link.Query, link.Tab, link.Diagnosis);
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
        query.Add("diagnosed", DiagnosedName(filter.Diagnosed));
        query.Add("sort", filter.Sort);
        query.Add("page", filter.Page > 1 ? filter.Page : null);
        return RunsPath + query;
    }

    /// <summary>A known tab name, or <see cref="TreeTab"/> for anything else.</summary>
    public static string NormalizeTab(string? tab) => tab?.Trim().ToLowerInvariant() switch
    {
        StateTab => StateTab,
        DiagramTab => DiagramTab,
        _ => TreeTab,
    };

    /// <summary>Reads a run page URL (absolute or relative) back into its parts; false when it is not a run page URL.</summary>
    public static bool TryParseRun(string url, out RunLink link)
    {
        link = null!;
        if (string.IsNullOrEmpty(url)) return false;
        var uri = Uri.TryCreate(url, UriKind.Absolute, out var absolute) ? absolute : new Uri(new Uri("http://localhost"), url);
        // The escaped path, so an id holding an escaped '/' stays one segment.
        var path = "/" + uri.GetComponents(UriComponents.Path, UriFormat.UriEscaped);
        const string prefix = "/runs/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || path.Length == prefix.Length) return false;
        var segment = path[prefix.Length..];
        if (segment.Contains('/', StringComparison.Ordinal)) return false;
        var id = Uri.UnescapeDataString(segment);

        var values = ParseQuery(uri.Query);
        link = new RunLink(
            id,
            PositiveInt(values, "step", min: 1),
            PositiveInt(values, "call", min: 0),
            values.GetValueOrDefault("q") is { Length: > 0 } q ? q : null,
            NormalizeTab(values.GetValueOrDefault("tab")),
            values.GetValueOrDefault("diagnosis") is { Length: > 0 } d ? d : null);
        return true;
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

    /// <summary>The diagnosis filter as URLs spell it: <c>yes</c>, <c>no</c>, or null for all runs.</summary>
    public static string? DiagnosedName(bool? diagnosed) => diagnosed switch
    {
        true => "yes",
        false => "no",
        null => null,
    };

    /// <summary>Reads the diagnosis filter from a URL value; null when absent or neither <c>yes</c> nor <c>no</c>.</summary>
    public static bool? ParseDiagnosed(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "yes" => true,
        "no" => false,
        _ => null,
    };

    private static int? PositiveInt(Dictionary<string, string> values, string key, int min) =>
        values.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n : null;

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '));
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            values.TryAdd(key, value);
        }
        return values;
    }

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
