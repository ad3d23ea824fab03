using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CodeTracer.Core.Export;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// The reflective replay brief: what a re-run of a failed run needs to do better. The task, the step prefix to keep
/// (every step before the failure onset, which a harness replays to restore the environment), and the diagnosis as a
/// corrective hint; as Markdown for people and as chat messages (<c>system</c> + <c>user</c>) an agent framework can
/// take as its prompt.
/// </summary>
public sealed class ReplayBrief
{
    /// <summary>Identifies the JSON layout for consumers.</summary>
    public const string FormatName = "codetracer-replay/1";

    private const int ActionChars = 160;

    public required string RunId { get; init; }

    /// <summary>The step to resume at: the failure onset. Steps before it are kept.</summary>
    public required int TargetStep { get; init; }

    public required IReadOnlyList<int> KeepSteps { get; init; }

    public required string Markdown { get; init; }

    public required IReadOnlyList<ReplayMessage> Messages { get; init; }

    /// <summary>
    /// Builds the brief, or explains why there is none (the diagnosis found no failure onset). The task text is the
    /// original instruction; the kept steps are rendered as a short action list, not replayed outputs.
    /// </summary>
    public static (ReplayBrief? Brief, string? Error) Create(Run run, RunDiagnosis diagnosis, int taskBudgetChars = 20_000)
    {
        if (diagnosis.OnsetStep is not { } onset)
        {
            return (null, "nothing to replay: the diagnosis found no failure onset in this run");
        }
        var keep = run.Steps.Where(s => s.Id < onset && !s.IsMarker).ToList();
        var task = DiagnosisText.HeadTail(string.IsNullOrWhiteSpace(run.Task.Text) ? run.Task.Title : run.Task.Text!.Trim(), taskBudgetChars);

        var prefix = new StringBuilder();
        foreach (var step in keep)
        {
            var action = step.ToolCalls.Select(c => c.Command ?? c.Tool).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c))
                ?? DiagnosisText.FirstLine(step.Thought, ActionChars);
            prefix.AppendLine(CultureInfo.InvariantCulture, $"- [Step {step.Id}] {InspectJson.KindName(step.Kind)}: {DiagnosisText.OneLine(action, ActionChars)}");
        }

        var hint = new StringBuilder();
        hint.AppendLine(diagnosis.Summary);
        if (diagnosis.ErrorKind is not null) hint.AppendLine(CultureInfo.InvariantCulture, $"Error kind: {diagnosis.ErrorKind}.");
        foreach (var link in diagnosis.ErrorChain)
        {
            hint.AppendLine(CultureInfo.InvariantCulture, $"- Step {link.Step} ({link.Role}): {link.Why}");
        }
        foreach (var point in diagnosis.DecisionPoints)
        {
            hint.AppendLine(CultureInfo.InvariantCulture, $"- At step {point.StepId} the run {point.Decision}; it should have: {point.ShouldHave}");
        }
        if (!string.IsNullOrWhiteSpace(diagnosis.CorrectStrategy)) hint.AppendLine("Correct strategy: " + diagnosis.CorrectStrategy);

        var onsetStep = run.Steps.FirstOrDefault(s => s.Id == onset);
        var onsetAction = onsetStep?.ToolCalls.Select(c => c.Command).FirstOrDefault(c => !string.IsNullOrWhiteSpace(c));
        var instruction = new StringBuilder();
        instruction.Append(CultureInfo.InvariantCulture, $"The environment is restored to the state just before step {onset}");
        instruction.Append(keep.Count > 0 ? $" (steps 1-{onset - 1} above have already run). Do not repeat them. " : " (nothing has run yet). ");
        instruction.Append(CultureInfo.InvariantCulture, $"Step {onset} is where the previous attempt went wrong");
        if (onsetAction is not null) instruction.Append(CultureInfo.InvariantCulture, $" (it ran: `{DiagnosisText.OneLine(onsetAction, ActionChars)}`)");
        instruction.Append(": take the corrected approach from the analysis, then verify the result before finishing.");

        var method = diagnosis.Method == HeuristicLocalizer.MethodName ? "CodeTracer's heuristic" : $"CodeTracer ({diagnosis.Method})";
        var markdown = new StringBuilder();
        markdown.AppendLine("# Reflective replay brief");
        markdown.AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"Run `{run.Id}`, resume at step {onset} of {run.StepCount}. Diagnosis by {method}.");
        markdown.AppendLine();
        markdown.AppendLine("## Task");
        markdown.AppendLine();
        markdown.AppendLine(Fence(task));
        markdown.AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"## Steps to keep ({keep.Count})");
        markdown.AppendLine();
        markdown.AppendLine(keep.Count == 0 ? "None: restart from the beginning." : prefix.ToString().TrimEnd());
        markdown.AppendLine();
        markdown.AppendLine(CultureInfo.InvariantCulture, $"## What went wrong at step {onset}");
        markdown.AppendLine();
        markdown.AppendLine(hint.ToString().TrimEnd());
        markdown.AppendLine();
        markdown.AppendLine("## Instructions");
        markdown.AppendLine();
        markdown.AppendLine(instruction.ToString());

        var user = new StringBuilder();
        user.AppendLine("## Task");
        user.AppendLine(task);
        user.AppendLine();
        user.AppendLine("## Steps executed so far");
        user.AppendLine(keep.Count == 0 ? "(none)" : prefix.ToString().TrimEnd());
        user.AppendLine();
        user.AppendLine(CultureInfo.InvariantCulture, $"## Error analysis at step {onset}");
        user.AppendLine(hint.ToString().TrimEnd());
        user.AppendLine();
        user.AppendLine(instruction.ToString());

        List<ReplayMessage> messages =
        [
            new("system", "You are resuming a failed coding-agent run at a checkpoint. An analysis of the previous attempt says where it went wrong; avoid that mistake, follow the corrected approach, and verify your result before finishing."),
            new("user", user.ToString()),
        ];
        return (new ReplayBrief
        {
            RunId = run.Id,
            TargetStep = onset,
            KeepSteps = keep.Select(s => s.Id).ToList(),
            Markdown = markdown.ToString(),
            Messages = messages,
        }, null);
    }

    /// <summary>The machine form: <c>{format, runId, targetStep, keepSteps, messages:[{role, content}]}</c>.</summary>
    public void WriteJson(Stream output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.Default });
        writer.WriteStartObject();
        writer.WriteString("format", FormatName);
        writer.WriteString("runId", RunId);
        writer.WriteNumber("targetStep", TargetStep);
        writer.WriteStartArray("keepSteps");
        foreach (var id in KeepSteps) writer.WriteNumberValue(id);
        writer.WriteEndArray();
        writer.WriteStartArray("messages");
        foreach (var message in Messages)
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role);
            writer.WriteString("content", message.Content);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    // A fence longer than any backtick run inside keeps task text from ending the block early.
    private static string Fence(string text)
    {
        var longest = 0;
        var current = 0;
        foreach (var c in text)
        {
            current = c == '`' ? current + 1 : 0;
            longest = Math.Max(longest, current);
        }
        var fence = new string('`', Math.Max(3, longest + 1));
        return $"{fence}text\n{text}\n{fence}";
    }
}

/// <summary>A chat message of the replay brief.</summary>
public sealed record ReplayMessage(string Role, string Content);
