using System.Text.Json;
using System.Text.RegularExpressions;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>How observations find the action they answer in a V0-style history.</summary>
internal enum V0Joining
{
    /// <summary>Events carry ids and observations name their action in <c>cause</c> (eval output, exports, sessions).</summary>
    ByCause,

    /// <summary>Legacy id-less dicts (resolver output): an observation answers the action just before it.</summary>
    ByOrder,
}

/// <summary>
/// Folds a V0 event stream (actions and observations, FORMATS.md §3.1) into steps: one step per
/// agent action, or per LLM response when one response made several calls, with observations joined to their action.
/// </summary>
/// <remarks>
/// Events are fed one at a time and nothing is kept from them but extracted strings, so a caller may dispose each
/// event's document after <see cref="Add"/> returns (the session folder reads one file per event).
/// </remarks>
internal sealed partial class V0EventReader
{
    // Bookkeeping actions that are not agent turns: the system prompt as an event, memory recall, GUI state.
    private static readonly HashSet<string> s_nonStepActions = new(StringComparer.Ordinal)
    {
        "system", "recall", "change_agent_state", "null", "condensation_request",
    };

    private readonly V0Joining _joining;
    private readonly StepAssembler _steps = new();
    private readonly Dictionary<long, PendingCall> _byActionId = [];
    private readonly HashSet<long> _actionIds = [];
    private readonly HashSet<string> _responseIds = new(StringComparer.Ordinal);
    private PendingCall? _lastUnanswered;

    public V0EventReader(V0Joining joining)
    {
        _joining = joining;
    }

    public List<Step> Steps => _steps.Steps;

    /// <summary>The first message a user sent (the task, for runs whose record has no <c>instruction</c>).</summary>
    public string? FirstUserMessage { get; private set; }

    /// <summary>The model the LLM responses name (provider spelling), for files without an LLM config.</summary>
    public string? ResponseModel { get; private set; }

    public DateTime? FirstTimestamp { get; private set; }

    public DateTime? LastTimestamp { get; private set; }

    /// <summary>True when the agent sent a <c>finish</c> action (the end of its turns, never a verdict).</summary>
    public bool Finished { get; private set; }

    /// <summary>The last <c>agent_state_changed</c> state (<c>finished</c>, <c>awaiting_user_input</c>, <c>error</c>, ...).</summary>
    public string? LastAgentState { get; private set; }

    /// <summary>Distinct LLM responses seen, and the token usage they report.</summary>
    public int ResponseCount => _responseIds.Count;

    public long? PromptTokens { get; private set; }

    public long? CompletionTokens { get; private set; }

    /// <summary>The latest running cost total the events report (<c>llm_metrics.accumulated_cost</c>), when it is above zero.</summary>
    public double? AccumulatedCost { get; private set; }

    /// <summary>Observations naming an action id that is not in the history (a cut history).</summary>
    public int OrphanObservations { get; private set; }

    /// <summary>Reads one event (an action or an observation) in history order.</summary>
    public void Add(JsonElement ev, Provenance provenance)
    {
        if (ev.ValueKind != JsonValueKind.Object) return;
        var timestamp = Track(ev);
        if (ev.Str("action") is { } action)
        {
            AddAction(ev, action, timestamp, provenance);
        }
        else if (ev.Str("observation") is { } observation)
        {
            AddObservation(ev, observation, timestamp, provenance);
        }
    }

    /// <summary>Reads one <c>[action, observation]</c> pair of a legacy pair list; the observation answers that action.</summary>
    public void AddPair(JsonElement action, JsonElement observation, Provenance actionProvenance, Provenance observationProvenance)
    {
        PendingCall? pending = null;
        if (action.ValueKind == JsonValueKind.Object)
        {
            var timestamp = Track(action);
            if (action.Str("action") is { } name) pending = AddAction(action, name, timestamp, actionProvenance);
            else if (action.Str("observation") is { } lone) AddObservation(action, lone, timestamp, actionProvenance);
        }
        if (observation.ValueKind != JsonValueKind.Object || observation.Str("observation") is not { } kind) return;
        var observedAt = Track(observation);
        if (pending is not null) Attach(pending, observation, kind, observedAt);
        else AddObservation(observation, kind, observedAt, observationProvenance);
    }

    private DateTime? Track(JsonElement ev)
    {
        var timestamp = OpenHandsJson.Timestamp(ev);
        if (timestamp is { } t)
        {
            if (FirstTimestamp is null || t < FirstTimestamp) FirstTimestamp = t;
            if (LastTimestamp is null || t > LastTimestamp) LastTimestamp = t;
        }
        return timestamp;
    }

