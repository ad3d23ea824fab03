using CodeTracer.Core.Model;

namespace CodeTracer.Web.Model;

/// <summary>Which steps and tool calls of a run contain a search text, and in which of their fields.</summary>
public sealed class RunSearchResult
{
    private readonly HashSet<int> _steps;
    private readonly HashSet<int> _stepsMatchedByOwnText;
    private readonly HashSet<(int Step, int Call)> _calls;
    private readonly HashSet<int> _stages;
    private readonly Dictionary<int, string> _where;

    internal RunSearchResult(string query, List<int> steps, HashSet<int> ownText, HashSet<(int, int)> calls, HashSet<int> stages, Dictionary<int, string> where)
    {
        Query = query;
        MatchedSteps = steps;
        _steps = [.. steps];
        _stepsMatchedByOwnText = ownText;
        _calls = calls;
        _stages = stages;
        _where = where;
    }

    public string Query { get; }

    /// <summary>Matching step ids in ascending order.</summary>
    public IReadOnlyList<int> MatchedSteps { get; }

    public bool StepMatches(int stepId) => _steps.Contains(stepId);

    /// <summary>True when the step's thought or reasoning matched (then all of its calls show, not only matching ones).</summary>
    public bool StepTextMatches(int stepId) => _stepsMatchedByOwnText.Contains(stepId);

    public bool CallMatches(int stepId, int callIndex) => _calls.Contains((stepId, callIndex));

    public bool StageHasMatch(int stageId) => _stages.Contains(stageId);

    /// <summary>Where in the step the text was found ("thought, output"), for a hint beside rows whose label does not show it.</summary>
    public string? WhereFor(int stepId) => _where.GetValueOrDefault(stepId);
}

/// <summary>
/// Search within one run over the whole text of every step (thought, reasoning, tool, command, arguments, observation),
/// not only what the rows show. Case-insensitive ordinal matching over the stored strings, so nothing is copied.
/// </summary>
public static class RunSearch
{
    public static RunSearchResult Find(IEnumerable<Step> steps, Func<int, int> stageOfStep, string query)
    {
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(stageOfStep);
        ArgumentException.ThrowIfNullOrEmpty(query);

        var matched = new List<int>();
        var ownText = new HashSet<int>();
        var calls = new HashSet<(int, int)>();
        var stages = new HashSet<int>();
        var where = new Dictionary<int, string>();
        var places = new List<string>(4);

        foreach (var step in steps)
        {
            places.Clear();
            if (Has(step.Thought, query)) places.Add("thought");
            if (Has(step.Reasoning, query)) places.Add("reasoning");
            var own = places.Count > 0;
            for (var k = 0; k < step.ToolCalls.Count; k++)
            {
                var call = step.ToolCalls[k];
                var hit = false;
                if (Has(call.Tool, query) || Has(call.Command, query))
                {
                    AddOnce(places, "command");
                    hit = true;
                }
                if (Has(call.Arguments, query))
                {
                    AddOnce(places, "arguments");
                    hit = true;
                }
                if (Has(call.Observation, query))
                {
                    AddOnce(places, "output");
                    hit = true;
                }
                if (hit) calls.Add((step.Id, k));
            }
            if (places.Count == 0) continue;

            matched.Add(step.Id);
            if (own) ownText.Add(step.Id);
            stages.Add(stageOfStep(step.Id));
            where[step.Id] = string.Join(", ", places);
        }

        matched.Sort();
        return new RunSearchResult(query, matched, ownText, calls, stages, where);
    }

    private static bool Has(string? text, string query) =>
        text is not null && text.Contains(query, StringComparison.OrdinalIgnoreCase);

    private static void AddOnce(List<string> places, string place)
    {
        if (!places.Contains(place)) places.Add(place);
    }
}
