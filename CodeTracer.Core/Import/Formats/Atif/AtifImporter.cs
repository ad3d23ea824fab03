using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Import.Formats.ClaudeCode;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import.Formats.Atif;

/// <summary>
/// Harbor's Agent Trajectory Interchange Format (<c>agent/trajectory.json</c>, schema <c>ATIF-v1.2</c> ... <c>v1.8</c>),
/// as a Harbor trial folder or a file given directly. One step per <c>source: agent</c> step; its
/// <c>tool_calls</c> are the tool calls and <c>observation.results</c> are joined to them by <c>source_call_id</c>
/// (Terminus 2 writes one result for its whole keystroke batch, without an id).
/// </summary>
public sealed class AtifImporter : ITrajectoryImporter
{
    private readonly ImportOptions _options;

    public AtifImporter(IOptions<ImportOptions> options)
    {
        _options = options.Value;
    }

    public string Name => "harbor-atif";

    /// <summary>
    /// Highest of the trial-folder importers: a Harbor trial with <c>agent/trajectory.json</c> is read from it even
    /// when <c>agent/claude-code.txt</c> or <c>agent/episode-N/</c> are there too.
    /// </summary>
    public int Priority => 300;

    public string Describes => "a Harbor trial folder with agent/trajectory.json, or an ATIF trajectory file (JSON with schema_version and steps)";

    public bool ClaimsDirectory(DirectoryInfo directory)
    {
        var trajectory = Path.Combine(directory.FullName, "agent", "trajectory.json");
        return File.Exists(trajectory) && LooksLikeAtif(FileSniffer.Sniff(trajectory, _options.SniffBytes).TrimmedHead);
    }