    private PendingCall? AddAction(JsonElement ev, string action, DateTime? timestamp, Provenance provenance)
    {
        var source = ev.Str("source");
        // Id-less legacy dicts keep the arguments inline instead of under "args".
        var args = ev.Prop("args") ?? (_joining == V0Joining.ByOrder ? ev : null);
        var id = ev.Long("id");
        if (id is { } actionId) _actionIds.Add(actionId);

        if (source is "user" or "environment" || s_nonStepActions.Contains(action))
        {
            if (source == "user" && action == "message") FirstUserMessage ??= MessageText(ev, args);
            return null;
        }

        if (action == "message")
        {
            var text = MessageText(ev, args);
            // Legacy dicts carry no source: the first message, before any agent turn, is the user's task.
            if (source is null && _steps.Steps.Count == 0 && FirstUserMessage is null)
            {
                FirstUserMessage = text;
                return null;
            }
            if (string.IsNullOrWhiteSpace(text)) return null;
            _steps.AddStep(new Step { Thought = text, StartedAtUtc = timestamp, EndedAtUtc = timestamp, Provenance = provenance });
            return null;
        }

        if (action == "condensation")
        {
            // The condenser dropped earlier events from the model's context: kept as a marker, not an agent turn.
            _steps.AddStep(new Step
            {
                IsMarker = true,
                Thought = CondensationText(args),
                StartedAtUtc = timestamp,
                EndedAtUtc = timestamp,
                Provenance = provenance,
            });
            return null;
        }

        if (action == "finish") Finished = true;

        var metadata = ev.Prop("tool_call_metadata");
        var response = metadata?.Prop("model_response");
        var responseId = OpenHandsJson.NonEmpty(response?.Str("id"));
        var call = new ToolCall
        {
            CallId = metadata?.Str("tool_call_id"),
            Tool = OpenHandsJson.NonEmpty(metadata?.Str("function_name")) ?? action,
            Command = args is { } a ? RenderCommand(action, a) : null,
            Arguments = args?.GetRawText(),
        };

        var thought = OpenHandsJson.NonEmpty(args?.Str("thought"));
        if (action == "finish" && thought is null) thought = OpenHandsJson.NonEmpty(args?.Str("final_thought"));

        var pending = _steps.AddCall(call, responseId, thought, timestamp, () => new Step
        {
            Reasoning = Reasoning(args, response),
            Provenance = provenance,
            Tokens = Usage(response),
        });

        if (responseId is not null && _responseIds.Add(responseId))
        {
            ResponseModel ??= OpenHandsJson.NonEmpty(response?.Str("model"));
            if (pending.Step.Tokens is { } tokens)
            {
                if (tokens.Prompt is { } p) PromptTokens = (PromptTokens ?? 0) + p;
                if (tokens.Completion is { } c) CompletionTokens = (CompletionTokens ?? 0) + c;
            }
        }

        // llm_metrics carries running totals: the growth since the previous response is this response's cost.
        if (ev.Prop("llm_metrics")?.Double("accumulated_cost") is { } accumulated)
        {
            if (accumulated > (AccumulatedCost ?? 0) && pending.Step.ToolCalls.Count == 1)
            {
                pending.Step.Tokens ??= new StepTokens();
                pending.Step.Tokens.CostUsd = accumulated - (AccumulatedCost ?? 0);
            }
            if (accumulated > 0) AccumulatedCost = Math.Max(accumulated, AccumulatedCost ?? 0);
        }

        if (id is { } key) _byActionId[key] = pending;
        _lastUnanswered = pending;
        return pending;
    }

    private void AddObservation(JsonElement ev, string observation, DateTime? timestamp, Provenance provenance)
    {
        if (observation == "agent_state_changed")
        {
            LastAgentState = OpenHandsJson.NonEmpty(ev.Prop("extras")?.Str("agent_state")) ?? LastAgentState;
            return;
        }

        PendingCall? target = null;
        var cause = ev.Long("cause");
        if (cause is { } actionId) _byActionId.TryGetValue(actionId, out target);
        if (target is null && _joining == V0Joining.ByOrder && cause is null) target = _lastUnanswered;
        if (target is not null)
        {
            Attach(target, ev, observation, timestamp);
            return;
        }

        if (cause is { } missing)
        {
            // Answers an action that is not a step (a user message, a recall), or one cut from the history.
            if (!_actionIds.Contains(missing) && observation is not ("null" or "recall")) OrphanObservations++;
            return;
        }

        if (observation == "error")
        {
            // An error with no action: the harness rejected the LLM's tool call before running anything
            // (e.g. "Parameter 'command' is expected to be one of [...]"). The model spent a turn on it, so it is a step.
            var metadata = ev.Prop("tool_call_metadata");
            var call = new ToolCall
            {
                CallId = metadata?.Str("tool_call_id"),
                Tool = OpenHandsJson.NonEmpty(metadata?.Str("function_name")) ?? "error",
                Observation = ev.Str("content") ?? ev.Str("message"),
                IsError = true,
            };
            _steps.AddStep(new Step { StartedAtUtc = timestamp, EndedAtUtc = timestamp, Provenance = provenance, ToolCalls = [call] });
        }
    }

