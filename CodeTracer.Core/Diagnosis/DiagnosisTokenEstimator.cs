using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeTracer.Core.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>Tokens of tree-indexed and direct diagnosis for one run, counted offline with o200k.</summary>
/// <param name="Steps">Steps in the run.</param>
/// <param name="FirstRequestTokens">Prompt tokens of tree-indexed diagnosis's first request (before any function call).</param>
/// <param name="TreeIndexedPromptTokens">Prompt tokens tree-indexed diagnosis sends over the scripted conversation.</param>
/// <param name="DirectPromptTokens">Prompt tokens of direct prompting's single request.</param>
/// <param name="TreeIndexedCompletionTokens">Completion tokens of the scripted conversation (function calls and answer).</param>
/// <param name="DirectCompletionTokens">Completion tokens of direct prompting (the same answer).</param>
/// <param name="OpenedSteps">Steps the scripted conversation opens.</param>
public sealed record DiagnosisTokenEstimate(
    int Steps,
    int FirstRequestTokens,
    int TreeIndexedPromptTokens,
    int DirectPromptTokens,
    int TreeIndexedCompletionTokens,
    int DirectCompletionTokens,
    IReadOnlyList<int> OpenedSteps)
{
    /// <summary>Tokens of the first tree-indexed request and of the opens, by part (system, tools, schema, facts, index, heuristic, opens, answer).</summary>
    public IReadOnlyDictionary<string, int> Parts { get; init; } = new Dictionary<string, int>();

    /// <summary>Prompt tokens tree-indexed diagnosis sends over those direct prompting sends: the benchmark's measure.</summary>
    public double Ratio => DirectPromptTokens == 0 ? 0 : (double)TreeIndexedPromptTokens / DirectPromptTokens;

    /// <summary>The same ratio with completion tokens added on both sides.</summary>
    public double RatioWithCompletions =>
        DirectPromptTokens + DirectCompletionTokens == 0 ? 0
            : (double)(TreeIndexedPromptTokens + TreeIndexedCompletionTokens) / (DirectPromptTokens + DirectCompletionTokens);
}

/// <summary>
/// Counts what the two LLM modes would send for a run, built by the same request code the service uses
/// (<see cref="DiagnosisRequest"/>): the first tree-indexed request (system prompt, index, tool definitions, response
/// schema), then a scripted conversation that opens the heuristic's most suspicious steps in one round of parallel calls
/// (the second request resends the first with the calls and their results) and answers; against direct prompting's single
/// request with the whole run and the same answer.
/// </summary>
public sealed class DiagnosisTokenEstimator
{
    private readonly DiagnosisOptions _options;
    private readonly HeuristicLocalizer _heuristic;
    private readonly DiagnosisTokenCounter _counter;

    public DiagnosisTokenEstimator(IOptions<DiagnosisOptions> options, HeuristicLocalizer heuristic, DiagnosisTokenCounter counter)
    {
        _options = options.Value;
        _heuristic = heuristic;
        _counter = counter;
    }

