using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeTracer.Core.Import.Formats.SweAgent;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.MiniSweAgent;

/// <summary>
/// Reads mini-SWE-agent <c>.traj.json</c> files: one step per assistant message. In <c>mini-swe-agent-1</c> the action is
/// the fenced <c>```bash</c> block of the assistant text and its output the next user message; in
/// <c>mini-swe-agent-1.1</c> the actions are <c>tool_calls</c> answered by <c>tool</c> messages, and an <c>exit</c>
/// message ends the run. The verdict is not in the file (see the outcome resolvers).
/// </summary>
public sealed partial class MiniSweAgentTrajImporter : ITrajectoryImporter
{
    /// <summary>Tool name of a turn the harness rejected (not exactly one action): nothing ran, the harness answered.</summary>
    public const string FormatErrorTool = "format_error";

    /// <summary>Tool name of a harness message that answers a turn whose actions had all been answered already.</summary>
    public const string HarnessMessageTool = "harness_message";

    private const string FormatPrefix = "mini-swe-agent-";

    /// <summary>Warning and exception texts are shown in lists; the full text stays in the file.</summary>
    private const int MaxWarningChars = 500;

    /// <inheritdoc />
    public string Name => Frameworks.MiniSweAgent;

    /// <inheritdoc />
    public int Priority => 0;

    /// <inheritdoc />
    public string Describes => "mini-SWE-agent *.traj.json: a JSON object with messages[] and trajectory_format mini-swe-agent-1 / -1.1";

    /// <inheritdoc />
    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    /// <inheritdoc />
    public bool CanRead(FileSniff sniff)
    {
        var head = sniff.TrimmedHead;
        if (head.IsEmpty || head[0] != '{') return false;
        if (FormatKey().IsMatch(head) || head.Contains("\"mini_version\"", StringComparison.Ordinal)) return true;
        // mini-SWE-agent writes trajectory_format and instance_id last, after the messages and a submission that can be
        // close to a megabyte, so a file that looks like one but does not say so in its head is checked at its end.
        if (sniff.Length <= sniff.Head.Length) return false;
        if (!head.Contains("\"info\"", StringComparison.Ordinal) && !head.Contains("\"messages\"", StringComparison.Ordinal)) return false;
        return FormatKey().IsMatch(AgentJson.ReadTail(sniff.Path, 4096));
    }

