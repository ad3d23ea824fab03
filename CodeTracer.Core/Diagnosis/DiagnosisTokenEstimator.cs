using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeTracer.Core.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>Prompt tokens of tree-indexed and direct diagnosis for one run, counted offline with o200k.</summary>
public sealed record DiagnosisTokenEstimate(
    int Steps,
    int FirstRequestTokens,
    int TreeIndexedTotalTokens,
    int DirectTotalTokens,
    IReadOnlyList<int> OpenedSteps)
{
    /// <summary>Tokens of the first tree-indexed request and of the opens, by part (system, tools, facts, index, heuristic, opens, answer).</summary>
    public IReadOnlyDictionary<string, int> Parts { get; init; } = new Dictionary<string, int>();

    /// <summary>Tree-indexed total over direct total.</summary>
    public double Ratio => DirectTotalTokens == 0 ? 0 : (double)TreeIndexedTotalTokens / DirectTotalTokens;
}

/// <summary>
/// Counts what the two LLM modes would send for a run, built by the same prompt code the service uses: the first
/// tree-indexed request (system prompt, index, tool definitions), a scripted conversation that opens the heuristic's
/// most suspicious steps in one round of parallel calls (the second request resends the first) and answers, against
/// direct prompting's single request with the whole run and the same answer.
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
        var fence = DataFence.For(run);
        var prompts = new DiagnosisPrompts(_options);
        var navigator = new RunNavigator(run, _options, fence);
        var heuristic = _heuristic.Diagnose(run);

        // A small run goes whole (no tools, nothing to open), as the service sends it.
        var whole = prompts.SendsWholeRun(run);
        var tools = whole ? 0 : _counter.Count(ToolDefinitions(navigator.AsTools()));
        var treeBase = _counter.CountMessages([prompts.SystemPrompt(fence, withTools: !whole), prompts.IndexPrompt(run, heuristic, fence)]) + tools;
        var answer = _counter.Count(AnswerJson(heuristic));

        // The scripted conversation the prompt asks for: one round that opens the steps as parallel calls, then the
        // answer. Each request resends everything before it; completions are counted once.
        List<int> opened = whole ? [] : Suspicious(heuristic, run).Take(stepsToOpen).ToList();
        var total = treeBase;
        if (opened.Count > 0)
        {
            var calls = _counter.Count("[" + string.Join(",", opened.Select((id, i) => ToolCallJson(i + 1, id))) + "]") + DiagnosisTokenCounter.PerMessageOverhead;
            var results = opened.Sum(id => _counter.Count(navigator.OpenStep(id)) + DiagnosisTokenCounter.PerMessageOverhead);
            total += calls + treeBase + calls + results;
        }
        total += answer;

        var direct = _counter.CountMessages([prompts.SystemPrompt(fence, withTools: false), prompts.DirectPrompt(run, fence)]) + answer;
        var parts = new Dictionary<string, int>
        {
            ["system"] = _counter.Count(prompts.SystemPrompt(fence, withTools: !whole)),
            ["tools"] = tools,
            ["index"] = whole ? 0 : _counter.Count(prompts.Index(run)),
            ["heuristic"] = heuristic is null ? 0 : _counter.Count(DiagnosisPrompts.HeuristicCandidates(heuristic)),
            ["opens"] = opened.Sum(id => _counter.Count(navigator.OpenStep(id))),
            ["answer"] = answer,
        };
        parts[whole ? "facts+run" : "facts"] = _counter.Count(prompts.IndexPrompt(run, heuristic, fence)) - parts["index"] - parts["heuristic"];
        return new DiagnosisTokenEstimate(run.StepCount, treeBase, total, direct, opened) { Parts = parts };
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

    private static string ToolDefinitions(IEnumerable<AITool> tools)
    {
        var array = new JsonArray();
        foreach (var tool in tools.OfType<AIFunction>())
        {
            array.Add(new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject
                {
                    ["name"] = tool.Name,
                    ["description"] = tool.Description,
                    ["parameters"] = JsonNode.Parse(tool.JsonSchema.GetRawText()),
                },
            });
        }
        return array.ToJsonString();
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
