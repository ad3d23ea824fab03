using System.Text;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// Folds V1 software-agent-sdk events (typed by <c>kind</c>, FORMATS.md §3.6–3.7) into steps: one step per
/// ActionEvent, or per LLM response when one response made several calls; observations join by <c>action_id</c>;
/// agent MessageEvents are steps without calls; Condensation events are kept as marker steps.
/// </summary>
/// <remarks>Like <see cref="V0EventReader"/>, nothing is kept from an event but extracted strings.</remarks>
internal sealed class V1EventReader
{
    // Kinds that carry no agent turn: the system prompt, bookkeeping, and state snapshots.
    private static readonly HashSet<string> s_ignoredKinds = new(StringComparer.Ordinal)
    {
        "SystemPromptEvent", "CondensationRequest", "CondensationSummaryEvent", "PauseEvent", "LLMCompletionLogEvent",
    };

    private readonly StepAssembler _steps = new();
    private readonly Dictionary<string, PendingCall> _byActionId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PendingCall> _byToolCallId = new(StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, StepTokens>? _usageByResponse;

    /// <param name="usageByResponse">Token usage per LLM response id, when the run's stats list it.</param>
    public V1EventReader(IReadOnlyDictionary<string, StepTokens>? usageByResponse = null)
    {
        _usageByResponse = usageByResponse;
    }

    public List<Step> Steps => _steps.Steps;

    public string? FirstUserMessage { get; private set; }

    public DateTime? FirstTimestamp { get; private set; }

    public DateTime? LastTimestamp { get; private set; }

    /// <summary>True when the agent called <c>finish</c> (the end of its turns, never a verdict).</summary>
    public bool Finished { get; private set; }

    /// <summary>The last agent status a ConversationStateUpdateEvent reported.</summary>
    public string? LastStatus { get; private set; }

    /// <summary>Observations whose action is not in the history.</summary>
    public int OrphanObservations { get; private set; }

    /// <summary>Event kinds this reader does not know, with how many of each were skipped.</summary>
    public Dictionary<string, int> UnknownKinds { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads one event in history order.</summary>
    public void Add(JsonElement ev, Provenance provenance)
    {
        if (ev.ValueKind != JsonValueKind.Object) return;
        var timestamp = OpenHandsJson.Timestamp(ev);
        if (timestamp is { } t)
        {
            if (FirstTimestamp is null || t < FirstTimestamp) FirstTimestamp = t;
            if (LastTimestamp is null || t > LastTimestamp) LastTimestamp = t;
        }

        var kind = ev.Str("kind");
        switch (kind)
        {
            case "ActionEvent":
                AddAction(ev, timestamp, provenance);
                break;
            case "ObservationEvent":
            case "UserRejectObservation":
            case "AgentErrorEvent":
                AddObservation(ev, kind, timestamp, provenance);
                break;
            case "MessageEvent":
                AddMessage(ev, timestamp, provenance);
                break;
            case "Condensation":
                AddCondensation(ev, timestamp, provenance);
                break;
            case "ConversationStateUpdateEvent":
                if (ev.Str("key") is "agent_status" or "execution_status" && OpenHandsJson.NonEmpty(ev.Str("value")) is { } status) LastStatus = status;
                break;
            case null:
                UnknownKinds["(no kind)"] = UnknownKinds.GetValueOrDefault("(no kind)") + 1;
                break;
            default:
                if (!s_ignoredKinds.Contains(kind)) UnknownKinds[kind] = UnknownKinds.GetValueOrDefault(kind) + 1;
                break;
        }
    }

    private void AddAction(JsonElement ev, DateTime? timestamp, Provenance provenance)
    {
        var action = ev.Prop("action");
        var actionKind = action?.Str("kind");
        var toolCall = ev.Prop("tool_call");
        var function = toolCall?.Prop("function");
        var tool = OpenHandsJson.NonEmpty(ev.Str("tool_name"))
            ?? OpenHandsJson.NonEmpty(toolCall?.Str("name"))
            ?? OpenHandsJson.NonEmpty(function?.Str("name"))
            ?? actionKind
            ?? "unknown";
        if (actionKind == "FinishAction" || tool == "finish") Finished = true;

        var call = new ToolCall
        {
            CallId = OpenHandsJson.NonEmpty(ev.Str("tool_call_id")) ?? toolCall?.Str("id"),
            Tool = tool,
            Command = action is { } a ? RenderCommand(actionKind, a) : null,
            // The arguments the model wrote (a JSON string); the parsed action when the call carries none.
            Arguments = ArgumentsText(toolCall?.Prop("arguments")) ?? ArgumentsText(function?.Prop("arguments")) ?? action?.GetRawText(),
        };

        var thought = OpenHandsJson.NonEmpty(OpenHandsJson.ContentText(ev.Prop("thought")));
        var responseId = OpenHandsJson.NonEmpty(ev.Str("llm_response_id"));
        var pending = _steps.AddCall(call, responseId, thought, timestamp, () => new Step
        {
            Reasoning = Reasoning(ev),
            Provenance = provenance,
            Tokens = responseId is not null && _usageByResponse?.GetValueOrDefault(responseId) is { } usage
                ? new StepTokens { Prompt = usage.Prompt, Completion = usage.Completion, CostUsd = usage.CostUsd }
                : null,
        });
        if (OpenHandsJson.NonEmpty(ev.Str("id")) is { } id) _byActionId[id] = pending;
        if (call.CallId is { } callId) _byToolCallId[callId] = pending;
    }

    private void AddObservation(JsonElement ev, string kind, DateTime? timestamp, Provenance provenance)
    {
        PendingCall? target = null;
        if (OpenHandsJson.NonEmpty(ev.Str("action_id")) is { } actionId) _byActionId.TryGetValue(actionId, out target);
        if (target is null && OpenHandsJson.NonEmpty(ev.Str("tool_call_id")) is { } callId) _byToolCallId.TryGetValue(callId, out target);

        string? text;
        var isError = false;
        int? exitCode = null;
        if (kind == "ObservationEvent")
        {
            var observation = ev.Prop("observation");
            text = observation is { } o ? ObservationText(o, out isError, out exitCode) : null;
        }
        else
        {
            // A rejected call (UserRejectObservation) or a tool error the agent caught (AgentErrorEvent).
            text = OpenHandsJson.NonEmpty(ev.Str("rejection_reason")) ?? ev.Str("error");
            isError = true;
        }

        if (target is null)
        {
            if (isError && kind != "ObservationEvent")
            {
                // The harness refused the call before running it: the model still spent a turn on it.
                var call = new ToolCall { CallId = ev.Str("tool_call_id"), Tool = OpenHandsJson.NonEmpty(ev.Str("tool_name")) ?? "error", Observation = text, IsError = true };
                _steps.AddStep(new Step { StartedAtUtc = timestamp, EndedAtUtc = timestamp, Provenance = provenance, ToolCalls = [call] });
            }
            else
            {
                OrphanObservations++;
            }
            return;
        }

        var toolCall = target.Call;
        if (text is not null) toolCall.Observation = toolCall.Observation is null ? text : toolCall.Observation + "\n" + text;
        if (exitCode is not null) toolCall.ExitCode = exitCode;
        if (isError) toolCall.IsError = true;
        StepAssembler.Observed(target, timestamp);
    }

    private void AddMessage(JsonElement ev, DateTime? timestamp, Provenance provenance)
    {
        var message = ev.Prop("llm_message");
        var text = OpenHandsJson.NonEmpty(OpenHandsJson.ContentText(message?.Prop("content")));
        var source = ev.Str("source") ?? message?.Str("role");
        if (source is "user")
        {
            FirstUserMessage ??= text;
            return;
        }
        if (source is not ("agent" or "assistant")) return;
        var reasoning = OpenHandsJson.NonEmpty(message?.Str("reasoning_content"));
        if (text is null && reasoning is null) return;
        _steps.AddStep(new Step { Thought = text, Reasoning = reasoning, StartedAtUtc = timestamp, EndedAtUtc = timestamp, Provenance = provenance });
    }

    private void AddCondensation(JsonElement ev, DateTime? timestamp, Provenance provenance)
    {
        var forgotten = ev.Prop("forgotten_event_ids") is { ValueKind: JsonValueKind.Array } ids ? ids.GetArrayLength() : 0;
        var thought = $"Context condensed: {forgotten} events forgotten.";
        if (OpenHandsJson.NonEmpty(ev.Str("summary")) is { } summary) thought += "\n\n" + summary;
        _steps.AddStep(new Step { IsMarker = true, Thought = thought, StartedAtUtc = timestamp, EndedAtUtc = timestamp, Provenance = provenance });
    }

    /// <summary>The text an observation returned, whether it failed, and its exit code.</summary>
    private static string? ObservationText(JsonElement observation, out bool isError, out int? exitCode)
    {
        var text = OpenHandsJson.NonEmpty(observation.Str("output"))
            ?? OpenHandsJson.NonEmpty(OpenHandsJson.ContentText(observation.Prop("content")))
            ?? OpenHandsJson.NonEmpty(observation.Str("message"));

        // "error" is a flag on shell observations and the error message itself on editor and browser observations.
        string? errorText = null;
        isError = observation.Bool("is_error") == true;
        if (observation.Prop("error") is { } error)
        {
            if (error.ValueKind == JsonValueKind.True) isError = true;
            else if (error.ValueKind == JsonValueKind.String && OpenHandsJson.NonEmpty(error.GetString()) is { } message)
            {
                isError = true;
                errorText = message;
            }
        }
        if (errorText is not null)
        {
            text = text is null ? errorText : text.Contains(errorText, StringComparison.Ordinal) ? text : text + "\n" + errorText;
        }

        exitCode = OpenHandsJson.Int(observation, "exit_code")
            ?? (observation.Prop("metadata") is { } metadata ? OpenHandsJson.Int(metadata, "exit_code") : null);
        return text;
    }

    private static string? ArgumentsText(JsonElement? arguments) => arguments switch
    {
        { ValueKind: JsonValueKind.String } s => OpenHandsJson.NonEmpty(s.GetString()),
        { ValueKind: JsonValueKind.Object } o => o.GetRawText(),
        _ => null,
    };

    private static string? Reasoning(JsonElement ev)
    {
        if (OpenHandsJson.NonEmpty(ev.Str("reasoning_content")) is { } reasoning) return reasoning;
        if (ev.Prop("thinking_blocks") is not { ValueKind: JsonValueKind.Array } blocks) return null;
        StringBuilder? text = null;
        foreach (var block in blocks.EnumerateArray())
        {
            if (OpenHandsJson.NonEmpty(block.Str("thinking")) is not { } thinking) continue;
            text = text is null ? new StringBuilder(thinking) : text.Append("\n\n").Append(thinking);
        }
        return text?.ToString();
    }

    /// <summary>The command text a person would read: the shell line, "verb path" for the editor, "click 8" for the browser.</summary>
    internal static string? RenderCommand(string? kind, JsonElement action)
    {
        switch (kind)
        {
            case "ExecuteBashAction" or "TerminalAction" or "BashAction":
                return action.Str("command");
            case "FileEditorAction" or "StrReplaceEditorAction":
                var verb = OpenHandsJson.NonEmpty(action.Str("command")) ?? "edit";
                return action.Str("path") is { } path ? verb + " " + path : verb;
            case "TaskTrackerAction":
                return "task_tracker " + (action.Str("command") ?? "view");
            case null:
                return null;
        }
        if (!kind.StartsWith("Browser", StringComparison.Ordinal) || !kind.EndsWith("Action", StringComparison.Ordinal)) return null;

        // BrowserGoBackAction -> "go_back"; then the argument that says where: url, element index, typed text, direction.
        var name = new StringBuilder();
        foreach (var c in kind.AsSpan("Browser".Length, kind.Length - "Browser".Length - "Action".Length))
        {
            if (char.IsUpper(c) && name.Length > 0) name.Append('_');
            name.Append(char.ToLowerInvariant(c));
        }
        foreach (var property in (ReadOnlySpan<string>)["url", "index", "text", "direction", "tab_id"])
        {
            if (action.Str(property) is { } value) name.Append(' ').Append(value);
        }
        return name.ToString();
    }
}
