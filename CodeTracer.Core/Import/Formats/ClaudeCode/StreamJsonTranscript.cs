using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

/// <summary>
/// Builds a run's steps from Claude Code stream-json events (from a recording or a plain JSONL file). One step per
/// assistant turn: the <c>assistant</c> events sharing a <c>message.id</c> (Claude Code writes one content block per
/// event, so parallel tool calls arrive as separate events); their <c>tool_use</c> blocks are the step's tool
/// calls and <c>user</c> <c>tool_result</c> blocks are joined to them by <c>tool_use_id</c>.
/// </summary>
internal sealed class StreamJsonTranscript
{
    // Claude Code puts this in a text block when the model sent only tool calls.
    private const string NoContentPlaceholder = "(no content)";

    private readonly Run _run;
    private readonly string _file;
    private readonly Dictionary<string, Step> _stepsByMessage = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ToolCall Call, Step Step)> _calls = new(StringComparer.Ordinal);
    private readonly Dictionary<Step, (long Prompt, long Completion)> _usage = [];
    private int _unmatchedResults;
    private string? _firstUnmatchedId;
    private bool _sawInit;
    private bool _sawResult;

    public StreamJsonTranscript(Run run, string file)
    {
        _run = run;
        _file = file;
    }

    /// <summary>How many events were recognised (system, assistant, user, result).</summary>
    public int EventCount { get; private set; }

    public bool SawInit => _sawInit;

    /// <summary>Adds one event. <paramref name="firstLine"/>..<paramref name="lastLine"/> locate it in <see cref="_file"/>.</summary>
    public void Add(JsonElement root, int firstLine, int lastLine, DateTime? time)
    {
        if (root.ValueKind != JsonValueKind.Object) return;
        switch (root.Str("type"))
        {
            case "system":
                EventCount++;
                if (root.Str("subtype") == "init") OnInit(root);
                break;
            case "assistant":
                EventCount++;
                OnAssistant(root, firstLine, lastLine, time);
                break;
            case "user":
                EventCount++;
                OnUser(root, lastLine, time ?? ReadTime(root));
                break;
            case "result":
                EventCount++;
                OnResult(root);
                break;
        }
    }

    /// <summary>Fills what only the whole transcript tells, and warns about what did not fit.</summary>
    public void Finish()
    {
        if (_unmatchedResults > 0)
        {
            _run.Warnings.Add(new ImportWarning
            {
                Code = "orphan-tool-results",
                Message = string.Create(CultureInfo.InvariantCulture, $"{_unmatchedResults} tool result(s) name a tool_use id that no assistant turn made (first: {_firstUnmatchedId})"),
                File = _file,
            });
        }
        if (EventCount > 0 && !_sawResult)
        {
            _run.Warnings.Add(new ImportWarning
            {
                Code = "no-final-result",
                Message = "the transcript ends without Claude Code's final result event: the agent was stopped (a timeout or a crash) before it finished",
                File = _file,
            });
        }

        var metrics = _run.Metrics;
        if (metrics.PromptTokens is null && metrics.CompletionTokens is null && _usage.Count > 0)
        {
            var prompt = _usage.Values.Sum(u => u.Prompt);
            var completion = _usage.Values.Sum(u => u.Completion);
            if (prompt > 0) metrics.PromptTokens = prompt;
            if (completion > 0) metrics.CompletionTokens = completion;
        }
        if (metrics.ApiCalls is null && _stepsByMessage.Count > 0) metrics.ApiCalls = _stepsByMessage.Count;
    }

    private void OnInit(JsonElement root)
    {
        _sawInit = true;
        if (string.IsNullOrEmpty(_run.Model)) _run.Model = root.Str("model");
        _run.FormatVersion ??= root.Str("claude_code_version");
    }

    private void OnAssistant(JsonElement root, int firstLine, int lastLine, DateTime? time)
    {
        if (root.Prop("message") is not { ValueKind: JsonValueKind.Object } message) return;
        if (string.IsNullOrEmpty(_run.Model)) _run.Model = message.Str("model");

        var messageId = message.Str("id");
        if (messageId is null || !_stepsByMessage.TryGetValue(messageId, out var step))
        {
            step = new Step
            {
                StartedAtUtc = time ?? ReadTime(root),
                Provenance = new Provenance { File = _file, LineStart = firstLine, LineEnd = lastLine },
            };
            _run.Steps.Add(step);
            if (messageId is not null) _stepsByMessage[messageId] = step;
        }
        else
        {
            ExtendProvenance(step, lastLine);
        }

        RecordUsage(step, message.Prop("usage"));

        var content = message.Prop("content");
        if (content is { ValueKind: JsonValueKind.String } text)
        {
            AppendThought(step, text.GetString());
            return;
        }
        if (content is not { ValueKind: JsonValueKind.Array } blocks) return;
        foreach (var block in blocks.EnumerateArray())
        {
            switch (block.Str("type"))
            {
                case "text":
                    AppendThought(step, block.Str("text"));
                    break;
                case "thinking":
                    step.Reasoning = Append(step.Reasoning, block.Str("thinking"));
                    break;
                case "tool_use" or "server_tool_use":
                    AddCall(step, block);
                    break;
                case "tool_result" or "web_search_tool_result" or "web_fetch_tool_result":
                    JoinResult(block, lastLine, time);
                    break;
            }
        }
    }

    private void OnUser(JsonElement root, int lastLine, DateTime? time)
    {
        var content = root.Prop("message")?.Prop("content");
        if (content is { ValueKind: JsonValueKind.String } prompt)
        {
            TakeTaskText(prompt.GetString());
            return;
        }
        if (content is not { ValueKind: JsonValueKind.Array } blocks) return;
        foreach (var block in blocks.EnumerateArray())
        {
            switch (block.Str("type"))
            {
                case "tool_result":
                    JoinResult(block, lastLine, time);
                    break;
                case "text":
                    TakeTaskText(block.Str("text"));
                    break;
            }
        }
    }

    private void OnResult(JsonElement root)
    {
        _sawResult = true;
        _run.ExitStatus = root.Str("subtype") ?? (root.Bool("is_error") == true ? "error" : null);
        var metrics = _run.Metrics;
        if (root.Double("duration_ms") is > 0 and var durationMs) metrics.DurationSeconds = durationMs / 1000.0;
        if (root.Double("total_cost_usd") is > 0 and var cost) metrics.CostUsd = cost;
        if (root.Long("num_turns") is > 0 and var turns) metrics.ApiCalls = (int)Math.Min(turns, int.MaxValue);

        // modelUsage totals every model the session used (sub-agents included); usage is often partial or zero.
        long input = 0, output = 0, cacheRead = 0, cacheCreation = 0;
        if (root.Prop("modelUsage") is { ValueKind: JsonValueKind.Object } byModel)
        {
            foreach (var model in byModel.EnumerateObject())
            {
                input += model.Value.Long("inputTokens") ?? 0;
                output += model.Value.Long("outputTokens") ?? 0;
                cacheRead += model.Value.Long("cacheReadInputTokens") ?? 0;
                cacheCreation += model.Value.Long("cacheCreationInputTokens") ?? 0;
            }
        }
        if (input + output + cacheRead + cacheCreation == 0 && root.Prop("usage") is { } usage)
        {
            input = usage.Long("input_tokens") ?? 0;
            output = usage.Long("output_tokens") ?? 0;
            cacheRead = usage.Long("cache_read_input_tokens") ?? 0;
            cacheCreation = usage.Long("cache_creation_input_tokens") ?? 0;
        }
        // Anthropic's input_tokens excludes cached input; the prompt the model read is all three together.
        if (input + cacheRead + cacheCreation > 0) metrics.PromptTokens = input + cacheRead + cacheCreation;
        if (cacheRead > 0) metrics.CachedTokens = cacheRead;
        if (output > 0) metrics.CompletionTokens = output;
    }

    private void AddCall(Step step, JsonElement block)
    {
        var name = block.Str("name") ?? "tool";
        var input = block.Prop("input");
        var call = new ToolCall
        {
            CallId = block.Str("id"),
            Tool = name,
            Arguments = input?.GetRawText(),
            Command = input is { } args ? ToolCommandText.Render(name, args) : null,
        };
        step.ToolCalls.Add(call);
        if (call.CallId is not null) _calls[call.CallId] = (call, step);
    }

    private void JoinResult(JsonElement block, int lastLine, DateTime? time)
    {
        var id = block.Str("tool_use_id");
        if (id is null || !_calls.TryGetValue(id, out var target))
        {
            if (_unmatchedResults++ == 0) _firstUnmatchedId = id ?? "(none)";
            return;
        }
        var (call, step) = target;
        var text = ResultText(block.Prop("content"));
        call.Observation = call.Observation is null ? text : call.Observation + "\n" + text;
        if (block.Bool("is_error") == true)
        {
            call.IsError = true;
            call.ExitCode ??= ExitCodeOf(text);
        }
        if (time is { } ended && (step.EndedAtUtc is null || ended > step.EndedAtUtc)) step.EndedAtUtc = ended;
        ExtendProvenance(step, lastLine);
    }

    private void TakeTaskText(string? text)
    {
        // Only a prompt before the first turn is the task; later user text is a hook or an interruption notice.
        if (_run.Steps.Count == 0 && string.IsNullOrWhiteSpace(_run.Task.Text) && !string.IsNullOrWhiteSpace(text)) _run.Task.Text = text;
    }

    private void RecordUsage(Step step, JsonElement? usage)
    {
        if (usage is not { ValueKind: JsonValueKind.Object } u) return;
        var prompt = (u.Long("input_tokens") ?? 0) + (u.Long("cache_read_input_tokens") ?? 0) + (u.Long("cache_creation_input_tokens") ?? 0);
        var completion = u.Long("output_tokens") ?? 0;
        if (prompt == 0 && completion == 0) return;
        // Every event of a message repeats the message's usage so far: keep the largest, do not add them up.
        var (oldPrompt, oldCompletion) = _usage.GetValueOrDefault(step);
        var merged = (Math.Max(prompt, oldPrompt), Math.Max(completion, oldCompletion));
        _usage[step] = merged;
        step.Tokens = new StepTokens { Prompt = merged.Item1, Completion = merged.Item2 };
    }

    private static void AppendThought(Step step, string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == NoContentPlaceholder) return;
        step.Thought = Append(step.Thought, text);
    }

    private static string? Append(string? existing, string? text) =>
        string.IsNullOrWhiteSpace(text) ? existing : existing is null ? text : existing + "\n\n" + text;

    private static void ExtendProvenance(Step step, int lastLine)
    {
        if (step.Provenance is { } provenance && (provenance.LineEnd is null || lastLine > provenance.LineEnd)) provenance.LineEnd = lastLine;
    }

    /// <summary>A tool result's content: a string, or a list of blocks whose text parts are joined.</summary>
    internal static string ResultText(JsonElement? content)
    {
        switch (content)
        {
            case null:
                return "";
            case { ValueKind: JsonValueKind.String } text:
                return text.GetString() ?? "";
            case { ValueKind: JsonValueKind.Array } blocks:
                var builder = new StringBuilder();
                foreach (var block in blocks.EnumerateArray())
                {
                    var piece = block.Str("type") switch
                    {
                        "text" => block.Str("text"),
                        "image" => "[image]",
                        _ => block.ValueKind == JsonValueKind.String ? block.GetString() : null,
                    };
                    if (piece is null) continue;
                    if (builder.Length > 0) builder.Append('\n');
                    builder.Append(piece);
                }
                return builder.ToString();
            default:
                return content.Value.GetRawText();
        }
    }

    /// <summary>Claude Code reports a failed shell command as <c>Exit code 2\n...</c>.</summary>
    internal static int? ExitCodeOf(string text)
    {
        const string Prefix = "Exit code ";
        if (!text.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        var digits = text.AsSpan(Prefix.Length);
        var end = 0;
        while (end < digits.Length && (char.IsAsciiDigit(digits[end]) || (end == 0 && digits[end] == '-'))) end++;
        return int.TryParse(digits[..end], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var code) ? code : null;
    }

    private static DateTime? ReadTime(JsonElement root) =>
        root.Str("timestamp") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.UtcDateTime
            : null;
}
