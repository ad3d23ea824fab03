using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>A tool call waiting for its observation, with the step it belongs to.</summary>
internal sealed record PendingCall(Step Step, ToolCall Call, DateTime? StartedAt);

/// <summary>
/// Builds the step list shared by the V0 and V1 readers: tool calls of one LLM response go into one step (parallel
/// calls), and observations add durations and end times to the step of their call.
/// </summary>
internal sealed class StepAssembler
{
    private string? _openResponseId;

    public List<Step> Steps { get; } = [];

    /// <summary>
    /// Adds a tool call to the step of its LLM response: the step opened by the previous call when the same response
    /// made it, otherwise a new step from <paramref name="create"/>.
    /// </summary>
    public PendingCall AddCall(ToolCall call, string? responseId, string? thought, DateTime? timestamp, Func<Step> create)
    {
        Step step;
        if (responseId is not null && responseId == _openResponseId && Steps.Count > 0)
        {
            step = Steps[^1];
            if (thought is not null)
            {
                if (step.Thought is null) step.Thought = thought;
                else if (!step.Thought.Contains(thought, StringComparison.Ordinal)) step.Thought += "\n\n" + thought;
            }
        }
        else
        {
            step = create();
            step.Thought = thought;
            step.StartedAtUtc ??= timestamp;
            Steps.Add(step);
            _openResponseId = responseId;
        }

        step.ToolCalls.Add(call);
        if (timestamp is { } at && (step.EndedAtUtc is null || at > step.EndedAtUtc)) step.EndedAtUtc = at;
        return new PendingCall(step, call, timestamp);
    }

    /// <summary>Adds a step that is not part of any LLM response's calls (a message, a marker, a rejected call).</summary>
    public void AddStep(Step step)
    {
        Steps.Add(step);
        _openResponseId = null;
    }

    /// <summary>Records when an observation came back: the call's duration and the step's end.</summary>
    public static void Observed(PendingCall target, DateTime? observedAt)
    {
        if (observedAt is not { } at) return;
        if (target.StartedAt is { } started && at >= started) target.Call.DurationSeconds = (at - started).TotalSeconds;
        if (target.Step.EndedAtUtc is null || at > target.Step.EndedAtUtc) target.Step.EndedAtUtc = at;
    }
}