    /// <inheritdoc />
    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        using var document = JsonInput.ParseFile(unit.Path, context);
        return [RunReadResult.Ok(ReadRun(document.RootElement, unit.Path, cancellationToken))];
    }

    private static Run ReadRun(JsonElement root, string path, CancellationToken cancellationToken)
    {
        var messages = AgentJson.RequireArray(root, "messages", path, "an array of chat messages (messages[])");
        var format = root.Str("trajectory_format");
        var version = format is not null && format.StartsWith(FormatPrefix, StringComparison.Ordinal) ? format[FormatPrefix.Length..] : null;
        var toolMode = version switch
        {
            "1" => false,
            null => UsesToolCalls(messages),
            _ => true,
        };
        var info = root.Prop("info") is { ValueKind: JsonValueKind.Object } i ? i : (JsonElement?)null;
        var run = new Run
        {
            Framework = Frameworks.MiniSweAgent,
            Format = RunFormats.MiniSweAgentTraj,
            FormatVersion = version ?? (toolMode ? "1.1" : "1"),
            Source = new RunSource { Path = path },
        };
        run.Task.Id = root.Str("instance_id") ?? InstanceId(path);

        var reader = new MessageReader(run, path, toolMode,
            TemplatePrefix(info, "timeout_template", "The last command <command>"),
            TemplatePrefix(info, "format_error_template", toolMode ? "Tool call error:" : "Please always provide EXACTLY ONE action"));
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            reader.Read(message, index++);
        }

        run.ExitStatus = info?.Str("exit_status") ?? reader.ExitStatus;
        var exception = info?.Str("exception_str") ?? reader.ExceptionText;
        if (!string.IsNullOrWhiteSpace(exception))
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "agent-exception",
                Message = "the agent stopped on an exception: " + Shorten(exception),
                File = path,
                Location = info?.Str("exception_str") is not null ? "$.info.exception_str" : reader.ExceptionLocation,
            });
        }

        if (info?.Prop("model_stats") is { ValueKind: JsonValueKind.Object } stats)
        {
            run.Metrics.CostUsd = stats.Double("instance_cost");
            if (stats.Long("api_calls") is { } calls && calls > 0) run.Metrics.ApiCalls = (int)Math.Min(calls, int.MaxValue);
        }
        run.Metrics.PromptTokens = reader.PromptTokens;
        run.Metrics.CompletionTokens = reader.CompletionTokens;
        run.Metrics.CachedTokens = reader.CachedTokens;
        run.Metrics.StartedAtUtc = reader.FirstTime;
        run.Metrics.EndedAtUtc = reader.LastTime;
        run.Model = info?.Prop("config")?.Prop("model")?.Str("model_name") ?? reader.ResponseModel;
        return run;
    }

    /// <summary>Without a <c>trajectory_format</c>, tool calls or <c>tool</c>/<c>exit</c> messages mean the 1.1 shape.</summary>
    private static bool UsesToolCalls(JsonElement messages)
    {
        foreach (var message in messages.EnumerateArray())
        {
            if (message.Str("role") is "tool" or "exit") return true;
            if (message.Prop("tool_calls") is { ValueKind: JsonValueKind.Array } calls && calls.GetArrayLength() > 0) return true;
        }
        return false;
    }

    /// <summary>
    /// The fixed start of one of the run's own message templates (up to its first placeholder), to tell a timeout
    /// notice or a format-error message from other text. The agent config holds them in v1, the model config in v2.
    /// </summary>
    private static string TemplatePrefix(JsonElement? info, string key, string fallback)
    {
        var config = info?.Prop("config");
        var template = config?.Prop("agent")?.Str(key) ?? config?.Prop("model")?.Str(key);
        if (string.IsNullOrEmpty(template)) return fallback;
        var cut = template.IndexOfAny(['{', '\n']);
        var prefix = cut < 0 ? template : template[..cut];
        return prefix.Trim().Length >= 8 ? prefix : fallback;
    }

    private static string InstanceId(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var suffix in (string[])[".traj.json", ".json"])
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return name[..^suffix.Length];
        }
        return name;
    }

    private static string Shorten(string text)
    {
        var line = text.AsSpan().Trim();
        return line.Length > MaxWarningChars ? string.Concat(line[..MaxWarningChars], "…") : line.ToString();
    }

    /// <summary>Turns messages into steps, one message at a time, joining outputs onto the calls they answer.</summary>
    private sealed class MessageReader
    {
        private readonly Run _run;
        private readonly string _path;
        private readonly bool _toolMode;
        private readonly string _timeoutPrefix;
        private readonly string _formatErrorPrefix;
        private readonly Dictionary<string, ToolCall> _openCalls = new(StringComparer.Ordinal);
        private bool _seenTask;
        private Step? _current;
        private DateTime? _lastTime;

        public MessageReader(Run run, string path, bool toolMode, string timeoutPrefix, string formatErrorPrefix)
        {
            _run = run;
            _path = path;
            _toolMode = toolMode;
            _timeoutPrefix = timeoutPrefix;
            _formatErrorPrefix = formatErrorPrefix;
        }

        public string? ExitStatus { get; private set; }

        public string? ExceptionText { get; private set; }

        public string? ExceptionLocation { get; private set; }

        public string? ResponseModel { get; private set; }

        public long? PromptTokens { get; private set; }

        public long? CompletionTokens { get; private set; }

        public long? CachedTokens { get; private set; }

        public DateTime? FirstTime { get; private set; }

        public DateTime? LastTime { get; private set; }

        public void Read(JsonElement message, int index)
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                Warn("message-skipped", $"message {index} is {AgentJson.Describe(message.ValueKind)}, not an object; it was skipped", index);
                return;
            }
            switch (message.Str("role"))
            {
                case "system":
                    return;
                case "user":
                    ReadUser(message, index);
                    return;
                case "assistant":
                    _current = _toolMode ? ReadToolTurn(message, index) : ReadTextTurn(message, index);
                    _run.Steps.Add(_current);
                    return;
                case "tool":
                    ReadToolOutput(message, index);
                    return;
                case "exit":
                    ReadExit(message, index);
                    return;
                default:
                    Warn("message-skipped", $"message {index} has role '{message.Str("role")}', which mini-SWE-agent does not write; it was skipped", index);
                    return;
            }
        }

        private void ReadUser(JsonElement message, int index)
        {
            var text = AgentJson.ContentText(message) ?? "";
            if (!_seenTask)
            {
                _seenTask = true;
                _run.Task.Text = text;
                return;
            }
            if (_current is null)
            {
                Warn("message-unjoined", $"user message {index} comes before any agent turn; it was not joined to a step", index);
                return;
            }
            // v1: the output of the turn's command, the timeout notice, the format-error message or the submitted diff.
            // v1.1: outputs arrive as tool messages, so a user message mid-run is the harness talking (a format error).
            var open = _current.ToolCalls.FirstOrDefault(c => c.Observation is null);
            if (open is not null && (!_toolMode || open.Tool == FormatErrorTool))
            {
                Answer(open, text);
                return;
            }
            _current.ToolCalls.Add(new ToolCall
            {
                Tool = _current.ToolCalls.Count == 0 ? FormatErrorTool : HarnessMessageTool,
                Observation = text,
                IsError = _current.ToolCalls.Count == 0,
            });
        }

        /// <summary>v1: the action is the one fenced bash block; any other count is a format error the harness answers.</summary>
        private Step ReadTextTurn(JsonElement message, int index)
        {
            var text = AgentJson.ContentText(message) ?? "";
            var blocks = BashBlock().Matches(text);
            // The thought is the text around the command that ran; a rejected turn keeps its whole text, blocks and all.
            var step = NewStep(message, index, blocks.Count == 1 ? WithoutLabel(text.Remove(blocks[0].Index, blocks[0].Length)) : text);
            if (blocks.Count == 1)
            {
                step.ToolCalls.Add(new ToolCall { Tool = "bash", Command = blocks[0].Groups["command"].Value.Trim() });
            }
            else
            {
                // Kept visible as a call that never ran: the rejected blocks (if any) and, once it arrives, the harness's message.
                step.ToolCalls.Add(new ToolCall
                {
                    Tool = FormatErrorTool,
                    Command = blocks.Count == 0 ? null : string.Join("\n", blocks.Select(b => b.Groups["command"].Value.Trim())),
                    IsError = true,
                });
            }
            return step;
        }

        /// <summary>v1.1: one call per <c>tool_calls</c> entry; the command comes from <c>extra.actions</c> or the arguments.</summary>
        private Step ReadToolTurn(JsonElement message, int index)
        {
            var content = AgentJson.ContentText(message);
            var step = NewStep(message, index, content);
            step.Reasoning = NonEmpty(message.Str("reasoning_content") ?? message.Prop("provider_specific_fields")?.Str("reasoning_content"));

            Dictionary<string, string>? commands = null;
            foreach (var action in (message.Prop("extra") ?? default).Items("actions"))
            {
                if (action.Str("tool_call_id") is { } id && action.Str("command") is { } command)
                {
                    (commands ??= new(StringComparer.Ordinal))[id] = command;
                }
            }
            foreach (var toolCall in message.Items("tool_calls"))
            {
                var function = toolCall.Prop("function");
                var arguments = function?.Prop("arguments") is { } a ? a.ValueKind == JsonValueKind.String ? a.GetString() : a.GetRawText() : null;
                var id = toolCall.Str("id");
                var call = new ToolCall
                {
                    CallId = id,
                    Tool = NonEmpty(function?.Str("name")) ?? "bash",
                    Arguments = arguments,
                    Command = id is not null && commands?.GetValueOrDefault(id) is { } c ? c : CommandFromArguments(arguments),
                };
                step.ToolCalls.Add(call);
                if (id is not null) _openCalls[id] = call;
            }
            return step;
        }

        private Step NewStep(JsonElement message, int index, string? thought)
        {
            var step = new Step
            {
                Thought = NonEmpty(thought),
                Provenance = new Provenance { File = _path, JsonPointer = "/messages/" + index.ToString(CultureInfo.InvariantCulture) },
            };
            var extra = message.Prop("extra");
            var response = extra?.Prop("response");
            var time = AgentJson.UnixSeconds(extra?.Double("timestamp")) ?? AgentJson.UnixSeconds(response?.Double("created"));
            step.StartedAtUtc = time;
            Seen(time);
            _lastTime = time;

            if (ResponseModel is null && NonEmpty(response?.Str("model")) is { } model) ResponseModel = model;
            var usage = response?.Prop("usage");
            var prompt = usage?.Long("prompt_tokens");
            var completion = usage?.Long("completion_tokens");
            var cost = extra?.Double("cost");
            if (prompt is not null || completion is not null || cost is not null)
            {
                step.Tokens = new StepTokens { Prompt = prompt, Completion = completion, CostUsd = cost };
                if (prompt is not null) PromptTokens = (PromptTokens ?? 0) + prompt;
                if (completion is not null) CompletionTokens = (CompletionTokens ?? 0) + completion;
            }
            if (usage?.Prop("prompt_tokens_details")?.Long("cached_tokens") is { } cached) CachedTokens = (CachedTokens ?? 0) + cached;
            return step;
        }

        private void ReadToolOutput(JsonElement message, int index)
        {
            var id = message.Str("tool_call_id");
            ToolCall? call = null;
            if (id is not null && _openCalls.Remove(id, out var byId)) call = byId;
            call ??= _current?.ToolCalls.FirstOrDefault(c => c.Observation is null && c.Tool != FormatErrorTool);
            if (call is null)
            {
                Warn("message-unjoined", $"tool output {index} answers no open tool call (tool_call_id '{id}'); it was not joined to a step", index);
                return;
            }
            var extra = message.Prop("extra");
            Answer(call, AgentJson.ContentText(message) ?? "");
            if (extra?.Long("returncode") is { } code) call.ExitCode = (int)code;
            if (NonEmpty(extra?.Str("exception_info")) is not null) call.IsError = true;

            var time = AgentJson.UnixSeconds(extra?.Double("timestamp"));
            if (time is not null)
            {
                // mini-SWE-agent runs a turn's calls one after another, right after the response: each output's time
                // minus the previous event's time is how long that command ran.
                if (_lastTime is { } previous && time >= previous) call.DurationSeconds = (time.Value - previous).TotalSeconds;
                if (_current is not null) _current.EndedAtUtc = time;
                _lastTime = time;
                Seen(time);
            }
        }

        private void ReadExit(JsonElement message, int index)
        {
            var extra = message.Prop("extra");
            ExitStatus = extra?.Str("exit_status");
            if (NonEmpty(extra?.Str("exception_str")) is { } exception)
            {
                ExceptionText = exception;
                ExceptionLocation = "$.messages[" + index.ToString(CultureInfo.InvariantCulture) + "].extra.exception_str";
            }
            Seen(AgentJson.UnixSeconds(extra?.Double("timestamp")));
            // On submission the final command's output is the diff, which the harness moves into the exit message.
            if (ExitStatus == "Submitted" && _current?.ToolCalls.LastOrDefault() is { Observation: null } last && last.Tool != FormatErrorTool)
            {
                last.Observation = AgentJson.ContentText(message);
            }
        }

        private void Answer(ToolCall call, string text)
        {
            if (call.Tool == FormatErrorTool)
            {
                call.Observation = text;
                return;
            }
            var parsed = MiniSweAgentObservation.Parse(text);
            call.Observation = parsed.Text;
            call.ExitCode = parsed.ExitCode;
            if (parsed.Exception is not null) call.IsError = true;
            else if (parsed.ExitCode is null && text.StartsWith(_timeoutPrefix, StringComparison.Ordinal)) call.IsError = true;
            else if (parsed.ExitCode is null && text.StartsWith(_formatErrorPrefix, StringComparison.Ordinal))
            {
                // The harness rejected a turn this reader took for a valid action: nothing ran.
                call.Tool = FormatErrorTool;
                call.IsError = true;
            }
        }

        private void Seen(DateTime? time)
        {
            if (time is not { } t) return;
            if (FirstTime is null || t < FirstTime) FirstTime = t;
            if (LastTime is null || t > LastTime) LastTime = t;
        }

        private void Warn(string code, string message, int index) => _run.Warnings.Add(new ImportWarning
        {
            Code = code,
            Message = message,
            File = _path,
            Location = "$.messages[" + index.ToString(CultureInfo.InvariantCulture) + "]",
        });

        private static string? CommandFromArguments(string? arguments)
        {
            if (string.IsNullOrWhiteSpace(arguments)) return null;
            try
            {
                using var document = JsonDocument.Parse(arguments);
                return document.RootElement.Str("command") ?? arguments;
            }
            catch (JsonException)
            {
                // Malformed arguments are what the model sent; they are still the best rendering of the call.
                return arguments;
            }
        }

        /// <summary>Drops the <c>THOUGHT:</c> label mini-SWE-agent's prompt asks for.</summary>
        private static string WithoutLabel(string text)
        {
            var trimmed = text.AsSpan().Trim();
            if (trimmed.StartsWith("THOUGHT:", StringComparison.Ordinal)) trimmed = trimmed[8..].TrimStart();
            return trimmed.ToString();
        }

        private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
    }

    [GeneratedRegex(@"""trajectory_format""\s*:\s*""mini-swe-agent")]
    private static partial Regex FormatKey();

    /// <summary>mini-SWE-agent's own action pattern (<c>```bash\s*\n(.*?)\n```</c>, DOTALL).</summary>
    [GeneratedRegex(@"```bash\s*\n(?<command>[\s\S]*?)\n```")]
    private static partial Regex BashBlock();
}
