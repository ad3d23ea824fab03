using System.Text.Json.Nodes;
using CodeTracer.Core.Model;
using Microsoft.Extensions.AI;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// The first request of an LLM diagnosis: its two messages and the functions it offers. Built in one place so the
/// service, the token benchmark and <c>diagnose --show-prompt</c> send, count and show the same thing.
/// </summary>
public sealed class DiagnosisRequest
{
    private DiagnosisRequest(Run run, LlmDiagnosisMode mode, DiagnosisOptions options, RunDiagnosis? heuristic)
    {
        Fence = DataFence.For(run);
        Prompts = new DiagnosisPrompts(options);
        Navigator = new RunNavigator(run, options, Fence);
        Heuristic = heuristic;
        if (mode == LlmDiagnosisMode.Direct)
        {
            SystemPrompt = Prompts.SystemPrompt(Fence, withTools: false);
            UserPrompt = Prompts.DirectPrompt(run, Fence);
            Tools = [];
            return;
        }

        // Tree-indexed: the index, unless the run is small enough that sending it whole costs less than what the index
        // brings with it (tool definitions, a second round that resends everything, the steps the model opens).
        WithTools = true;
        Tools = Navigator.AsTools();
        SystemPrompt = Prompts.SystemPrompt(Fence, withTools: true);
        UserPrompt = Prompts.IndexPrompt(run, heuristic, Fence);
        if (options.InlineRunMaxChars > 0 && Prompts.RunTextWithin(run, squeeze: true, options.InlineRunMaxChars) is { } wholeRunText)
        {
            var wholeSystem = Prompts.SystemPrompt(Fence, withTools: false);
            var wholeUser = Prompts.IndexPrompt(run, heuristic, Fence, wholeRunText);
            var opens = heuristic is null ? 0 : DiagnosisTokenEstimator.Suspicious(heuristic, run).Take(ExpectedOpens)
                .Sum(id => run.Steps.FirstOrDefault(s => s.Id == id) is { } step ? RunNavigator.RenderStep(run, step, options.StepTextBudgetChars, full: false).Length : 0);
            var indexed = 2 * (SystemPrompt.Length + ToolDefinitionsJson().Length + UserPrompt.Length) + opens;
            if (wholeSystem.Length + wholeUser.Length <= indexed)
            {
                WithTools = false;
                Tools = [];
                SystemPrompt = wholeSystem;
                UserPrompt = wholeUser;
            }
        }
    }

    /// <summary>Steps a tree-indexed diagnosis is expected to open in its one round of calls (what the prompt asks for).</summary>
    public const int ExpectedOpens = 3;

    /// <summary>
    /// The structured-output format every request carries (the <c>response_format</c> json_schema). Providers bill its
    /// schema as prompt tokens on each request, so the benchmark counts it too.
    /// </summary>
    public static ChatResponseFormatJson ResponseFormat { get; } = ChatResponseFormat.ForJsonSchema(
        AIJsonUtilities.CreateJsonSchema(typeof(DiagnosisAnswer), serializerOptions: DiagnosisAnswerParser.JsonOptions,
            inferenceOptions: new AIJsonSchemaCreateOptions { IncludeSchemaKeyword = false }),
        "diagnosis", "Where the run first went wrong.");

    /// <summary>The response format's schema as JSON text, for counting and showing.</summary>
    public static string ResponseSchemaJson => ResponseFormat.Schema?.GetRawText() ?? "";

    public DataFence Fence { get; }
    public DiagnosisPrompts Prompts { get; }

    /// <summary>The functions behind <see cref="Tools"/>; they record what the model opened.</summary>
    public RunNavigator Navigator { get; }

    /// <summary>The heuristic diagnosis whose candidates the tree-indexed prompt carries (null in direct mode).</summary>
    public RunDiagnosis? Heuristic { get; }

    /// <summary>True when the model may call functions (tree-indexed mode on a run too big to send whole).</summary>
    public bool WithTools { get; }

    public string SystemPrompt { get; }
    public string UserPrompt { get; }
    public IList<AITool> Tools { get; }

    public List<ChatMessage> Messages() => [new(ChatRole.System, SystemPrompt), new(ChatRole.User, UserPrompt)];

    /// <summary>Builds the first request; tree-indexed mode runs the heuristic for its candidates.</summary>
    public static DiagnosisRequest Build(Run run, LlmDiagnosisMode mode, DiagnosisOptions options, HeuristicLocalizer heuristic)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(heuristic);
        return new DiagnosisRequest(run, mode, options, mode == LlmDiagnosisMode.TreeIndexed ? heuristic.Diagnose(run) : null);
    }

    /// <summary>The tool definitions as the OpenAI chat API carries them (<c>tools</c>), for counting and showing.</summary>
    public string ToolDefinitionsJson()
    {
        var array = new JsonArray();
        foreach (var tool in Tools.OfType<AIFunction>())
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
}
