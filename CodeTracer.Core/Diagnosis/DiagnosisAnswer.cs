using System.Text.Json;
using System.Text.Json.Serialization;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// The JSON an LLM must answer with (sent as the <c>response_format</c> json_schema). Property names follow
/// CodeTracer's <c>detailed</c> profile; parsing is case-insensitive because providers differ in how they echo them.
/// The schema carries no descriptions: the system prompt defines the fields, because some OpenAI-compatible servers
/// use the schema only to constrain decoding and never show it to the model, and the words would be paid twice.
/// </summary>
public sealed class DiagnosisAnswer
{
    /// <summary>Id of the earliest failure-critical step; null when the run did not fail.</summary>
    [JsonPropertyName("onset_step")]
    public int? OnsetStep { get; set; }

    /// <summary>True when the run hit an error but recovered from it and succeeded.</summary>
    [JsonPropertyName("recovered")]
    public bool Recovered { get; set; }

    /// <summary>One of: environment, dependency, localization, hypothesis, verification, looping; null when there is no failure.</summary>
    [JsonPropertyName("error_kind")]
    public string? ErrorKind { get; set; }

    /// <summary>Ordered from the onset to the terminal failure.</summary>
    [JsonPropertyName("error_chain")]
    public List<AnswerChainLink> ErrorChain { get; set; } = [];

    /// <summary>Per stage: the incorrect and unuseful step ids, with reasoning. Only stages with labels.</summary>
    [JsonPropertyName("stage_labels")]
    public List<AnswerStageLabel> StageLabels { get; set; } = [];

    /// <summary>From the terminal failure back to the first error, one sentence each.</summary>
    [JsonPropertyName("root_cause_chain")]
    public List<string> RootCauseChain { get; set; } = [];

    [JsonPropertyName("critical_decision_points")]
    public List<AnswerDecisionPoint> CriticalDecisionPoints { get; set; } = [];

    [JsonPropertyName("correct_strategy")]
    public string? CorrectStrategy { get; set; }

    [JsonPropertyName("summary")]
    public string? Summary { get; set; }
}

public sealed class AnswerChainLink
{
    [JsonPropertyName("step")]
    public int Step { get; set; }

    /// <summary>onset, propagation, terminal or recovery</summary>
    [JsonPropertyName("role")]
    public string? Role { get; set; }

    /// <summary>One line citing the evidence (signal, output line).</summary>
    [JsonPropertyName("why")]
    public string? Why { get; set; }
}

public sealed class AnswerStageLabel
{
    [JsonPropertyName("stage_id")]
    public int StageId { get; set; }

    [JsonPropertyName("incorrect_step_ids")]
    public List<int> IncorrectStepIds { get; set; } = [];

    [JsonPropertyName("unuseful_step_ids")]
    public List<int> UnusefulStepIds { get; set; } = [];

    [JsonPropertyName("reasoning")]
    public string? Reasoning { get; set; }
}

public sealed class AnswerDecisionPoint
{
    [JsonPropertyName("step_id")]
    public int StepId { get; set; }

    [JsonPropertyName("decision")]
    public string? Decision { get; set; }

    [JsonPropertyName("should_have")]
    public string? ShouldHave { get; set; }
}

/// <summary>Parses and checks an LLM's answer against the run. The answer is data: it is validated, never obeyed.</summary>
public static class DiagnosisAnswerParser
{
    private static readonly JsonSerializerOptions s_options = new(JsonSerializerDefaults.Web)
    {
        PropertyNameCaseInsensitive = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    /// <summary>Options for the schema and for parsing (snake_case names come from the attributes).</summary>
    public static JsonSerializerOptions JsonOptions => s_options;

    /// <summary>Longest text accepted as an answer; anything longer is not a diagnosis.</summary>
    public const int MaxAnswerChars = 200_000;

    /// <summary>
    /// Reads the answer text (tolerating a Markdown code fence or prose around one JSON object) and checks every step
    /// and stage id against the run. Returns the problems in words the model can act on; empty when the answer is usable.
    /// </summary>
    public static (DiagnosisAnswer? Answer, List<string> Problems) Parse(string? text, Run run)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add("the answer was empty; reply with one JSON object matching the schema");
            return (null, problems);
        }
        if (text.Length > MaxAnswerChars)
        {
            problems.Add($"the answer is {text.Length:N0} characters long; reply with a compact JSON object");
            return (null, problems);
        }

        var json = ExtractJsonObject(text);
        DiagnosisAnswer? answer;
        try
        {
            answer = json is null ? null : JsonSerializer.Deserialize<DiagnosisAnswer>(json, s_options);
        }
        catch (JsonException ex)
        {
            var where = ex.Path is null ? "" : $" at {ex.Path}";
            problems.Add($"the answer is not valid JSON for the schema{where} ({ex.Message.Split('.')[0]}); reply with one JSON object only");
            return (null, problems);
        }
        if (answer is null)
        {
            problems.Add("the answer holds no JSON object; reply with one JSON object matching the schema");
            return (null, problems);
        }

        var steps = run.Steps.Select(s => s.Id).ToHashSet();
        var stepRange = steps.Count == 0 ? "the run has no steps" : $"the run has steps {steps.Min()}..{steps.Max()}";
        var stages = run.Stages.Count > 0 ? run.Stages.Select(s => s.Id).ToHashSet() : [1];
        void CheckStep(int id, string where)
        {
            if (!steps.Contains(id)) problems.Add($"{where} names step {id}, which does not exist ({stepRange})");
        }

