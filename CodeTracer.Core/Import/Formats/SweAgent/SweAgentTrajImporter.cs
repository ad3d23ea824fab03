using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.SweAgent;

/// <summary>
/// Reads SWE-agent <c>.traj</c> files, 0.x and 1.x: one step per <c>trajectory[]</c> entry, with the entry's action as
/// its one tool call. <c>history[]</c> gives the task text, the ACI command names (from the system prompt) and, in
/// 1.x, the tool-call ids and arguments. The verdict is not in the file (see the outcome resolvers).
/// </summary>
public sealed partial class SweAgentTrajImporter : ITrajectoryImporter
{
    /// <summary>
    /// Commands of SWE-agent's agent-computer interface (default, EnIGMA and 1.x tool bundles). A command whose first
    /// word is not one of these, nor declared in the run's own system prompt, ran in the shell and is named <c>bash</c>.
    /// </summary>
    private static readonly HashSet<string> s_aciCommands = new(StringComparer.Ordinal)
    {
        "open", "goto", "scroll_up", "scroll_down", "create", "edit", "insert", "append", "search_dir", "search_file",
        "find_file", "submit", "filemap", "str_replace_editor", "view_image", "review_on_submit",
        "decompile", "disassemble", "debug_start", "debug_add_breakpoint", "debug_continue", "debug_step", "debug_exec",
        "debug_stop", "connect_start", "connect_sendline", "connect_exec", "connect_stop", "exit_forfeit",
    };

    /// <summary>
    /// Pseudo-actions the harness records when it ends a run itself (cost or context limit, repeated format errors,
    /// an API error). They are kept as steps, marked, because they show where and why the run stopped.
    /// </summary>
    private static readonly HashSet<string> s_harnessExits = new(StringComparer.Ordinal)
    {
        "exit_cost", "exit_context", "exit_format", "exit_error", "exit_api", "early_exit",
    };

    private static readonly System.Buffers.SearchValues<char> s_whitespace = System.Buffers.SearchValues.Create(" \t\n\r");

    /// <inheritdoc />
    public string Name => Frameworks.SweAgent;

    /// <inheritdoc />
    public int Priority => 0;

    /// <inheritdoc />
    public string Describes => "SWE-agent *.traj: a JSON object with trajectory[] and history[] / info";

    /// <inheritdoc />
    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    /// <inheritdoc />
    public bool CanRead(FileSniff sniff)
    {
        var head = sniff.TrimmedHead;
        if (head.IsEmpty || head[0] != '{' || !TrajectoryKey().IsMatch(head)) return false;
        // 0.x writes "environment" first and "history" after the steps; 1.x writes the steps first, and one step's
        // observation can outgrow the sniffed head. So any of the sibling keys, or the first step's own keys, will do.
        // With a sibling key, a trajectory that is not an array is still claimed, so the user hears what is wrong with it.
        if (head.Contains("\"history\"", StringComparison.Ordinal)
            || head.Contains("\"info\"", StringComparison.Ordinal)
            || head.Contains("\"environment\"", StringComparison.Ordinal))
        {
            return true;
        }
        if (!TrajectoryArrayKey().IsMatch(head)) return false;
        var hasAction = head.Contains("\"action\"", StringComparison.Ordinal);
        return hasAction && (head.Contains("\"observation\"", StringComparison.Ordinal)
            || string.Equals(sniff.Extension, ".traj", StringComparison.OrdinalIgnoreCase));
    }