    public bool CanRead(FileSniff sniff) => sniff.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase) && LooksLikeAtif(sniff.TrimmedHead);

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        yield return RunReadResult.Ok(ReadRun(unit, context, cancellationToken));
    }

    /// <summary>ATIF files start with <c>schema_version</c> (<c>ATIF-v1.x</c>); older exports name the version bare.</summary>
    internal static bool LooksLikeAtif(ReadOnlySpan<char> head) =>
        head.StartsWith("{", StringComparison.Ordinal)
        && head.Contains("\"schema_version\"", StringComparison.Ordinal)
        && (head.Contains("\"ATIF-v", StringComparison.Ordinal) || (head.Contains("\"steps\"", StringComparison.Ordinal) && head.Contains("\"agent\"", StringComparison.Ordinal)));

    private static Run ReadRun(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        string file;
        string? trial = null;
        if (unit.IsDirectory)
        {
            trial = unit.Path;
            file = Path.Combine(trial, "agent", "trajectory.json");
        }
        else
        {
            file = unit.Path;
            var folder = Path.GetDirectoryName(file);
            if (folder is not null && Path.GetFileName(folder) == "agent") trial = Path.GetDirectoryName(folder);
        }

        var run = new Run
        {
            Format = RunFormats.HarborAtif,
            Source = new RunSource { Path = unit.Path },
        };
        HarnessFiles.AddSource(run, file);
        using (var document = JsonInput.ParseFile(file, context))
        {
            ReadTrajectory(run, document.RootElement, file, cancellationToken);
        }

        if (trial is not null)
        {
            TrialResults.Apply(run, trial, context);
            run.Task.Id ??= TrialNames.TaskIdFromTrialFolder(Path.GetFileName(trial));
            WarnAboutContinuations(run, Path.Combine(trial, "agent"));
        }
        return run;
    }

    private static void ReadTrajectory(Run run, JsonElement root, string file, CancellationToken cancellationToken)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ImportException(file, "$", "an ATIF trajectory is a JSON object");
        if (root.Prop("steps") is not { ValueKind: JsonValueKind.Array } steps) throw new ImportException(file, "$.steps", "the trajectory has no steps list");

        run.FormatVersion = root.Str("schema_version");
        var agent = root.Prop("agent");
        run.Framework = FrameworkOf(agent?.Str("name"));
        run.Model = agent?.Str("model_name") ?? agent?.Str("model");

        long stepPrompt = 0, stepCompletion = 0;
        double stepCost = 0;
        var index = -1;
        foreach (var element in steps.EnumerateArray())
        {
            index++;
            if ((index & 0xFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (element.ValueKind != JsonValueKind.Object) continue;
            switch (element.Str("source"))
            {
                case "user":
                    // The first user message, before the agent acts, is the task; later ones are follow-ups.
                    if (run.Steps.Count == 0 && string.IsNullOrWhiteSpace(run.Task.Text)) run.Task.Text = MessageText(element.Prop("message"));
                    continue;
                case "agent":
                    break;
                default:
                    continue;
            }

            var step = ReadAgentStep(element, file, index);
            if (step.Tokens is { } tokens)
            {
                stepPrompt += tokens.Prompt ?? 0;
                stepCompletion += tokens.Completion ?? 0;
                stepCost += tokens.CostUsd ?? 0;
            }
            if (string.IsNullOrWhiteSpace(step.Thought) && string.IsNullOrWhiteSpace(step.Reasoning) && step.ToolCalls.Count == 0)
            {
                // Converters write a step for every streamed message, including empty ones; they hold nothing to show.
                continue;
            }
            if (run.Steps.Count > 0 && IsSplitTurn(run.Steps[^1], step))
            {
                // Harbor's Claude Code converter splits one assistant turn into its text and its tool calls, both carrying
                // the turn's reasoning: put the turn back together, so a step is one action and the text is not shown twice.
                var text = run.Steps[^1];
                run.Steps.RemoveAt(run.Steps.Count - 1);
                step.Thought = string.IsNullOrWhiteSpace(step.Thought) ? text.Thought : text.Thought + "\n\n" + step.Thought;
                step.StartedAtUtc = text.StartedAtUtc ?? step.StartedAtUtc;
                step.Tokens = StepTokens.Sum(text.Tokens, step.Tokens);
            }
            run.Steps.Add(step);
        }

        var metrics = run.Metrics;
        var final = root.Prop("final_metrics");
        metrics.PromptTokens = Positive(final?.Long("total_prompt_tokens")) ?? Positive(stepPrompt);
        metrics.CompletionTokens = Positive(final?.Long("total_completion_tokens")) ?? Positive(stepCompletion);
        metrics.CachedTokens = Positive(final?.Long("total_cached_tokens"));
        metrics.CostUsd = final?.Double("total_cost_usd") is > 0 and var cost ? cost : stepCost > 0 ? stepCost : null;
    }

    /// <summary>A text-only step followed by a tool-call step with the same reasoning: one turn written as two steps.</summary>
    private static bool IsSplitTurn(Step text, Step calls) =>
        text.ToolCalls.Count == 0 && calls.ToolCalls.Count > 0
        && text.Reasoning is { Length: > 0 } reasoning && string.Equals(reasoning, calls.Reasoning, StringComparison.Ordinal);

    private static Step ReadAgentStep(JsonElement element, string file, int index)
    {
        var step = new Step
        {
            Reasoning = NullIfBlank(element.Str("reasoning_content")),
            StartedAtUtc = HarnessFiles.ParseTimestamp(element.Str("timestamp")),
            Provenance = new Provenance { File = file, JsonPointer = string.Create(CultureInfo.InvariantCulture, $"/steps/{index}") },
        };

        foreach (var call in element.Items("tool_calls"))
        {
            var name = call.Str("function_name") ?? call.Str("name") ?? "tool";
            var arguments = call.Prop("arguments");
            step.ToolCalls.Add(new ToolCall
            {
                CallId = call.Str("tool_call_id"),
                Tool = name,
                Arguments = arguments switch
                {
                    null => null,
                    { ValueKind: JsonValueKind.String } text => text.GetString(),
                    { } json => json.GetRawText(),
                },
                Command = arguments is { } args ? ToolCommandText.Render(name, ParseIfString(args)) : null,
            });
        }

        var message = NullIfBlank(MessageText(element.Prop("message")));
        // Harbor's Claude Code converter fills `message` with "Executed Bash functions.Bash:0" when the model said nothing.
        if (message is not null && !step.ToolCalls.Any(c => message == $"Executed {c.Tool} {c.CallId}")) step.Thought = message;

        JoinObservations(step, element.Prop("observation"));

        var extra = element.Prop("extra");
        if (extra?.Bool("tool_result_is_error") == true)
        {
            foreach (var call in step.ToolCalls.Where(c => c.Observation is not null))
            {
                call.IsError = true;
                call.ExitCode ??= StreamJsonTranscript.ExitCodeOf(call.Observation!);
            }
        }

        if (element.Prop("metrics") is { ValueKind: JsonValueKind.Object } metrics)
        {
            var prompt = metrics.Long("prompt_tokens") ?? 0;
            var completion = metrics.Long("completion_tokens") ?? 0;
            var cost = metrics.Double("cost_usd") ?? 0;
            // Converters often write all-zero metrics per step and the real totals in final_metrics.
            if (prompt > 0 || completion > 0 || cost > 0)
            {
                step.Tokens = new StepTokens { Prompt = Positive(prompt), Completion = Positive(completion), CostUsd = cost > 0 ? cost : null };
            }
        }
        return step;
    }

    /// <summary>Joins results by <c>source_call_id</c>; one result without an id is the output of the whole batch (the last call).</summary>
    private static void JoinObservations(Step step, JsonElement? observation)
    {
        if (observation is null || step.ToolCalls.Count == 0) return;
        var results = observation.Value.Items("results").ToList();
        foreach (var result in results)
        {
            var text = ResultContent(result.Prop("content"));
            var id = result.Str("source_call_id");
            var target = id is null ? null : step.ToolCalls.FirstOrDefault(c => c.CallId == id);
            if (target is null && (id is null || results.Count == 1)) target = step.ToolCalls[^1];
            if (target is null) continue;
            target.Observation = target.Observation is null ? text : target.Observation + "\n" + text;
        }
    }

    /// <summary>A result's content: a string, or a list of content parts (ATIF 1.6+ allows images) whose text is joined.</summary>
    private static string ResultContent(JsonElement? content) => StreamJsonTranscript.ResultText(content);

    private static string? MessageText(JsonElement? message) => message switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Array } => StreamJsonTranscript.ResultText(message),
        _ => null,
    };

    private static JsonElement ParseIfString(JsonElement arguments)
    {
        if (arguments.ValueKind != JsonValueKind.String) return arguments;
        var text = arguments.GetString();
        if (string.IsNullOrWhiteSpace(text) || !text.TrimStart().StartsWith('{')) return arguments;
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return arguments;
        }
    }

    private static string FrameworkOf(string? agentName) => agentName switch
    {
        null or "" => "unknown",
        "terminus-2" or "terminus2" or "terminus" => Frameworks.Terminus2,
        "claude-code" or "claude_code" => Frameworks.ClaudeCode,
        "openhands" => Frameworks.OpenHands,
        "mini-swe-agent" or "mini_swe_agent" => Frameworks.MiniSweAgent,
        "swe-agent" or "swe_agent" => Frameworks.SweAgent,
        _ => agentName,
    };

    private static void WarnAboutContinuations(Run run, string agentFolder)
    {
        if (!Directory.Exists(agentFolder)) return;
        var continuations = Directory.EnumerateFiles(agentFolder, "trajectory.cont-*.json").Count();
        if (continuations == 0) return;
        run.Warnings.Add(new ImportWarning
        {
            Code = "continuations-not-read",
            Message = string.Create(CultureInfo.InvariantCulture, $"{continuations} continuation file(s) (trajectory.cont-N.json) hold later steps of this run and were not read"),
            File = agentFolder,
        });
    }

    private static long? Positive(long? value) => value > 0 ? value : null;

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
