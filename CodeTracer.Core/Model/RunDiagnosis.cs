namespace CodeTracer.Core.Model;

/// <summary>Where a run first went wrong and what followed, from the heuristic or from an LLM.</summary>
public sealed class RunDiagnosis
{
    /// <summary>Stable id (per run, unique), used in deep links (<c>&amp;diagnosis=ID</c>).</summary>
    public string Id { get; set; } = "";

    public string RunId { get; set; } = "";

    /// <summary><c>heuristic</c>, <c>llm:&lt;model&gt;</c> or <c>direct:&lt;model&gt;</c>.</summary>
    public string Method { get; set; } = "";

    public string? Model { get; set; }

    /// <summary>The earliest failure-critical step, null when no failure was found.</summary>
    public int? OnsetStep { get; set; }

    public int? OnsetStage { get; set; }

    /// <summary>True when the run had an error that it recovered from (resolved runs).</summary>
    public bool Recovered { get; set; }

    /// <summary>Error kind from the paper's taxonomy: environment, dependency, localization, hypothesis, verification, looping.</summary>
    public string? ErrorKind { get; set; }

    public List<ErrorChainLink> ErrorChain { get; set; } = [];

    public List<StageLabel> StageLabels { get; set; } = [];

    /// <summary>From the terminal failure back to the first error, one line each.</summary>
    public List<string> RootCauseChain { get; set; } = [];

    public List<DecisionPoint> DecisionPoints { get; set; } = [];

    public string? CorrectStrategy { get; set; }

    public string Summary { get; set; } = "";

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public double CostUsd { get; set; }

    public string PromptVersion { get; set; } = "";

    /// <summary>
    /// Steps the run had when this diagnosis was made; 0 when not recorded. A run imported again by a newer importer can
    /// get other step numbers, and then this diagnosis's step ids no longer match it.
    /// </summary>
    public int RunStepCount { get; set; }

    public DateTime CreatedAtUtc { get; set; }
}

public sealed class ErrorChainLink
{
    public int Step { get; set; }

    /// <summary><c>onset</c>, <c>propagation</c> or <c>terminal</c>.</summary>
    public string Role { get; set; } = "";

    public string Why { get; set; } = "";
}

/// <summary>CodeTracer's <c>tracebench</c> label profile for one stage.</summary>
public sealed class StageLabel
{
    public int StageId { get; set; }
    public List<int> IncorrectStepIds { get; set; } = [];
    public List<int> UnusefulStepIds { get; set; } = [];
    public string Reasoning { get; set; } = "";
}

public sealed class DecisionPoint
{
    public int StepId { get; set; }
    public string Decision { get; set; } = "";
    public string ShouldHave { get; set; } = "";
}
