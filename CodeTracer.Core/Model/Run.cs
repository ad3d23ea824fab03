namespace CodeTracer.Core.Model;

/// <summary>
/// One agent attempt at one task, rebuilt from whatever artifacts the agent left behind.
/// Steps are held here while a run is in memory; storage keeps them in their own documents.
/// </summary>
public sealed class Run
{
    /// <summary>Stable id: a hash of the source location and unit key, so re-importing updates instead of duplicating.</summary>
    public string Id { get; set; } = "";

    /// <summary>Agent framework: <c>swe-agent</c>, <c>mini-swe-agent</c>, <c>openhands</c>, <c>terminus-2</c>, <c>claude-code</c>, <c>codetracer</c>.</summary>
    public string Framework { get; set; } = "";

    /// <summary>The concrete on-disk format the run was read from (see <see cref="RunFormats"/>).</summary>
    public string Format { get; set; } = "";

    /// <summary>Version of the format or of the agent that wrote it, when known (e.g. <c>0.x</c>, <c>1.1</c>, <c>ATIF-v1.6</c>).</summary>
    public string? FormatVersion { get; set; }

    public string? Model { get; set; }

    public TaskInfo Task { get; set; } = new();

    public RunOutcome Outcome { get; set; } = new();

    /// <summary>Why the agent stopped (<c>submitted</c>, <c>exit_cost</c>, <c>Timeout</c>, ...). Never a verdict.</summary>
    public string? ExitStatus { get; set; }

    public RunMetrics Metrics { get; set; } = new();

    public RunSource Source { get; set; } = new();

    public List<ImportWarning> Warnings { get; set; } = [];

    public List<Step> Steps { get; set; } = [];

    /// <summary>
    /// Stage ranges that came with the run (CodeTracer <c>stage_ranges.json</c>), as the file gives them: they may
    /// overlap, leave gaps or run past the last step. Tree indexing checks them and uses, clips or drops them.
    /// </summary>
    public List<Stage> ShippedStages { get; set; } = [];

    /// <summary>Contiguous stages covering every step exactly once (filled by tree indexing).</summary>
    public List<Stage> Stages { get; set; } = [];

    /// <summary>CodeTracer's change/explore state tree (filled by tree indexing).</summary>
    public StateTree? StateTree { get; set; }

    public DateTime ImportedAtUtc { get; set; }

    private int? _stepCount;
    private int? _toolCallCount;

    /// <summary>Counted from <see cref="Steps"/> when they are loaded; otherwise the count stored with the run.</summary>
    public int StepCount
    {
        get => Steps.Count > 0 ? Steps.Count : _stepCount ?? 0;
        set => _stepCount = value;
    }

    /// <summary>Counted from <see cref="Steps"/> when they are loaded; otherwise the count stored with the run.</summary>
    public int ToolCallCount
    {
        get => Steps.Count > 0 ? Steps.Sum(s => s.ToolCalls.Count) : _toolCallCount ?? 0;
        set => _toolCallCount = value;
    }
}

/// <summary>The task the agent was given.</summary>
public sealed class TaskInfo
{
    /// <summary>Benchmark instance or task id (<c>django__django-13265</c>, <c>hello-world</c>).</summary>
    public string? Id { get; set; }

    /// <summary>One line for lists: the id, or the first line of the text.</summary>
    public string Title { get; set; } = "";

    public string? Text { get; set; }
}

public enum OutcomeStatus
{
    Unknown = 0,
    Resolved = 1,
    Unresolved = 2,
}

/// <summary>The verdict of a run and the files or fields it was read from.</summary>
public sealed class RunOutcome
{
    public OutcomeStatus Status { get; set; }

    /// <summary>Where the verdict comes from, one line each (<c>verifier/reward.txt = 0</c>, <c>results.json: listed in resolved</c>).</summary>
    public List<OutcomeEvidence> Evidence { get; set; } = [];