    private void Attach(PendingCall target, JsonElement ev, string observation, DateTime? timestamp)
    {
        if (ReferenceEquals(target, _lastUnanswered)) _lastUnanswered = null;
        if (observation == "null") return;

        var call = target.Call;
        var content = ev.Str("content");
        if (content is not null)
        {
            call.Observation = call.Observation is null ? content : call.Observation + "\n" + content;
        }

        var extras = ev.Prop("extras") ?? (_joining == V0Joining.ByOrder ? ev : null);
        if (extras is { } x)
        {
            var exit = (x.Prop("metadata") is { } metadata ? OpenHandsJson.Int(metadata, "exit_code") : null) ?? OpenHandsJson.Int(x, "exit_code");
            if (exit is not null) call.ExitCode = exit;
        }

        // The file editor reports its failures in-band ("ERROR:\nNo replacement was performed ...").
        if (observation is "error" or "user_rejected"
            || (observation is "edit" or "read" && content is not null && content.StartsWith("ERROR:", StringComparison.Ordinal)))
        {
            call.IsError = true;
        }

        StepAssembler.Observed(target, timestamp);
    }

    private static string CondensationText(JsonElement? args)
    {
        var forgotten = args?.Prop("forgotten_event_ids") is { ValueKind: JsonValueKind.Array } ids ? ids.GetArrayLength()
            : args?.Long("forgotten_events_start_id") is { } start && args?.Long("forgotten_events_end_id") is { } end && end >= start ? (int)(end - start + 1)
            : 0;
        var text = $"Context condensed: {forgotten} events forgotten.";
        return OpenHandsJson.NonEmpty(args?.Str("summary")) is { } summary ? text + "\n\n" + summary : text;
    }

    private static string? MessageText(JsonElement ev, JsonElement? args) =>
        OpenHandsJson.NonEmpty(args?.Str("content")) ?? OpenHandsJson.NonEmpty(ev.Str("message"));

    /// <summary>The command text a person would read for an action: the shell line, the cell, or "verb path" for the editor.</summary>
    internal static string? RenderCommand(string action, JsonElement args) => action switch
    {
        "run" => args.Str("command"),
        "run_ipython" => args.Str("code"),
        "read" => ReadCommand(args),
        "edit" => EditCommand(args),
        "browse" => args.Str("url") is { } url ? "browse " + url : null,
        "browse_interactive" => args.Str("browser_actions"),
        "delegate" => args.Str("agent") is { } agent ? "delegate " + agent : null,
        "call_tool_mcp" => args.Str("name"),
        _ => null,
    };

    private static string? ReadCommand(JsonElement args)
    {
        if (args.Str("path") is not { } path) return null;
        if (args.Prop("view_range") is { ValueKind: JsonValueKind.Array } range && range.GetArrayLength() == 2)
        {
            return $"view {path} [{range[0].GetRawText()}, {range[1].GetRawText()}]";
        }
        return "view " + path;
    }

    private static string? EditCommand(JsonElement args)
    {
        var path = args.Str("path");
        var verb = OpenHandsJson.NonEmpty(args.Str("command"));
        if (verb is null && args.Str("translated_ipython_code") is { } code)
        {
            // GUI-era edits keep the editor call only as Python: print(file_editor(**{'command': 'create', ...})).
            var match = TranslatedCommand().Match(code);
            if (match.Success) verb = match.Groups["verb"].Value;
        }
        verb ??= "edit";
        return path is null ? verb : verb + " " + path;
    }

    private static string? Reasoning(JsonElement? args, JsonElement? response)
    {
        if (OpenHandsJson.NonEmpty(args?.Str("reasoning_content")) is { } fromArgs) return fromArgs;
        if (response?.Prop("choices") is { ValueKind: JsonValueKind.Array } choices && choices.GetArrayLength() > 0)
        {
            return OpenHandsJson.NonEmpty(choices[0].Prop("message")?.Str("reasoning_content"));
        }
        return null;
    }

    private static StepTokens? Usage(JsonElement? response)
    {
        if (response?.Prop("usage") is not { } usage) return null;
        var prompt = usage.Long("prompt_tokens");
        var completion = usage.Long("completion_tokens");
        return prompt is null && completion is null ? null : new StepTokens { Prompt = prompt, Completion = completion };
    }

    [GeneratedRegex("""['"]command['"]\s*:\s*['"](?<verb>\w+)['"]""", RegexOptions.CultureInvariant)]
    private static partial Regex TranslatedCommand();
}
