using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeTracer.Core.Export;
using CodeTracer.Core.Model;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// The functions a tree-indexed diagnosis calls to read the run beyond its index. A Semantic Kernel plugin
/// (<c>[KernelFunction]</c>) that is handed to the chat client as plain <see cref="AIFunction"/>s named exactly
/// <c>open_stage</c>, <c>open_step</c> and <c>search_run</c>. Every result is fenced as untrusted data and capped.
/// </summary>
public sealed class RunNavigator
{
    private readonly Run _run;
    private readonly DiagnosisOptions _options;
    private readonly DataFence _fence;
    private readonly Dictionary<int, Step> _steps;

    public RunNavigator(Run run, DiagnosisOptions options, DataFence fence)
    {
        _run = run;
        _options = options;
        _fence = fence;
        _steps = run.Steps.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First());
    }

    /// <summary>Steps the model opened, in order (a step opened twice counts once).</summary>
    public List<int> OpenedSteps { get; } = [];

    [KernelFunction("open_step"), Description("One step in full: thought, calls, exit codes, output (long text: head and tail).")]
    public string OpenStep([Description("Step id.")] int stepId)
    {
        if (!_steps.TryGetValue(stepId, out var step)) return NoSuchStep(stepId);
        if (!OpenedSteps.Contains(stepId)) OpenedSteps.Add(stepId);
        return _fence.Wrap($"step {stepId}", RenderStep(_run, step, _options.StepTextBudgetChars, full: false));
    }

    [KernelFunction("open_stage"), Description("A stage's steps: command, signals, first and last output line.")]
    public string OpenStage([Description("Stage id (S2 is 2).")] int stageId)
    {
        var stages = DiagnosisPrompts.StagesOf(_run);
        var stage = stages.FirstOrDefault(s => s.Id == stageId);
        if (stage is null)
        {
            return stages.Count == 0
                ? "The run has no stages."
                : $"No stage {stageId}: the run has stages {stages[0].Id}..{stages[^1].Id}.";
        }
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"STAGE {stage.Id} [{stage.FirstStep}-{stage.LastStep}] {InspectJson.StageKindName(stage.Kind)}: {DiagnosisText.OneLine(stage.Title, 120)}");
        var budget = _options.StageTextBudgetChars;
        var shown = 0;
        var inStage = _run.Steps.Where(s => stage.Contains(s.Id)).ToList();
        foreach (var step in inStage)
        {
            var entry = StageEntry(step);
            if (builder.Length + entry.Length > budget && shown > 0)
            {
                builder.AppendLine(CultureInfo.InvariantCulture, $"… {inStage.Count - shown} more step(s) in this stage (up to {stage.LastStep}); open_step shows one in full.");
                break;
            }
            builder.Append(entry);
            shown++;
        }
        return _fence.Wrap($"stage {stageId}", builder.ToString());
    }

    [KernelFunction("search_run"), Description("Steps whose thought, command or output contains the text (case-insensitive), with snippets.")]
    public string SearchRun([Description("Text to find.")] string text)
    {
        var query = (text ?? "").Trim();
        if (query.Length < 2) return "Search text must have at least 2 characters.";
        if (query.Length > 200) query = query[..200];
        var hits = new List<string>();
        var total = 0;
        foreach (var step in _run.Steps)
        {
            foreach (var (where, value) in Texts(step))
            {
                var index = value.IndexOf(query, StringComparison.OrdinalIgnoreCase);
                while (index >= 0)
                {
                    total++;
                    if (hits.Count < _options.MaxSearchHits)
                    {
                        var line = 1 + value.AsSpan(0, index).Count('\n');
                        var from = Math.Max(0, index - 80);
                        var to = Math.Min(value.Length, index + query.Length + 80);
                        hits.Add(string.Create(CultureInfo.InvariantCulture, $"step {step.Id} ({where}, line {line}): {DiagnosisText.OneLine(value[from..to], 220)}"));
                    }
                    // Count at most a few matches per text: one huge output must not dominate the total.
                    if (total > 10_000) break;
                    index = value.IndexOf(query, index + query.Length, StringComparison.OrdinalIgnoreCase);
                }
            }
        }
        if (total == 0) return $"No step contains \"{DiagnosisText.OneLine(query, 80)}\".";
        var header = total > hits.Count ? $"{total} match(es); the first {hits.Count}:" : $"{total} match(es):";
        return _fence.Wrap("search", header + "\n" + string.Join('\n', hits));
    }

    /// <summary>The three functions as tools for an <see cref="IChatClient"/>, with the exact names the prompt uses.</summary>
    public IList<AITool> AsTools() =>
    [
        AIFunctionFactory.Create(OpenStage, "open_stage", "A stage: each step's command, signals, first/last output line."),
        AIFunctionFactory.Create(OpenStep, "open_step", "A step: thought, commands, exit codes, output (head and tail)."),
        AIFunctionFactory.Create(SearchRun, "search_run", "Steps whose thought, command or output contain a text, with snippets."),
    ];

    /// <summary>
    /// A step as text: header, thought, then each call's command, exit and output. <paramref name="budget"/> caps the
    /// whole; with <paramref name="full"/> it caps each observation instead (direct prompting shows everything else).
    /// With <paramref name="squeeze"/>, commands and outputs lose padding first (<see cref="DiagnosisText.Squeeze"/>);
    /// direct prompting, the baseline, sends them as recorded.
    /// </summary>
    public static string RenderStep(Run run, Step step, int budget, bool full, bool squeeze = true)
    {
        var stage = DiagnosisPrompts.StagesOf(run).FirstOrDefault(s => s.Contains(step.Id));
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"STEP {step.Id} | {InspectJson.KindName(step.Kind)}/{InspectJson.EffectName(step.Effect)}");
        if (stage is not null) builder.Append(CultureInfo.InvariantCulture, $" | stage {stage.Id}");
        if (step.IsMarker) builder.Append(" | marker");
        builder.AppendLine();
        foreach (var signal in step.Signals)
        {
            builder.Append("SIGNAL ").Append(InspectJson.SignalKindName(signal.Kind)).Append(": ").Append(DiagnosisText.OneLine(signal.Message, 160));
            if (!string.IsNullOrWhiteSpace(signal.EvidenceLine)) builder.Append(" — \"").Append(DiagnosisText.OneLine(signal.EvidenceLine, 200)).Append('"');
            builder.AppendLine();
        }

        var calls = Math.Max(1, step.ToolCalls.Count);
        // Each call's text once: for an edit it means parsing its arguments.
        var commandTexts = step.ToolCalls.Select(CommandText).ToList();
        int thoughtBudget, commandBudget, outputBudget;
        if (full)
        {
            thoughtBudget = int.MaxValue;
            commandBudget = int.MaxValue;
            outputBudget = budget;
        }
        else
        {
            // Thought and commands say what the agent meant; outputs say what happened. Give each a share, and let an
            // output take whatever the shorter parts leave unused.
            var thought = step.Thought?.Length ?? 0;
            thoughtBudget = Math.Min(thought, budget / 4);
            // An edit's arguments are the change itself and its output is usually "file updated", so edits get more.
            commandBudget = Math.Max(200, budget / ((step.ToolCalls.Any(IsEdit) ? 2 : 6) * calls));
            var commandsUsed = commandTexts.Sum(c => Math.Min(commandBudget, c.Length));
            outputBudget = Math.Max(200, (budget - thoughtBudget - commandsUsed - builder.Length) / calls);
        }

        if (!string.IsNullOrWhiteSpace(step.Thought))
        {
            builder.AppendLine("THOUGHT:");
            builder.AppendLine(thoughtBudget == int.MaxValue ? step.Thought.Trim() : DiagnosisText.HeadTail(step.Thought.Trim(), Math.Max(100, thoughtBudget)));
        }
        for (var i = 0; i < step.ToolCalls.Count; i++)
        {
            var call = step.ToolCalls[i];
            builder.Append(CultureInfo.InvariantCulture, $"CALL {i + 1}: {call.Tool}");
            if (call.ExitCode is { } exit) builder.Append(CultureInfo.InvariantCulture, $" | exit {exit}");
            if (call.IsError) builder.Append(" | error");
            builder.AppendLine();
            if (call.DecodedAction is { } action) builder.AppendLine("ACTION (read from the raw step below): " + DiagnosisText.OneLine(action, 400));
            // Squeezed before the cut, so the budget goes to text rather than to padding and rules.
            var command = (squeeze ? DiagnosisText.Squeeze(commandTexts[i]) : commandTexts[i]).Trim();
            if (command.Length > 0)
            {
                builder.AppendLine("COMMAND:");
                builder.AppendLine(commandBudget == int.MaxValue ? command : DiagnosisText.HeadTail(command, commandBudget));
            }
            var output = squeeze ? DiagnosisText.Squeeze(call.Observation) : call.Observation?.TrimEnd() ?? "";
            if (output.Length > 0)
            {
                builder.AppendLine("OUTPUT:");
                builder.AppendLine(DiagnosisText.HeadTail(output, outputBudget));
            }
        }
        return builder.ToString();
    }

    private static bool IsEdit(ToolCall call) => call.Kind is StepKind.Edit or StepKind.Create;

    /// <summary>
    /// What a call did, as text: its command, and for an edit whose command is only the file (Claude Code's Write and
    /// Edit, ATIF tool calls) the other arguments too, one per line, since they are the change being judged.
    /// </summary>
    internal static string CommandText(ToolCall call)
    {
        var command = call.Command ?? call.Arguments ?? "";
        if (!IsEdit(call) || call.Command is null || string.IsNullOrWhiteSpace(call.Arguments)) return command;
        try
        {
            using var document = JsonDocument.Parse(call.Arguments);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return command;
            var builder = new StringBuilder(command);
            foreach (var argument in document.RootElement.EnumerateObject())
            {
                var value = argument.Value.ValueKind == JsonValueKind.String ? argument.Value.GetString() ?? "" : argument.Value.GetRawText();
                if (value == call.Command) continue;
                builder.Append('\n').Append(argument.Name).Append(": ").Append(value);
            }
            return builder.ToString();
        }
        catch (JsonException)
        {
            return command;
        }
    }

    private string StageEntry(Step step)
    {
        var builder = new StringBuilder();
        builder.AppendLine(DiagnosisText.Cut(new DiagnosisPrompts(_options).IndexLine(step), 400));
        var thought = DiagnosisText.FirstLine(step.Thought, 160);
        if (thought.Length > 0) builder.AppendLine("  thought: " + thought);
        foreach (var call in step.ToolCalls.Take(3))
        {
            if (string.IsNullOrWhiteSpace(call.Observation)) continue;
            var lines = call.Observation.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (lines.Length == 0) continue;
            builder.AppendLine("  output: " + DiagnosisText.OneLine(lines[0], 140));
            if (lines.Length > 1) builder.AppendLine(CultureInfo.InvariantCulture, $"  … last of {lines.Length} lines: {DiagnosisText.OneLine(lines[^1], 140)}");
        }
        // The line a signal was read from ("/bin/bash: line 1: ,: command not found") often sits between the first and
        // last lines and says more than both.
        var evidence = step.Signals.Select(x => x.EvidenceLine).FirstOrDefault(e => !string.IsNullOrWhiteSpace(e));
        if (evidence is not null && !builder.ToString().Contains(DiagnosisText.OneLine(evidence, 140), StringComparison.Ordinal))
        {
            builder.AppendLine("  evidence: " + DiagnosisText.OneLine(evidence, 140));
        }
        return builder.ToString();
    }

    private static IEnumerable<(string Where, string Text)> Texts(Step step)
    {
        if (!string.IsNullOrEmpty(step.Thought)) yield return ("thought", step.Thought);
        for (var i = 0; i < step.ToolCalls.Count; i++)
        {
            var call = step.ToolCalls[i];
            var label = step.ToolCalls.Count > 1 ? $"call {i + 1} " : "";
            if (!string.IsNullOrEmpty(call.Command)) yield return (label + "command", call.Command);
            if (!string.IsNullOrEmpty(call.Observation)) yield return (label + "output", call.Observation);
        }
    }

    private string NoSuchStep(int stepId) =>
        _run.Steps.Count == 0 ? "The run has no steps." : $"No step {stepId}: the run has steps {_run.Steps[0].Id}..{_run.Steps[^1].Id}.";
}
