using System.ClientModel;
using System.Globalization;
using System.Text.RegularExpressions;
using CodeTracer.Core.Model;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// LLM diagnosis against an OpenAI-compatible endpoint. Tree-indexed: the first request carries the task, the outcome
/// evidence and a compact index; the model opens what it needs through <see cref="RunNavigator"/>'s functions and
/// answers with JSON (structured output) that is validated against the run and retried with a correction when it names
/// steps that do not exist or is malformed. Direct: the whole run in one prompt, same schema. Budgets on requests,
/// function calls, tokens and cost; usage comes from the API responses; progress is reported per request and call.
/// </summary>
public sealed partial class LlmDiagnosisService
{
    private readonly IOptionsMonitor<DiagnosisOptions> _options;
    private readonly IDiagnosisChatClientFactory _clients;
    private readonly HeuristicLocalizer _heuristic;
    private readonly ILogger<LlmDiagnosisService> _logger;
    private readonly TimeProvider _time;

    public LlmDiagnosisService(
        IOptionsMonitor<DiagnosisOptions> options,
        IDiagnosisChatClientFactory clients,
        HeuristicLocalizer heuristic,
        ILogger<LlmDiagnosisService>? logger = null,
        TimeProvider? time = null)
    {
        _options = options;
        _clients = clients;
        _heuristic = heuristic;
        _logger = logger ?? NullLogger<LlmDiagnosisService>.Instance;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>True when an endpoint and a model are configured.</summary>
    public bool IsConfigured => _options.CurrentValue.IsConfigured;

    /// <summary>The configured model id (for display), or null.</summary>
    public string? Model => _options.CurrentValue.IsConfigured ? _options.CurrentValue.Model : null;

    /// <summary>
    /// Diagnoses a run whose steps are loaded. Never throws for endpoint failures or bad answers (they become the
    /// result's status and message); throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public async Task<LlmDiagnosisResult> DiagnoseAsync(Run run, LlmDiagnosisMode mode, IProgress<DiagnosisProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var options = _options.CurrentValue;
        if (!options.IsConfigured)
        {
            return new LlmDiagnosisResult
            {
                Status = LlmDiagnosisStatus.NotConfigured,
                Message = "LLM diagnosis is not configured: set Diagnosis:Endpoint (a base URL ending in /v1/) and Diagnosis:Model (env Diagnosis__Endpoint, Diagnosis__Model, Diagnosis__ApiKey).",
            };
        }

        if (run.Steps.Count == 0)
        {
            // A run that ended before the agent's first turn: the heuristic already says so, and a model would be paid
            // to read an empty index.
            return new LlmDiagnosisResult
            {
                Status = LlmDiagnosisStatus.NothingToRead,
                Message = "the run has no agent steps, so there is nothing for a model to read; nothing was sent",
            };
        }

        var model = options.Model!;
        var meter = new UsageMeter(options, model, progress, mode == LlmDiagnosisMode.TreeIndexed ? options.MaxFunctionCalls : 0);
        var treeIndexed = mode == LlmDiagnosisMode.TreeIndexed;
        var request = DiagnosisRequest.Build(run, mode, options, _heuristic);
        var messages = request.Messages();
        var chatOptions = new ChatOptions
        {
            ModelId = model,
            ResponseFormat = DiagnosisRequest.ResponseFormat,
        };
        if (request.WithTools)
        {
            chatOptions.Tools = request.Tools;
            chatOptions.ToolMode = ChatToolMode.Auto;
        }

        LogStarting(run.Id, mode, model, SafeEndpoint(options));
        meter.Report(DiagnosisProgressKind.Started, mode == LlmDiagnosisMode.TreeIndexed
            ? $"tree-indexed diagnosis with {model}: index of {run.StepCount} steps"
            : $"direct diagnosis with {model}: the whole run ({run.StepCount} steps)");

        using var inner = _clients.Create(options);
        using var client = new ChatClientBuilder(inner)
            .UseFunctionInvocation(configure: invocation =>
            {
                invocation.MaximumIterationsPerRequest = options.MaxRounds;
                invocation.MaximumConsecutiveErrorsPerRequest = 3;
                invocation.IncludeDetailedErrors = false;
                invocation.AllowConcurrentInvocation = false;
                invocation.FunctionInvoker = meter.InvokeFunctionAsync;
            })
            .Use(next => new MeteringChatClient(next, meter))
            .Build();

        var answers = 0;
        List<string> problems = [];
        try
        {
            for (var attempt = 1; attempt <= options.MaxAnswerAttempts; attempt++)
            {
                var response = await client.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
                messages.AddRange(response.Messages);
                answers++;
                (var answer, problems) = DiagnosisAnswerParser.Parse(response.Text, run);
                if (answer is not null)
                {
                    var method = (treeIndexed ? "llm:" : "direct:") + model;
                    var diagnosis = DiagnosisAnswerParser.ToDiagnosis(answer, run, method, model,
                        treeIndexed ? DiagnosisPrompts.TreeIndexedVersion : DiagnosisPrompts.DirectVersion, _time.GetUtcNow().UtcDateTime);
                    diagnosis.PromptTokens = meter.PromptTokens;
                    diagnosis.CompletionTokens = meter.CompletionTokens;
                    diagnosis.CostUsd = meter.CostUsd;
                    var done = $"diagnosed: onset {(diagnosis.OnsetStep is { } o ? "step " + o.ToString(CultureInfo.InvariantCulture) : "none")}";
                    meter.Report(DiagnosisProgressKind.Finished, done);
                    LogFinished(run.Id, meter.Requests, meter.FunctionCalls, meter.PromptTokens, meter.CompletionTokens, meter.CostUsd);
                    return Result(LlmDiagnosisStatus.Completed, done, meter, answers, diagnosis);
                }

                LogRejected(run.Id, attempt, problems.Count);
                meter.Report(DiagnosisProgressKind.AnswerRejected, "answer rejected: " + DiagnosisText.Cut(DiagnosisAnswerParser.Describe(problems), 200));
                messages.Add(new ChatMessage(ChatRole.User, DiagnosisPrompts.CorrectionPrompt(problems)));
            }
            var message = $"no valid answer after {answers} attempt(s): {DiagnosisText.Cut(DiagnosisAnswerParser.Describe(problems), 400)}";
            meter.Report(DiagnosisProgressKind.Finished, message);
            LogGaveUp(run.Id, answers);
            return Result(LlmDiagnosisStatus.InvalidAnswer, message, meter, answers, null);
        }
        catch (DiagnosisBudgetExceededException ex)
        {
            var message = ex.Message + (problems.Count > 0 ? $"; the last answer was rejected: {DiagnosisText.Cut(DiagnosisAnswerParser.Describe(problems), 200)}" : "; no valid answer yet");
            meter.Report(DiagnosisProgressKind.Finished, message);
            LogBudget(run.Id, ex.Message);
            return Result(LlmDiagnosisStatus.BudgetExhausted, message, meter, answers, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is ClientResultException or HttpRequestException or TaskCanceledException or TimeoutException or InvalidOperationException or System.Text.Json.JsonException)
        {
            var message = "the endpoint failed: " + Redact(Describe(ex), options);
            meter.Report(DiagnosisProgressKind.Finished, message);
            LogEndpointError(run.Id, ex.GetType().Name, (ex as ClientResultException)?.Status ?? 0);
            return Result(LlmDiagnosisStatus.EndpointError, message, meter, answers, null);
        }
    }

    private static LlmDiagnosisResult Result(LlmDiagnosisStatus status, string message, UsageMeter meter, int answers, RunDiagnosis? diagnosis) => new()
    {
        Status = status,
        Diagnosis = diagnosis,
        Message = message,
        PromptTokens = meter.PromptTokens,
        CompletionTokens = meter.CompletionTokens,
        CostUsd = meter.CostUsd,
        Requests = meter.Requests,
        FunctionCalls = meter.FunctionCalls,
        Answers = answers,
    };

    private static string Describe(Exception ex) => ex switch
    {
        ClientResultException client when client.Status > 0 => $"HTTP {client.Status}: {DiagnosisText.OneLine(client.Message, 300)}",
        TaskCanceledException or TimeoutException => "the request timed out (Diagnosis:RequestTimeout)",
        _ => DiagnosisText.OneLine(ex.Message, 300),
    };

    /// <summary>
    /// Removes the key from a text: error bodies of some providers echo part of it ("Incorrect API key provided:
    /// sk-abc***xyz"), and that fragment must not reach a log or a page either.
    /// </summary>
    internal static string Redact(string text, DiagnosisOptions options)
    {
        if (!string.IsNullOrEmpty(options.ApiKey)) text = text.Replace(options.ApiKey, "***", StringComparison.Ordinal);
        return KeyLikeRegex().Replace(text, "$1***");
    }

    private static string SafeEndpoint(DiagnosisOptions options) =>
        options.EndpointUri is { } uri ? uri.GetLeftPart(UriPartial.Path) : "(invalid)";

    [GeneratedRegex(@"\b(sk-|key-|Bearer\s+)[A-Za-z0-9*_\-.]{4,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyLikeRegex();

    [LoggerMessage(Level = LogLevel.Information, Message = "LLM diagnosis of run {RunId} ({Mode}) with model {Model} at {Endpoint}")]
    private partial void LogStarting(string runId, LlmDiagnosisMode mode, string model, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "LLM diagnosis of run {RunId} done: {Requests} requests, {FunctionCalls} function calls, {PromptTokens} prompt + {CompletionTokens} completion tokens, ${CostUsd:F4}")]
    private partial void LogFinished(string runId, int requests, int functionCalls, long promptTokens, long completionTokens, double costUsd);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM diagnosis of run {RunId}: answer {Attempt} rejected ({ProblemCount} problems)")]
    private partial void LogRejected(string runId, int attempt, int problemCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM diagnosis of run {RunId}: no valid answer after {Answers} attempts")]
    private partial void LogGaveUp(string runId, int answers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM diagnosis of run {RunId} stopped: {Reason}")]
    private partial void LogBudget(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LLM diagnosis of run {RunId}: the endpoint failed ({ErrorType}, HTTP status {Status})")]
    private partial void LogEndpointError(string runId, string errorType, int status);
}

/// <summary>Thrown by the metering client when a budget is spent; caught by <see cref="LlmDiagnosisService"/>.</summary>
internal sealed class DiagnosisBudgetExceededException(string message) : Exception(message);

/// <summary>
/// Counts requests, function calls, tokens and cost for one diagnosis, enforces the budgets between requests, and
/// reports progress. Usage is summed from each API response, so it covers every round.
/// </summary>
internal sealed class UsageMeter(DiagnosisOptions options, string model, IProgress<DiagnosisProgress>? progress, int maxFunctionCalls)
{
    private long _lastPromptTokens;

    public int Requests { get; private set; }
    public int FunctionCalls { get; private set; }
    public long PromptTokens { get; private set; }
    public long CompletionTokens { get; private set; }
    public double CostUsd => options.CostUsd(model, PromptTokens, CompletionTokens);

    public bool FunctionBudgetSpent => FunctionCalls >= maxFunctionCalls;

    /// <summary>The endpoint refused the response schema once; later requests go without it.</summary>
    public bool SchemaRefused { get; set; }

    /// <summary>The endpoint refused function calling once; later requests go without tools.</summary>
    public bool ToolsRefused { get; set; }

    /// <summary>
    /// Before each request: refuse when a budget is spent; otherwise say whether this request must be the last one
    /// (no more function calls), because the calls, the rounds or the tokens left cannot pay for another round.
    /// </summary>
    public bool BeforeRequest()
    {
        if (Requests >= options.MaxRounds)
        {
            throw new DiagnosisBudgetExceededException(string.Create(CultureInfo.InvariantCulture, $"request budget reached ({options.MaxRounds} requests, Diagnosis:MaxRounds) after {FunctionCalls} function call(s)"));
        }
        var total = PromptTokens + CompletionTokens;
        if (total >= options.MaxTotalTokens)
        {
            throw new DiagnosisBudgetExceededException(string.Create(CultureInfo.InvariantCulture, $"token budget reached ({total:N0} of {options.MaxTotalTokens:N0} tokens, Diagnosis:MaxTotalTokens) after {Requests} request(s) and {FunctionCalls} function call(s)"));
        }
        if (CostUsd >= options.MaxCostUsd && Requests > 0)
        {
            throw new DiagnosisBudgetExceededException(string.Create(CultureInfo.InvariantCulture, $"cost budget reached (${CostUsd:F4} of ${options.MaxCostUsd:F2}, Diagnosis:MaxCostUsd) after {Requests} request(s)"));
        }
        var nextEstimate = total + _lastPromptTokens;
        var nextCost = options.CostUsd(model, PromptTokens + _lastPromptTokens, CompletionTokens);
        var lastRound = Requests + 1 >= options.MaxRounds || FunctionBudgetSpent
            || (Requests > 0 && (nextEstimate + _lastPromptTokens >= options.MaxTotalTokens || nextCost >= options.MaxCostUsd));
        Requests++;
        Report(DiagnosisProgressKind.RequestSent, $"request {Requests}{(lastRound ? " (final: answer now)" : "")}");
        return lastRound;
    }

    public void AfterResponse(UsageDetails? usage)
    {
        var prompt = usage?.InputTokenCount ?? 0;
        var completion = usage?.OutputTokenCount ?? 0;
        PromptTokens += prompt;
        CompletionTokens += completion;
        _lastPromptTokens = prompt;
        Report(DiagnosisProgressKind.ResponseReceived, string.Create(CultureInfo.InvariantCulture, $"response {Requests}: {prompt:N0} prompt + {completion:N0} completion tokens"));
    }

    /// <summary>Runs one function call the model asked for, unless the call budget is spent (then the model is told to answer).</summary>
    public async ValueTask<object?> InvokeFunctionAsync(FunctionInvocationContext context, CancellationToken cancellationToken)
    {
        var call = $"{context.Function.Name}({string.Join(", ", context.Arguments.Select(a => DiagnosisText.OneLine(Convert.ToString(a.Value, CultureInfo.InvariantCulture), 60)))})";
        if (FunctionBudgetSpent)
        {
            Report(DiagnosisProgressKind.FunctionCall, $"{call} refused: function-call budget spent");
            return string.Create(CultureInfo.InvariantCulture, $"Function-call budget spent ({maxFunctionCalls} calls). Do not call functions; answer now with the JSON.");
        }
        FunctionCalls++;
        Report(DiagnosisProgressKind.FunctionCall, call);
        return await context.Function.InvokeAsync(context.Arguments, cancellationToken).ConfigureAwait(false);
    }

    public void Report(DiagnosisProgressKind kind, string message) =>
        progress?.Report(new DiagnosisProgress(kind, message, FunctionCalls, Requests, PromptTokens, CompletionTokens, CostUsd));
}

/// <summary>
/// Sits under the function-invocation loop, so it sees every HTTP round: enforces the budgets before each request,
/// turns off function calling for the final round, and records the usage each response reports.
/// </summary>
internal sealed class MeteringChatClient(IChatClient inner, UsageMeter meter) : DelegatingChatClient(inner)
{
    /// <summary>Said to the model when the endpoint takes no function calls.</summary>
    internal const string NoFunctionsNote = "This endpoint takes no function calls: answer from what the first message shows.";

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var original = messages as IList<ChatMessage> ?? messages.ToList();
        while (true)
        {
            var (sent, sentOptions) = Adapt(original, options);
            sentOptions = LimitTools(meter.BeforeRequest(), sentOptions);
            try
            {
                var response = await base.GetResponseAsync(sent, sentOptions, cancellationToken).ConfigureAwait(false);
                meter.AfterResponse(response.Usage);
                return response;
            }
            catch (ClientResultException ex) when (ex.Status == 400 && FallBack(ex.Message, sent, sentOptions))
            {
                // Asked again below without what the endpoint refused; each fallback happens once, so this ends.
            }
        }
    }

    /// <summary>
    /// Some OpenAI-compatible servers refuse a response_format json_schema, or function calling, with a 400. Decides
    /// whether to ask again without it (for the rest of this diagnosis): the schema's shape then goes into the system
    /// prompt, and without functions the model answers from the first message. Tools are only dropped before any call
    /// was made, since a history with calls needs them.
    /// </summary>
    private bool FallBack(string error, IList<ChatMessage> sent, ChatOptions? options)
    {
        if (!meter.SchemaRefused && options?.ResponseFormat is ChatResponseFormatJson { Schema: not null } && RefusesSchema(error))
        {
            meter.SchemaRefused = true;
            meter.Report(DiagnosisProgressKind.RequestSent, "the endpoint does not take a JSON schema: asking for the shape in the prompt instead");
            return true;
        }
        if (!meter.ToolsRefused && options?.Tools is { Count: > 0 } && RefusesTools(error)
            && !sent.Any(m => m.Contents.OfType<FunctionCallContent>().Any()))
        {
            meter.ToolsRefused = true;
            meter.Report(DiagnosisProgressKind.RequestSent, "the endpoint does not take function calls: answering from the index and candidates alone");
            return true;
        }
        return false;
    }

    /// <summary>The request as this endpoint takes it, given what it refused so far.</summary>
    private (IList<ChatMessage> Messages, ChatOptions? Options) Adapt(IList<ChatMessage> messages, ChatOptions? options)
    {
        if (!meter.SchemaRefused && !meter.ToolsRefused) return (messages, options);
        var notes = new List<string>();
        if (options is not null) options = options.Clone();
        if (meter.SchemaRefused)
        {
            if (options is not null) options.ResponseFormat = null;
            notes.Add(DiagnosisPrompts.AnswerShape);
        }
        if (meter.ToolsRefused)
        {
            if (options is not null)
            {
                options.Tools = null;
                options.ToolMode = null;
            }
            notes.Add(NoFunctionsNote);
        }
        var list = messages.ToList();
        var system = list.FindIndex(m => m.Role == ChatRole.System);
        if (system >= 0) list[system] = new ChatMessage(ChatRole.System, list[system].Text.TrimEnd() + "\n" + string.Join("\n", notes));
        return (list, options);
    }

    private static ChatOptions? LimitTools(bool lastRound, ChatOptions? options)
    {
        if (!lastRound || options?.Tools is not { Count: > 0 }) return options;
        // Keep the tool definitions (the history holds tool calls) but forbid new calls: the model must answer.
        options = options.Clone();
        options.ToolMode = ChatToolMode.None;
        return options;
    }

    private static bool RefusesSchema(string message) =>
        message.Contains("response_format", StringComparison.OrdinalIgnoreCase) || message.Contains("json_schema", StringComparison.OrdinalIgnoreCase)
        || message.Contains("structured output", StringComparison.OrdinalIgnoreCase);

    private static bool RefusesTools(string message) =>
        message.Contains("tool", StringComparison.OrdinalIgnoreCase) || message.Contains("function call", StringComparison.OrdinalIgnoreCase)
        || message.Contains("function_call", StringComparison.OrdinalIgnoreCase);

    public override IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Diagnosis does not stream.");
}
