using CodeTracer.Core.Model;

namespace CodeTracer.Core.Diagnosis;

/// <summary>How an LLM diagnosis reads the run.</summary>
public enum LlmDiagnosisMode
{
    /// <summary>A compact index first; the model opens stages and steps through functions.</summary>
    TreeIndexed = 0,

    /// <summary>The whole run in one prompt, no functions: the baseline for token comparisons.</summary>
    Direct = 1,
}

public enum DiagnosisProgressKind
{
    Started,
    RequestSent,
    ResponseReceived,
    FunctionCall,
    AnswerRejected,
    Finished,
}

/// <summary>One progress report of an LLM diagnosis: what just happened and the totals so far.</summary>
public sealed record DiagnosisProgress(
    DiagnosisProgressKind Kind,
    string Message,
    int FunctionCalls,
    int Requests,
    long PromptTokens,
    long CompletionTokens,
    double CostUsd);

public enum LlmDiagnosisStatus
{
    /// <summary>A valid answer was received and turned into a diagnosis.</summary>
    Completed,

    /// <summary>No endpoint or model is configured.</summary>
    NotConfigured,

    /// <summary>A budget (requests, function calls, tokens, cost) ran out before a valid answer.</summary>
    BudgetExhausted,

    /// <summary>Every answer was rejected (malformed JSON, unknown step ids) within the allowed attempts.</summary>
    InvalidAnswer,

    /// <summary>The endpoint failed (HTTP error, unreachable, timeout).</summary>
    EndpointError,

    /// <summary>The run has no agent steps, so there is nothing for a model to read; nothing was sent.</summary>
    NothingToRead,
}

/// <summary>The result of an LLM diagnosis: the diagnosis when one was made, otherwise a clear reason, and what it cost.</summary>
public sealed class LlmDiagnosisResult
{
    public required LlmDiagnosisStatus Status { get; init; }

    public RunDiagnosis? Diagnosis { get; init; }

    /// <summary>One line for people: what happened (never contains the API key).</summary>
    public string Message { get; init; } = "";

    public long PromptTokens { get; init; }

    public long CompletionTokens { get; init; }

    public double CostUsd { get; init; }

    public int Requests { get; init; }

    public int FunctionCalls { get; init; }

    /// <summary>Answers received, rejected ones included.</summary>
    public int Answers { get; init; }

    public bool Succeeded => Status == LlmDiagnosisStatus.Completed && Diagnosis is not null;
}