    /// <inheritdoc />
    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        using var document = JsonInput.ParseFile(unit.Path, context);
        return [RunReadResult.Ok(ReadRun(document.RootElement, unit.Path, context, cancellationToken))];
    }

    private static Run ReadRun(JsonElement root, string path, ImportContext context, CancellationToken cancellationToken)
    {
        var trajectory = AgentJson.RequireArray(root, "trajectory", path, "an array of steps (trajectory[])");
        var run = new Run
        {
            Framework = Frameworks.SweAgent,
            Format = RunFormats.SweAgentTraj,
            Source = new RunSource { Path = path },
        };

        JsonElement? history = null;
        if (root.Prop("history") is { } h)
        {
            if (h.ValueKind == JsonValueKind.Array)
            {
                history = h;
            }
            else
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "history-unreadable",
                    Message = $"history is {AgentJson.Describe(h.ValueKind)}, not an array: the task text and tool-call ids are not read",
                    File = path,
                    Location = "$.history",
                });
            }
        }

        var isV1 = IsVersion1(root, history, trajectory);
        run.FormatVersion = isV1 ? "1.x" : "0.x";
        run.Task.Id = InstanceId(path);
        run.Task.Text = TaskText(history);

        var commands = AciCommands(history);
        var actions = isV1 ? new ActionMessages(history) : null;
        var index = 0;
        foreach (var entry in trajectory.EnumerateArray())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pointer = "/trajectory/" + index.ToString(CultureInfo.InvariantCulture);
            if (entry.ValueKind != JsonValueKind.Object)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "step-skipped",
                    Message = $"trajectory entry {index} is {AgentJson.Describe(entry.ValueKind)}, not an object; it was skipped",
                    File = path,
                    Location = "$.trajectory[" + index.ToString(CultureInfo.InvariantCulture) + "]",
                });
                index++;
                continue;
            }
            run.Steps.Add(ReadStep(entry, path, pointer, commands, actions));
            index++;
        }

        if (root.Prop("info") is { ValueKind: JsonValueKind.Object } info)
        {
            run.ExitStatus = info.Str("exit_status");
            ReadModelStats(info, run.Metrics);
        }
        run.Model = SweAgentModelHints.FromReplayConfig(root) ?? SweAgentModelHints.FromFolders(path, context, version0: !isV1);
        return run;
    }

    private static Step ReadStep(JsonElement entry, string path, string pointer, HashSet<string> commands, ActionMessages? actions)
    {
        var action = entry.Str("action") ?? "";
        var command = action.Trim();
        var step = new Step
        {
            Thought = Thought(entry, action),
            Provenance = new Provenance { File = path, JsonPointer = pointer },
            IsMarker = s_harnessExits.Contains(command),
        };
        var observation = AgentJson.ContentText(entry, "observation");
        if (command.Length == 0 && string.IsNullOrEmpty(observation)) return step;

        var call = new ToolCall
        {
            Tool = ToolName(command, commands),
            Command = command.Length == 0 ? null : command,
            Observation = observation,
            DurationSeconds = entry.Double("execution_time"),
        };
        if (actions?.Match(command) is { } toolCall)
        {
            call.CallId = toolCall.Str("id");
            if (toolCall.Prop("function") is { } function)
            {
                if (function.Str("name") is { Length: > 0 } name) call.Tool = name;
                call.Arguments = function.Prop("arguments") is { } arguments
                    ? arguments.ValueKind == JsonValueKind.String ? arguments.GetString() : arguments.GetRawText()
                    : null;
            }
        }
        step.ToolCalls.Add(call);
        return step;
    }

    /// <summary>The step's reasoning: <c>thought</c>, else the <c>response</c> with its fenced command removed; without 0.x's "DISCUSSION" heading.</summary>
    private static string? Thought(JsonElement entry, string action)
    {
        var thought = entry.Str("thought");
        if (string.IsNullOrWhiteSpace(thought))
        {
            thought = entry.Str("response");
            if (thought is not null)
            {
                var fence = LastFence().Match(thought);
                if (fence.Success && (action.Length == 0 || fence.Value.Contains(action.Trim(), StringComparison.Ordinal)))
                {
                    thought = thought[..fence.Index];
                }
            }
        }
        if (thought is null) return null;
        var text = thought.AsSpan().Trim();
        if (text.StartsWith("DISCUSSION", StringComparison.Ordinal) && (text.Length == 10 || text[10] is '\n' or '\r'))
        {
            text = text[10..].TrimStart();
        }
        return text.Length == 0 ? null : text.ToString();
    }

    /// <summary>The ACI command an action starts with, or <c>bash</c> for anything the shell ran.</summary>
    private static string ToolName(string command, HashSet<string> declared)
    {
        if (command.Length == 0) return "bash";
        var end = command.AsSpan().IndexOfAny(s_whitespace);
        var first = end < 0 ? command : command[..end];
        return s_aciCommands.Contains(first) || s_harnessExits.Contains(first) || declared.Contains(first) ? first : "bash";
    }

    /// <summary>Commands the run's system prompt declares (<c>signature: open &lt;path&gt;</c>), so custom tool bundles are named right.</summary>
    private static HashSet<string> AciCommands(JsonElement? history)
    {
        var declared = new HashSet<string>(StringComparer.Ordinal);
        if (history is not { } messages) return declared;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.Str("role") != "system") continue;
            var text = AgentJson.ContentText(message);
            if (text is null) break;
            foreach (Match match in Signature().Matches(text)) declared.Add(match.Groups["name"].Value);
            break;
        }
        // "bash" is the shell, never an ACI command, even when a prompt lists it.
        declared.Remove("bash");
        return declared;
    }

    /// <summary>The first user message that is not a demonstration: the issue as the agent was given it.</summary>
    private static string? TaskText(JsonElement? history)
    {
        if (history is not { } messages) return null;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.Str("role") != "user") continue;
            if (message.Bool("is_demo") == true || message.Str("message_type") == "demonstration") continue;
            return AgentJson.ContentText(message);
        }
        return null;
    }

    private static bool IsVersion1(JsonElement root, JsonElement? history, JsonElement trajectory)
    {
        if (root.Prop("replay_config") is not null) return true;
        var environment = root.Str("environment");
        if (environment == "main") return true;
        if (trajectory.GetArrayLength() > 0 && trajectory[0] is { ValueKind: JsonValueKind.Object } first
            && (first.Prop("state") is { ValueKind: JsonValueKind.Object } || first.Prop("execution_time") is not null))
        {
            return true;
        }
        if (history is { } messages)
        {
            foreach (var message in messages.EnumerateArray())
            {
                if (message.Prop("message_type") is not null || message.Str("agent") == "main") return true;
            }
        }
        return false;
    }

    private static void ReadModelStats(JsonElement info, RunMetrics metrics)
    {
        if (info.Prop("model_stats") is not { ValueKind: JsonValueKind.Object } stats) return;
        var sent = stats.Long("tokens_sent");
        var received = stats.Long("tokens_received");
        // instance_cost is this run's cost; total_cost is cumulative over the whole batch, so it is never used here.
        var cost = stats.Double("instance_cost");
        var recorded = sent > 0 || received > 0 || cost > 0;
        if (recorded)
        {
            metrics.PromptTokens = sent;
            metrics.CompletionTokens = received;
            metrics.CostUsd = cost;
        }
        if (stats.Long("api_calls") is { } calls && calls > 0) metrics.ApiCalls = (int)Math.Min(calls, int.MaxValue);
    }

    /// <summary>The instance id is the file name: <c>fasterxml__jackson-databind-4304.traj</c>.</summary>
    private static string InstanceId(string path)
    {
        var name = Path.GetFileName(path);
        foreach (var suffix in (string[])[".traj.json", ".traj", ".json"])
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)) return name[..^suffix.Length];
        }
        return name;
    }

    /// <summary>
    /// 1.x assistant messages in history, in order, for joining tool-call ids and arguments onto trajectory entries
    /// by their action text (the two lists can differ: retried format errors appear only in history).
    /// </summary>
    private sealed class ActionMessages
    {
        // A trajectory entry's message is searched for a few messages ahead, so a stray one cannot derail the rest.
        private const int Lookahead = 8;
        private readonly List<(string Action, JsonElement ToolCall)> _messages = [];
        private int _cursor;

        public ActionMessages(JsonElement? history)
        {
            if (history is not { } messages) return;
            foreach (var message in messages.EnumerateArray())
            {
                if (message.Str("role") != "assistant" || message.Bool("is_demo") == true) continue;
                if (message.Prop("tool_calls") is not { ValueKind: JsonValueKind.Array } calls || calls.GetArrayLength() == 0) continue;
                _messages.Add(((message.Str("action") ?? "").Trim(), calls[0]));
            }
        }

        public JsonElement? Match(string command)
        {
            for (var i = _cursor; i < _messages.Count && i < _cursor + Lookahead; i++)
            {
                if (!string.Equals(_messages[i].Action, command, StringComparison.Ordinal)) continue;
                _cursor = i + 1;
                return _messages[i].ToolCall;
            }
            return null;
        }
    }

    /// <summary>A top-level <c>"trajectory": [</c> (not an escaped <c>\"trajectory\"</c> inside a string).</summary>
    [GeneratedRegex(@"(?<!\\)""trajectory""\s*:\s*\[")]
    private static partial Regex TrajectoryArrayKey();

    /// <summary>A <c>"trajectory":</c> key of any value.</summary>
    [GeneratedRegex(@"(?<!\\)""trajectory""\s*:")]
    private static partial Regex TrajectoryKey();

    [GeneratedRegex(@"^\s*signature:\s*(?<name>[A-Za-z_][\w-]*)", RegexOptions.Multiline)]
    private static partial Regex Signature();

    /// <summary>The last fenced block of a response: the command SWE-agent ran.</summary>
    [GeneratedRegex(@"```[^\n`]*\n[\s\S]*?```\s*$")]
    private static partial Regex LastFence();
}