        if (answer.OnsetStep is { } onset) CheckStep(onset, "onset_step");
        else if (run.Outcome.Status == OutcomeStatus.Unresolved && steps.Count > 0
            && !answer.ErrorChain.Any(l => ChainRoles.Normalize(l.Role) == ChainRoles.Onset))
        {
            problems.Add("the run failed (its outcome is unresolved), so onset_step must name the step where it first went wrong");
        }
        foreach (var link in answer.ErrorChain) CheckStep(link.Step, "error_chain");
        foreach (var label in answer.StageLabels)
        {
            if (!stages.Contains(label.StageId)) problems.Add($"stage_labels names stage {label.StageId}, which does not exist (stages {string.Join(", ", stages.Order())})");
            foreach (var id in label.IncorrectStepIds) CheckStep(id, $"stage {label.StageId} incorrect_step_ids");
            foreach (var id in label.UnusefulStepIds) CheckStep(id, $"stage {label.StageId} unuseful_step_ids");
        }
        foreach (var point in answer.CriticalDecisionPoints) CheckStep(point.StepId, "critical_decision_points");
        if (answer.ErrorKind is { Length: > 0 } kind && ErrorKinds.Normalize(kind) is null)
        {
            problems.Add($"error_kind '{DiagnosisText.Cut(kind, 40)}' is not one of {string.Join(", ", ErrorKinds.All)}");
        }
        // Keep the message short when a model invents many ids: the first few say enough.
        if (problems.Count > 8) problems = [.. problems.Take(8), $"and {problems.Count - 8} more problem(s)"];
        return (problems.Count == 0 ? answer : null, problems);
    }

    /// <summary>Turns a validated answer into a stored diagnosis (ids are known to exist; texts are cut to sane lengths).</summary>
    public static RunDiagnosis ToDiagnosis(DiagnosisAnswer answer, Run run, string method, string? model, string promptVersion, DateTime createdAtUtc)
    {
        var stageOf = (int step) => run.Stages.FirstOrDefault(s => s.Contains(step))?.Id ?? (run.Stages.Count == 0 && run.Steps.Count > 0 ? 1 : null);
        var onset = answer.OnsetStep ?? answer.ErrorChain.FirstOrDefault(l => ChainRoles.Normalize(l.Role) == ChainRoles.Onset)?.Step;
        return new RunDiagnosis
        {
            RunId = run.Id,
            Method = method,
            Model = model,
            OnsetStep = onset,
            OnsetStage = onset is { } o ? stageOf(o) : null,
            Recovered = answer.Recovered,
            ErrorKind = ErrorKinds.Normalize(answer.ErrorKind),
            ErrorChain = answer.ErrorChain
                .Select(l => new ErrorChainLink { Step = l.Step, Role = ChainRoles.Normalize(l.Role), Why = DiagnosisText.OneLine(l.Why, 400) })
                .ToList(),
            StageLabels = answer.StageLabels
                .GroupBy(l => l.StageId)
                .OrderBy(g => g.Key)
                .Select(g => new StageLabel
                {
                    StageId = g.Key,
                    IncorrectStepIds = g.SelectMany(l => l.IncorrectStepIds).Distinct().Order().ToList(),
                    UnusefulStepIds = g.SelectMany(l => l.UnusefulStepIds).Distinct().Order().ToList(),
                    Reasoning = DiagnosisText.Cut(string.Join(' ', g.Select(l => l.Reasoning).Where(r => !string.IsNullOrWhiteSpace(r))), 2_000),
                })
                .ToList(),
            RootCauseChain = answer.RootCauseChain.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => DiagnosisText.OneLine(s, 400)).Take(20).ToList(),
            DecisionPoints = answer.CriticalDecisionPoints
                .Select(p => new DecisionPoint { StepId = p.StepId, Decision = DiagnosisText.OneLine(p.Decision, 400), ShouldHave = DiagnosisText.OneLine(p.ShouldHave, 400) })
                .Take(20)
                .ToList(),
            CorrectStrategy = answer.CorrectStrategy is null ? null : DiagnosisText.Cut(answer.CorrectStrategy.Trim(), 2_000),
            Summary = DiagnosisText.Cut((answer.Summary ?? "").Trim(), 2_000),
            PromptVersion = promptVersion,
            RunStepCount = run.StepCount,
            CreatedAtUtc = createdAtUtc,
        };
    }

    /// <summary>The outermost JSON object in a text: the whole text, or the part inside a code fence or between the first '{' and the last '}'.</summary>
    internal static string? ExtractJsonObject(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var firstNewline = trimmed.IndexOf('\n', StringComparison.Ordinal);
            var closing = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (firstNewline > 0 && closing > firstNewline) trimmed = trimmed[(firstNewline + 1)..closing].Trim();
        }
        if (trimmed.StartsWith('{') && trimmed.EndsWith('}')) return trimmed;
        var start = trimmed.IndexOf('{', StringComparison.Ordinal);
        var end = trimmed.LastIndexOf('}');
        return start >= 0 && end > start ? trimmed[start..(end + 1)] : null;
    }

    internal static string Describe(IEnumerable<string> problems) => string.Join("; ", problems);
}
