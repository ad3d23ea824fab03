namespace CodeTracer.Core.Model;

/// <summary>One agent turn: its reasoning and the tool calls it made, in execution order.</summary>
public sealed class Step
{
    /// <summary>1-based position in execution order.</summary>
    public int Id { get; set; }

    /// <summary>The thought / reasoning / assistant text of the turn (Markdown-ish, untrusted).</summary>
    public string? Thought { get; set; }

    /// <summary>Hidden reasoning the model returned apart from its visible text, when the format keeps it.</summary>
    public string? Reasoning { get; set; }

    /// <summary>Parallel tool calls of one turn stay in one step.</summary>
    public List<ToolCall> ToolCalls { get; set; } = [];

    public DateTime? StartedAtUtc { get; set; }

    public DateTime? EndedAtUtc { get; set; }

    public StepTokens? Tokens { get; set; }

    /// <summary>Where the step sits in the raw artifact, so the UI can show it raw.</summary>
    public Provenance? Provenance { get; set; }

    /// <summary>
    /// True for a marker that is not an agent action but is kept in the sequence to show where something
    /// happened (e.g. an OpenHands <c>Condensation</c> that dropped earlier events from the model's context).
    /// </summary>
    public bool IsMarker { get; set; }

    // ---- Filled by tree indexing ----

    public StepKind Kind { get; set; }

    public StepEffect Effect { get; set; }

    public List<Signal> Signals { get; set; } = [];
}

/// <summary>One tool invocation inside a step and what came back.</summary>
public sealed class ToolCall
{
    /// <summary>The id the agent gave the call (<c>toolu_…</c>, <c>call_…</c>), when it has one.</summary>
    public string? CallId { get; set; }

    /// <summary>Tool name as the agent named it (<c>Bash</c>, <c>execute_bash</c>, <c>str_replace_editor</c>, <c>bash</c>, <c>keystrokes</c>, ...).</summary>
    public string Tool { get; set; } = "";

    /// <summary>Arguments as JSON text when the call had structured arguments.</summary>
    public string? Arguments { get; set; }

    /// <summary>The command text the call ran or the best one-line rendering of it (shell text, ACI command, file path).</summary>
    public string? Command { get; set; }

    /// <summary>What the tool returned (untrusted; may be very large and hold ANSI escapes).</summary>
    public string? Observation { get; set; }

    public int? ExitCode { get; set; }

    public bool IsError { get; set; }

    public double? DurationSeconds { get; set; }

    // ---- Filled by tree indexing ----

    public StepKind Kind { get; set; }

    public StepEffect Effect { get; set; }

    /// <summary>Files the call reads or writes, where they can be read off the command or arguments.</summary>
    public List<string> FilesTouched { get; set; } = [];

    /// <summary>
    /// For a call whose command is a raw artifact (CodeTracer-normalized steps keep the agent's whole message or event
    /// as the action), the action read out of it: the commands it ran, one per line, or "(no action)". Null when the
    /// command already says what the call did.
    /// </summary>
    public string? DecodedAction { get; set; }

    /// <summary>What the call did, in the fewest words the trace holds: the decoded action, else the command.</summary>
    /// <remarks>A method, not a property, so serializers that map properties do not store it twice.</remarks>
    public string? ActionText() => DecodedAction ?? Command;
}

public sealed class StepTokens
{
    public long? Prompt { get; set; }
    public long? Completion { get; set; }
    public double? CostUsd { get; set; }

    /// <summary>Two steps' usage as one (a turn a converter split in two); null when neither has any.</summary>
    public static StepTokens? Sum(StepTokens? first, StepTokens? second) => (first, second) switch
    {
        (null, _) => second,
        (_, null) => first,
        _ => new StepTokens
        {
            Prompt = first.Prompt is null && second.Prompt is null ? null : (first.Prompt ?? 0) + (second.Prompt ?? 0),
            Completion = first.Completion is null && second.Completion is null ? null : (first.Completion ?? 0) + (second.Completion ?? 0),
            CostUsd = first.CostUsd is null && second.CostUsd is null ? null : (first.CostUsd ?? 0) + (second.CostUsd ?? 0),
        },
    };
}

/// <summary>A pointer into the raw artifact: a file plus a line range or a JSON pointer.</summary>
public sealed class Provenance
{
    public string File { get; set; } = "";
    public int? LineStart { get; set; }
    public int? LineEnd { get; set; }
    public string? JsonPointer { get; set; }

    public override string ToString() =>
        JsonPointer is not null ? $"{File}#{JsonPointer}"
        : LineStart is not null ? $"{File}:{LineStart}{(LineEnd is not null && LineEnd != LineStart ? "-" + LineEnd : "")}"
        : File;
}

/// <summary>What a step or tool call does.</summary>
public enum StepKind
{
    Unknown = 0,
    Read,
    Search,
    Run,
    Test,
    Edit,
    Create,
    Install,
    Git,
    Think,
    Message,
    Submit,
}

/// <summary>Whether a step alters state (<c>change</c>) or only looks (<c>explore</c>).</summary>
public enum StepEffect
{
    Explore = 0,
    Change = 1,
}

public enum SignalKind
{
    /// <summary>Non-zero exit code or an error flag on a call.</summary>
    ErrorExit,
    /// <summary>Error text in the observation: traceback, command not found, compiler error, ...</summary>
    ErrorText,
    /// <summary>A test run with failures.</summary>
    TestsFailed,
    /// <summary>A test run that passed.</summary>
    TestsPassed,
    /// <summary>The same action as an earlier step.</summary>
    RepeatedAction,
    /// <summary>An edit that a later step undid.</summary>
    EditReverted,
    /// <summary>A command that ran until a timeout.</summary>
    Timeout,
    /// <summary>An observation so large it floods later prompts.</summary>
    HugeObservation,
    /// <summary>The agent's response could not be parsed by its harness.</summary>
    FormatError,
    /// <summary>An edit after which a later step's output reports a syntax or compile error in the file it changed.</summary>
    BrokenEdit,
}

/// <summary>An observation about a step that matters for finding where a run went wrong, with its evidence.</summary>
public sealed class Signal
{
    public SignalKind Kind { get; set; }

    /// <summary>One line a person can read: "exit code 1", "3 failed, 10 passed", "same command as step 4".</summary>
    public string Message { get; set; } = "";

    /// <summary>Index of the tool call the signal is about, when it is about one.</summary>
    public int? ToolCallIndex { get; set; }

    /// <summary>The line of the observation that shows it.</summary>
    public string? EvidenceLine { get; set; }

    /// <summary>1-based line number of <see cref="EvidenceLine"/> inside the observation.</summary>
    public int? EvidenceLineNumber { get; set; }

    /// <summary>For test runs: counts when the runner prints them.</summary>
    public TestCounts? Tests { get; set; }

    /// <summary>For repeats and reverts: the other step involved.</summary>
    public int? RelatedStep { get; set; }
}

public sealed class TestCounts
{
    public int Passed { get; set; }
    public int Failed { get; set; }
    public int Errors { get; set; }
    public int Skipped { get; set; }
}