    /// <summary>Numeric reward when the harness gives one (Harbor, OpenAgentSafety).</summary>
    public double? Reward { get; set; }

    /// <summary>Harness failure mode (<c>agent_timeout</c>, <c>AgentTimeoutError</c>, ...), when the run did not end normally.</summary>
    public string? FailureMode { get; set; }

    /// <summary>Per-test results when the harness reports them (test name to passed/failed).</summary>
    public Dictionary<string, string> TestResults { get; set; } = [];
}

public sealed class OutcomeEvidence
{
    /// <summary>File the evidence was read from (absolute path), or null when it is a field of the trajectory itself.</summary>
    public string? File { get; set; }

    /// <summary>What it says, e.g. <c>is_resolved: false</c>.</summary>
    public string Detail { get; set; } = "";
}

public sealed class RunMetrics
{
    public long? PromptTokens { get; set; }
    public long? CompletionTokens { get; set; }
    public long? CachedTokens { get; set; }
    public double? CostUsd { get; set; }
    public double? DurationSeconds { get; set; }
    public int? ApiCalls { get; set; }
    public DateTime? StartedAtUtc { get; set; }
    public DateTime? EndedAtUtc { get; set; }
}

/// <summary>Where a run came from.</summary>
public sealed class RunSource
{
    /// <summary>The trajectory file or folder the run came from (absolute path).</summary>
    public string Path { get; set; } = "";

    /// <summary>For containers of many runs (a multi-line <c>output.jsonl</c>), which one: the line number or instance id.</summary>
    public string? UnitKey { get; set; }

    /// <summary>Every file read for this run, with its SHA-256, so a re-import can tell whether anything changed.</summary>
    public List<SourceFile> Files { get; set; } = [];
}

public sealed class SourceFile
{
    public string Path { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Length { get; set; }
}

/// <summary>A problem found while reading a run that did not stop it from being read.</summary>
public sealed class ImportWarning
{
    /// <summary>Short stable code, e.g. <c>stage-range-clipped</c>, <c>observation-truncated</c>.</summary>
    public string Code { get; set; } = "";

    public string Message { get; set; } = "";

    /// <summary>File the problem is in, when it is about one file.</summary>
    public string? File { get; set; }

    /// <summary>JSON pointer or <c>line N</c> inside that file.</summary>
    public string? Location { get; set; }

    public override string ToString() =>
        File is null ? $"{Code}: {Message}" : $"{Code}: {Message} ({File}{(Location is null ? "" : " at " + Location)})";
}

/// <summary>Names of the formats the importers read. These strings appear in <c>inspect --json</c> and in the database.</summary>
public static class RunFormats
{
    public const string SweAgentTraj = "swe-agent-traj";
    public const string MiniSweAgentTraj = "mini-swe-agent-traj";
    public const string OpenHandsEvalJsonl = "openhands-eval-jsonl";
    public const string OpenHandsEventArray = "openhands-event-array";
    public const string OpenHandsSessionDir = "openhands-session-dir";
    public const string OpenHandsV1EvalJsonl = "openhands-v1-eval-jsonl";
    public const string OpenHandsV1ConversationDir = "openhands-v1-conversation-dir";
    public const string OpenHandsPairList = "openhands-pair-list";
    public const string OpenHandsResolver = "openhands-resolver";
    public const string Terminus2Episodes = "terminus2-episodes";
    public const string ClaudeCodeCast = "claude-code-cast";
    public const string ClaudeCodeStreamJson = "claude-code-stream-json";
    public const string HarborAtif = "harbor-atif";
    public const string CodeTracerNormalized = "codetracer-normalized";
}

/// <summary>Names of the frameworks (the agent that produced the run).</summary>
public static class Frameworks
{
    public const string SweAgent = "swe-agent";
    public const string MiniSweAgent = "mini-swe-agent";
    public const string OpenHands = "openhands";
    public const string Terminus2 = "terminus-2";
    public const string ClaudeCode = "claude-code";
    public const string CodeTracer = "codetracer";
}
