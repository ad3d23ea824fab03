using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>What an eval record's <c>history</c> holds (FORMATS.md §3.2, §3.5, §3.6).</summary>
internal enum HistoryShape
{
    Empty,

    /// <summary>V0 events with ids, observations joined by <c>cause</c>.</summary>
    V0Events,

    /// <summary>V1 SDK events typed by <c>kind</c>.</summary>
    V1Events,

    /// <summary>Legacy <c>[[action, observation], ...]</c> pairs.</summary>
    PairList,

    /// <summary>Legacy id-less action/observation dicts (resolver output).</summary>
    BareDicts,
}

/// <summary>Reads one OpenHands eval record (one line of an <c>output.jsonl</c>) into a run.</summary>
internal static class OpenHandsRecord
{
    public const string V0 = "V0";
    public const string V1 = "V1";
    public const string Legacy = "v1.5";

    /// <summary>Looks at the first informative history item.</summary>
    public static HistoryShape DetectShape(JsonElement history)
    {
        if (history.ValueKind != JsonValueKind.Array) return HistoryShape.Empty;
        foreach (var item in history.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array) return HistoryShape.PairList;
            if (item.ValueKind != JsonValueKind.Object) continue;
            if (item.Str("kind") is not null) return HistoryShape.V1Events;
            if (item.TryGetProperty("action", out _) || item.TryGetProperty("observation", out _))
            {
                return item.TryGetProperty("id", out _) || item.TryGetProperty("timestamp", out _) ? HistoryShape.V0Events : HistoryShape.BareDicts;
            }
        }
        return HistoryShape.Empty;
    }

    /// <summary>Reads a record. <paramref name="line"/> is its 1-based line in a JSONL file, or null for a file holding one record.</summary>
    /// <param name="emptyHistoryShape">The shape to assume when the history is empty (the shape of the file's other lines).</param>
    public static (Run Run, HistoryShape Shape) Read(JsonElement record, string path, int? line, HistoryShape emptyHistoryShape)
    {
        var history = record.Prop("history") ?? default;
        var shape = DetectShape(history);
        var metadata = record.Prop("metadata");
        if (shape == HistoryShape.Empty)
        {
            // A run that never got a turn: its metadata still tells the SDK generation apart (V1 writes "llm", V0 "llm_config").
            shape = metadata?.Prop("llm") is not null ? HistoryShape.V1Events
                : metadata?.Prop("llm_config") is not null || metadata?.Prop("agent_class") is not null ? HistoryShape.V0Events
                : emptyHistoryShape;
        }

        var isResolver = record.Prop("issue") is { ValueKind: JsonValueKind.Object } || record.TryGetProperty("comment_success", out _);
        var run = new Run
        {
            Framework = Frameworks.OpenHands,
            Format = isResolver ? RunFormats.OpenHandsResolver
                : shape switch
                {
                    HistoryShape.V1Events => RunFormats.OpenHandsV1EvalJsonl,
                    HistoryShape.PairList or HistoryShape.BareDicts => RunFormats.OpenHandsPairList,
                    _ => RunFormats.OpenHandsEvalJsonl,
                },
            FormatVersion = shape switch
            {
                HistoryShape.V1Events => V1,
                HistoryShape.PairList or HistoryShape.BareDicts => Legacy,
                _ => V0,
            },
        };
        run.Source.Path = path;

        string? firstUserMessage;
        string? responseModel = null;
        string? stopState;
        DateTime? first, last;
        var pointerPrefix = "/history/";
        IEnumerable<JsonElement> items = history.ValueKind == JsonValueKind.Array ? history.EnumerateArray() : [];
        if (shape == HistoryShape.V1Events)
        {
            var reader = new V1EventReader();
            var index = 0;
            foreach (var ev in items)
            {
                reader.Add(ev, Where(path, line, pointerPrefix, index++));
            }
            run.Steps = reader.Steps;
            firstUserMessage = reader.FirstUserMessage;
            stopState = reader.Finished ? "finished" : reader.LastStatus;
            (first, last) = (reader.FirstTimestamp, reader.LastTimestamp);
            AddReaderWarnings(run, reader.OrphanObservations, reader.UnknownKinds, path, line);
        }
        else
        {
            var reader = new V0EventReader(shape == HistoryShape.BareDicts ? V0Joining.ByOrder : V0Joining.ByCause);
            var index = 0;
            foreach (var item in items)
            {
                if (item.ValueKind == JsonValueKind.Array)
                {
                    var length = item.GetArrayLength();
                    var action = length > 0 ? item[0] : default;
                    var observation = length > 1 ? item[1] : default;
                    reader.AddPair(action, observation, Where(path, line, pointerPrefix, index, 0), Where(path, line, pointerPrefix, index, 1));
                }
                else
                {
                    reader.Add(item, Where(path, line, pointerPrefix, index));
                }
                index++;
            }
            run.Steps = reader.Steps;
            firstUserMessage = reader.FirstUserMessage;
            responseModel = reader.ResponseModel;
            stopState = reader.Finished ? "finished" : reader.LastAgentState;
            (first, last) = (reader.FirstTimestamp, reader.LastTimestamp);
            run.Metrics.PromptTokens = reader.PromptTokens;
            run.Metrics.CompletionTokens = reader.CompletionTokens;
            run.Metrics.CostUsd = reader.AccumulatedCost;
            if (reader.ResponseCount > 0) run.Metrics.ApiCalls = reader.ResponseCount;
            AddReaderWarnings(run, reader.OrphanObservations, null, path, line);
        }

        run.Metrics.StartedAtUtc = first;
        run.Metrics.EndedAtUtc = last;
        ReadMetrics(run.Metrics, record.Prop("metrics"));

        ReadTask(run, record, firstUserMessage);
        run.Model = OpenHandsJson.ModelFromConfig(metadata?.Prop("llm_config"))
            ?? OpenHandsJson.ModelFromConfig(metadata?.Prop("llm"))
            ?? OpenHandsJson.NonEmpty(metadata?.Str("model_name"))
            ?? OpenHandsJson.NonEmpty(metadata?.Str("model"))
            ?? responseModel;

        var where = line is { } n ? $"line {n}: " : "";
        OpenHandsOutcome.Apply(run, record, path, where);
        run.ExitStatus = stopState;
        var location = line is { } l ? $"line {l}" : null;
        if (OpenHandsJson.NonEmpty(record.Str("error")) is { } error)
        {
            // The harness's reason the run stopped (e.g. "Agent reached maximum iteration ..."): a stop reason, not a verdict.
            run.ExitStatus = OpenHandsJson.FirstLine(error);
            run.Warnings.Add(new ImportWarning
            {
                Code = "run-error",
                Message = "the run ended with an error: " + OpenHandsJson.FirstLine(error, 500),
                File = path,
                Location = location,
            });
        }
        else if (run.Outcome.Status == OutcomeStatus.Unknown && OpenHandsJson.NonEmpty(record.Prop("test_result")?.Str("error")) is { } evaluation)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "evaluation-error",
                Message = "the evaluator failed, so there is no verdict: " + OpenHandsJson.FirstLine(evaluation, 500),
                File = path,
                Location = location,
            });
        }
        return (run, shape);
    }

    /// <summary>Task id, title and text. Eval records name the instance; the resolver names the issue.</summary>
    private static void ReadTask(Run run, JsonElement record, string? firstUserMessage)
    {
        var issue = record.Prop("issue");
        string? issueId = null;
        if (issue is { ValueKind: JsonValueKind.Object } i && i.Str("number") is { } number)
        {
            issueId = i.Str("owner") is { } owner && i.Str("repo") is { } repo ? $"{owner}/{repo}#{number}" : "#" + number;
        }
        run.Task.Id = OpenHandsJson.NonEmpty(record.Str("instance_id"))
            ?? OpenHandsJson.NonEmpty(record.Str("id"))
            ?? OpenHandsJson.NonEmpty(record.Str("question_id"))
            ?? issueId
            ?? OpenHandsJson.NonEmpty(record.Prop("instance")?.Str("instance_id"));
        run.Task.Text = OpenHandsJson.NonEmpty(record.Str("instruction"))
            ?? firstUserMessage
            ?? OpenHandsJson.NonEmpty(record.Prop("instance")?.Str("problem_statement"))
            ?? OpenHandsJson.NonEmpty(record.Str("text"))
            ?? OpenHandsJson.NonEmpty(issue?.Str("body"));
        if (OpenHandsJson.NonEmpty(issue?.Str("title")) is { } title) run.Task.Title = title;
    }

    /// <summary>Run totals from an OpenHands metrics object (eval records, V1 service metrics); keeps what the events summed otherwise.</summary>
    public static void ReadMetrics(RunMetrics metrics, JsonElement? source)
    {
        if (source is not { ValueKind: JsonValueKind.Object } m) return;
        // A zero total with no cost entries means the provider never reported prices (a proxied model), not a free run.
        var costs = m.Prop("costs") is { ValueKind: JsonValueKind.Array } list ? list.GetArrayLength() : -1;
        if (m.Double("accumulated_cost") is { } cost && !(cost == 0 && costs == 0)) metrics.CostUsd = cost;
        if (m.Prop("accumulated_token_usage") is { ValueKind: JsonValueKind.Object } usage)
        {
            if (usage.Long("prompt_tokens") is { } prompt) metrics.PromptTokens = prompt;
            if (usage.Long("completion_tokens") is { } completion) metrics.CompletionTokens = completion;
            if (usage.Long("cache_read_tokens") is { } cached) metrics.CachedTokens = cached;
        }
        var calls = m.Prop("token_usages") is { ValueKind: JsonValueKind.Array } usages ? usages.GetArrayLength() : 0;
        if (calls == 0 && m.Prop("response_latencies") is { ValueKind: JsonValueKind.Array } latencies) calls = latencies.GetArrayLength();
        if (calls > 0) metrics.ApiCalls = calls;
    }

    /// <summary>Per-response token usage and cost from OpenHands metrics objects, for joining to steps by response id.</summary>
    public static Dictionary<string, StepTokens> UsageByResponse(IEnumerable<JsonElement> metricsObjects)
    {
        var byResponse = new Dictionary<string, StepTokens>(StringComparer.Ordinal);
        foreach (var m in metricsObjects)
        {
            foreach (var usage in m.Items("token_usages"))
            {
                if (OpenHandsJson.NonEmpty(usage.Str("response_id")) is not { } id) continue;
                byResponse[id] = new StepTokens { Prompt = usage.Long("prompt_tokens"), Completion = usage.Long("completion_tokens") };
            }
        }
        return byResponse;
    }

    internal static void AddReaderWarnings(Run run, int orphans, Dictionary<string, int>? unknownKinds, string path, int? line)
    {
        var location = line is { } n ? $"line {n}" : null;
        if (orphans > 0)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "observation-without-action",
                Message = $"{orphans} observation(s) answer an action that is not in the history (the history may be cut)",
                File = path,
                Location = location,
            });
        }
        if (unknownKinds is { Count: > 0 })
        {
            var kinds = string.Join(", ", unknownKinds.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k.Key} x{k.Value}")));
            run.Warnings.Add(new ImportWarning
            {
                Code = "unknown-event-kind",
                Message = "skipped events of a kind this reader does not know: " + kinds,
                File = path,
                Location = location,
            });
        }
    }

    private static Provenance Where(string path, int? line, string prefix, int index) =>
        new() { File = path, LineStart = line, LineEnd = line, JsonPointer = prefix + index.ToString(CultureInfo.InvariantCulture) };

    private static Provenance Where(string path, int? line, string prefix, int index, int member) =>
        new()
        {
            File = path,
            LineStart = line,
            LineEnd = line,
            JsonPointer = string.Create(CultureInfo.InvariantCulture, $"{prefix}{index}/{member}"),
        };
}
