using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>
/// One Terminal-Bench trial verdict: a trial's own <c>results.json</c>, or one entry of a run-level
/// <c>results.json</c> (<c>{"results": [...]}</c>), which holds the same object per trial.
/// </summary>
internal sealed class TerminalBenchTrialResult
{
    public string? TrialName { get; private init; }
    public string? TaskId { get; private init; }
    public string? Instruction { get; private init; }

    /// <summary>True when the object has an <c>is_resolved</c> key at all (its value may still be null).</summary>
    public bool HasVerdict { get; private init; }
    public bool? IsResolved { get; private init; }
    public string? FailureMode { get; private init; }
    public Dictionary<string, string> ParserResults { get; } = new(StringComparer.Ordinal);
    public DateTime? TrialStarted { get; private init; }
    public DateTime? TrialEnded { get; private init; }
    public DateTime? AgentStarted { get; private init; }
    public DateTime? AgentEnded { get; private init; }
    public long? InputTokens { get; private init; }
    public long? OutputTokens { get; private init; }

    /// <summary>True when the object looks like a Terminal-Bench trial result at all.</summary>
    public static bool Looks(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && (element.TryGetProperty("is_resolved", out _) || (element.TryGetProperty("trial_name", out _) && element.TryGetProperty("task_id", out _)));

    public static TerminalBenchTrialResult From(JsonElement element)
    {
        var result = new TerminalBenchTrialResult
        {
            TrialName = element.Str("trial_name"),
            TaskId = element.Str("task_id"),
            Instruction = element.Str("instruction"),
            HasVerdict = element.ValueKind == JsonValueKind.Object && element.TryGetProperty("is_resolved", out _),
            IsResolved = element.Bool("is_resolved"),
            FailureMode = element.Str("failure_mode"),
            TrialStarted = HarnessFiles.ParseTimestamp(element.Str("trial_started_at")),
            TrialEnded = HarnessFiles.ParseTimestamp(element.Str("trial_ended_at")),
            AgentStarted = HarnessFiles.ParseTimestamp(element.Str("agent_started_at")),
            AgentEnded = HarnessFiles.ParseTimestamp(element.Str("agent_ended_at")),
            InputTokens = element.Long("total_input_tokens"),
            OutputTokens = element.Long("total_output_tokens"),
        };
        if (element.Prop("parser_results") is { ValueKind: JsonValueKind.Object } parsers)
        {
            foreach (var test in parsers.EnumerateObject())
            {
                result.ParserResults[test.Name] = test.Value.ValueKind == JsonValueKind.String ? test.Value.GetString() ?? "" : test.Value.GetRawText();
            }
        }
        return result;
    }

    /// <summary>
    /// Writes the verdict into the run: status (null <c>is_resolved</c> stays unknown), failure mode, test results,
    /// task, timestamps and tokens (installed agents report 0 tokens, which means "not counted").
    /// </summary>
    public void ApplyTo(Run run, string file, string where)
    {
        var outcome = run.Outcome;
        if (HasVerdict)
        {
            outcome.Status = IsResolved switch
            {
                true => OutcomeStatus.Resolved,
                false => OutcomeStatus.Unresolved,
                null => OutcomeStatus.Unknown,
            };
            var verdict = IsResolved switch { true => "true", false => "false", null => "null" };
            outcome.Evidence.Add(new OutcomeEvidence { File = file, Detail = $"{where}is_resolved: {verdict}" });
        }
        if (!string.IsNullOrEmpty(FailureMode) && !string.Equals(FailureMode, "unset", StringComparison.OrdinalIgnoreCase))
        {
            outcome.FailureMode = FailureMode;
            outcome.Evidence.Add(new OutcomeEvidence { File = file, Detail = $"{where}failure_mode: {FailureMode}" });
        }
        if (ParserResults.Count > 0)
        {
            foreach (var (test, status) in ParserResults) outcome.TestResults[test] = status;
            var passed = ParserResults.Values.Count(v => string.Equals(v, "passed", StringComparison.OrdinalIgnoreCase));
            outcome.Evidence.Add(new OutcomeEvidence { File = file, Detail = $"{where}parser_results: {passed} passed, {ParserResults.Count - passed} not passed" });
        }

        if (string.IsNullOrEmpty(run.Task.Id) && !string.IsNullOrEmpty(TaskId)) run.Task.Id = TaskId;
        if (string.IsNullOrWhiteSpace(run.Task.Text) && !string.IsNullOrWhiteSpace(Instruction)) run.Task.Text = Instruction;

        var metrics = run.Metrics;
        metrics.StartedAtUtc ??= AgentStarted ?? TrialStarted;
        metrics.EndedAtUtc ??= AgentEnded ?? TrialEnded;
        if (metrics.PromptTokens is null && InputTokens > 0) metrics.PromptTokens = InputTokens;
        if (metrics.CompletionTokens is null && OutputTokens > 0) metrics.CompletionTokens = OutputTokens;
    }
}

/// <summary>A Terminal-Bench run-level <c>results.json</c>: every trial's result, by trial name.</summary>
internal sealed class TerminalBenchRunResults
{
    private readonly Dictionary<string, (int Index, TerminalBenchTrialResult Result)> _byTrial = new(StringComparer.Ordinal);

    private TerminalBenchRunResults(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Set when the file exists but could not be read; the trials it would have judged say so in a warning.</summary>
    public ImportError? Error { get; private init; }

    public bool TryGet(string trialName, out int index, out TerminalBenchTrialResult result)
    {
        if (_byTrial.TryGetValue(trialName, out var entry))
        {
            index = entry.Index;
            result = entry.Result;
            return true;
        }
        index = -1;
        result = null!;
        return false;
    }

    /// <summary>
    /// Reads (once per import) the run-level results file at <paramref name="path"/>; null when there is none or
    /// it is not a Terminal-Bench aggregate (a SWE-bench <c>results.json</c> has no <c>results</c> list of trials).
    /// A file that is not valid JSON comes back with <see cref="Error"/> set.
    /// </summary>
    public static TerminalBenchRunResults? Load(string path, ImportContext context) =>
        context.GetOrAdd("terminal-bench-run-results:" + path, () =>
        {
            if (!File.Exists(path)) return null;
            try
            {
                using var document = JsonInput.ParseFile(path, context);
                if (document.RootElement.Prop("results") is not { ValueKind: JsonValueKind.Array } results) return null;
                var run = new TerminalBenchRunResults(path);
                var index = 0;
                foreach (var item in results.EnumerateArray())
                {
                    if (TerminalBenchTrialResult.Looks(item))
                    {
                        var trial = TerminalBenchTrialResult.From(item);
                        if (!string.IsNullOrEmpty(trial.TrialName)) run._byTrial.TryAdd(trial.TrialName, (index, trial));
                    }
                    index++;
                }
                return run._byTrial.Count > 0 ? run : null;
            }
            catch (ImportException ex)
            {
                return new TerminalBenchRunResults(path) { Error = ex.Error };
            }
        });
}