    public DiagnosisTokenEstimate Estimate(Run run, int stepsToOpen)
    {
        var request = DiagnosisRequest.Build(run, LlmDiagnosisMode.TreeIndexed, _options, _heuristic);
        var navigator = request.Navigator;
        var heuristic = request.Heuristic!;
        var schema = _counter.Count(DiagnosisRequest.ResponseSchemaJson);

        // A small run goes whole (no tools, nothing to open), as the service sends it.
        var whole = !request.WithTools;
        var tools = whole ? 0 : _counter.Count(request.ToolDefinitionsJson());
        var first = _counter.CountMessages([request.SystemPrompt, request.UserPrompt]) + tools + schema;
        var answer = _counter.Count(AnswerJson(heuristic));

        // The scripted conversation the prompt asks for: one round that opens the steps as parallel calls, then the
        // answer. The second request resends the first with the calls and their results.
        List<int> opened = whole ? [] : Suspicious(heuristic, run).Take(stepsToOpen).ToList();
        var prompt = first;
        var completion = answer;
        var opens = 0;
        if (opened.Count > 0)
        {
            var calls = _counter.Count("[" + string.Join(",", opened.Select((id, i) => ToolCallJson(i + 1, id))) + "]") + DiagnosisTokenCounter.PerMessageOverhead;
            opens = opened.Sum(id => _counter.Count(navigator.OpenStep(id)));
            prompt += first + calls + opens + opened.Count * DiagnosisTokenCounter.PerMessageOverhead;
            completion += calls;
        }

        var direct = DiagnosisRequest.Build(run, LlmDiagnosisMode.Direct, _options, _heuristic);
        var directPrompt = _counter.CountMessages([direct.SystemPrompt, direct.UserPrompt]) + schema;
        var index = whole ? 0 : _counter.Count(request.Prompts.Index(run));
        var candidates = _counter.Count(DiagnosisPrompts.HeuristicCandidates(heuristic));
        var parts = new Dictionary<string, int>
        {
            ["system"] = _counter.Count(request.SystemPrompt),
            ["tools"] = tools,
            ["schema"] = schema,
            [whole ? "facts+run" : "facts"] = _counter.Count(request.UserPrompt) - index - candidates,
            ["index"] = index,
            ["heuristic"] = candidates,
            ["opens"] = opens,
            ["answer"] = answer,
        };
        return new DiagnosisTokenEstimate(run.StepCount, first, prompt, directPrompt, completion, answer, opened) { Parts = parts };
    }

    /// <summary>The steps a diagnosis would open first: the error chain, then the other incorrect steps, then unuseful ones.</summary>
    public static IEnumerable<int> Suspicious(RunDiagnosis heuristic, Run run)
    {
        var seen = new HashSet<int>();
        var order = heuristic.ErrorChain.Select(l => l.Step)
            .Concat(heuristic.StageLabels.SelectMany(l => l.IncorrectStepIds))
            .Concat(heuristic.StageLabels.SelectMany(l => l.UnusefulStepIds))
            .Concat(run.Steps.Where(s => s.Signals.Count > 0).Select(s => s.Id).Reverse())
            .Concat(run.Steps.Select(s => s.Id).Reverse());
        foreach (var id in order)
        {
            if (seen.Add(id)) yield return id;
        }
    }

    private static string ToolCallJson(int index, int stepId) =>
        new JsonObject
        {
            ["id"] = "call_" + index.ToString(CultureInfo.InvariantCulture),
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "open_step", ["arguments"] = $"{{\"stepId\":{stepId}}}" },
        }.ToJsonString();

    private static string AnswerJson(RunDiagnosis diagnosis)
    {
        var answer = new DiagnosisAnswer
        {
            OnsetStep = diagnosis.OnsetStep,
            Recovered = diagnosis.Recovered,
            ErrorKind = diagnosis.ErrorKind,
            ErrorChain = [.. diagnosis.ErrorChain.Select(l => new AnswerChainLink { Step = l.Step, Role = l.Role, Why = l.Why })],
            StageLabels = [.. diagnosis.StageLabels.Select(l => new AnswerStageLabel { StageId = l.StageId, IncorrectStepIds = l.IncorrectStepIds, UnusefulStepIds = l.UnusefulStepIds, Reasoning = l.Reasoning })],
            RootCauseChain = diagnosis.RootCauseChain,
            CriticalDecisionPoints = [.. diagnosis.DecisionPoints.Select(p => new AnswerDecisionPoint { StepId = p.StepId, Decision = p.Decision, ShouldHave = p.ShouldHave })],
            CorrectStrategy = diagnosis.CorrectStrategy,
            Summary = diagnosis.Summary,
        };
        return JsonSerializer.Serialize(answer, DiagnosisAnswerParser.JsonOptions);
    }
}
