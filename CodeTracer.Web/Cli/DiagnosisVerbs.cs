using System.CommandLine;
using System.Globalization;
using System.Text;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Export;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Cli;

/// <summary>The diagnosis verbs: <c>diagnose</c>, <c>eval</c>, <c>export</c>.</summary>
internal static class DiagnosisVerbs
{
    public static IEnumerable<Command> Create() => [CreateDiagnose(), CreateEval(), CreateExport()];

    // ------------------------------------------------------------------ diagnose

    private static Command CreateDiagnose()
    {
        var targets = CodeTracerCli.PathsArgument("Stored run ids, or trajectory files or folders to read on the fly");
        var llm = new Option<bool>("--llm") { Description = "Ask the configured LLM (tree-indexed: an index first, then the steps it opens)" };
        var direct = new Option<bool>("--direct") { Description = "Ask the configured LLM with the whole run in one prompt (the baseline)" };
        var json = new Option<bool>("--json") { Description = "Print the diagnoses as JSON" };
        var showPrompt = new Option<bool>("--show-prompt")
        {
            Description = "Print the first request --llm (or --direct) would send, with its o200k token count, and send nothing",
        };
        var command = new Command("diagnose", "Find where each run first went wrong (heuristic by default; --llm or --direct asks an LLM). Stored runs keep the diagnosis.")
        {
            targets, llm, direct, json, showPrompt,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ImportVerb.TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 2;
            await using var disposeServices = services.ConfigureAwait(false);
            if (!ValidateOptions(services)) return 2;
            var useLlm = parseResult.GetValue(llm) || parseResult.GetValue(direct);
            var mode = parseResult.GetValue(direct) ? LlmDiagnosisMode.Direct : LlmDiagnosisMode.TreeIndexed;
            if (parseResult.GetValue(showPrompt))
            {
                return await ShowPromptsAsync(services, parseResult.GetValue(targets)!, mode, cancellationToken).ConfigureAwait(false);
            }
            var llmService = services.GetRequiredService<LlmDiagnosisService>();
            if (useLlm && !llmService.IsConfigured)
            {
                await Console.Error.WriteLineAsync(
                    "error: --llm and --direct need an LLM: set Diagnosis:Endpoint (a base URL ending in /v1/) and Diagnosis:Model, "
                    + "and Diagnosis:ApiKey when the endpoint needs one (environment: Diagnosis__Endpoint, Diagnosis__Model, Diagnosis__ApiKey).").ConfigureAwait(false);
                return 2;
            }

            try
            {
                var store = ExistingStore(services);
                var (runs, failed) = await ResolveRunsAsync(services, parseResult.GetValue(targets)!, cancellationToken).ConfigureAwait(false);
                var heuristic = services.GetRequiredService<HeuristicLocalizer>();
                var entries = new List<DiagnoseJsonEntry>();
                foreach (var run in runs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    RunDiagnosis? diagnosis;
                    string? error = null;
                    var keep = true;
                    if (useLlm)
                    {
                        await Console.Error.WriteLineAsync($"{run.Id}: {(mode == LlmDiagnosisMode.Direct ? "direct" : "tree-indexed")} diagnosis with {llmService.Model}").ConfigureAwait(false);
                        var result = await llmService.DiagnoseAsync(run, mode, new ConsoleProgress(), cancellationToken).ConfigureAwait(false);
                        diagnosis = result.Diagnosis;
                        if (result.Status == LlmDiagnosisStatus.NothingToRead)
                        {
                            // Not a failure of the command: the heuristic's diagnosis says why there is no onset.
                            await Console.Error.WriteLineAsync($"{run.Id}: {result.Message}; the heuristic's diagnosis is shown").ConfigureAwait(false);
                            diagnosis = heuristic.Diagnose(run);
                            keep = false;
                        }
                        else if (!result.Succeeded)
                        {
                            error = result.Message;
                            failed = true;
                            await Console.Error.WriteLineAsync($"error: {run.Id}: {result.Message}").ConfigureAwait(false);
                        }
                    }
                    else
                    {
                        diagnosis = heuristic.Diagnose(run);
                    }
                    if (keep && diagnosis is not null && await DiagnosisIds.SaveIfStoredAsync(store, diagnosis, cancellationToken).ConfigureAwait(false))
                    {
                        await Console.Error.WriteLineAsync($"{run.Id}: diagnosis {diagnosis.Id} saved").ConfigureAwait(false);
                    }
                    entries.Add(new DiagnoseJsonEntry(run, diagnosis, error));
                }

                if (parseResult.GetValue(json))
                {
                    // Through Console.Out (not the raw stream) so a host that redirects the console gets the output.
                    using var buffer = new MemoryStream();
                    DiagnosisExport.WriteDiagnoseJson(buffer, entries);
                    await Console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
                }
                else
                {
                    foreach (var entry in entries) Console.Write(Describe(entry));
                }
                return failed ? 1 : 0;
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
                return 130;
            }
        });
        return command;
    }

    /// <summary>
    /// Prints, per run, the messages the first LLM request would carry (system prompt, then the user message) and their
    /// token count, so what would leave the machine can be read before anything is sent. Needs no endpoint.
    /// </summary>
    private static async Task<int> ShowPromptsAsync(ServiceProvider services, string[] targets, LlmDiagnosisMode mode, CancellationToken cancellationToken)
    {
        var (runs, failed) = await ResolveRunsAsync(services, targets, cancellationToken).ConfigureAwait(false);
        var builder = services.GetRequiredService<DiagnosisRequestPreview>();
        foreach (var run in runs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var preview = builder.FirstRequest(run, mode);
            var output = new StringBuilder();
            output.AppendLine(CultureInfo.InvariantCulture,
                $"### {run.Id}: first {(mode == LlmDiagnosisMode.Direct ? "direct" : "tree-indexed")} request, {preview.Tokens:N0} tokens (o200k: messages {preview.MessageTokens:N0}, tool definitions {preview.ToolTokens:N0}, response schema {preview.SchemaTokens:N0})");
            foreach (var (role, text) in preview.Messages)
            {
                output.AppendLine(CultureInfo.InvariantCulture, $"--- {role}");
                output.AppendLine(text.TrimEnd());
            }
            if (preview.ToolNames.Count > 0) output.AppendLine("--- tools: " + string.Join(", ", preview.ToolNames));
            await Console.Out.WriteAsync(output.ToString()).ConfigureAwait(false);
        }
        return failed ? 1 : 0;
    }

    /// <summary>A diagnosis for people: the onset, the chain with its reasons, the labels, the summary.</summary>
    internal static string Describe(DiagnoseJsonEntry entry)
    {
        var run = entry.Run;
        var builder = new StringBuilder();
        builder.AppendLine(CultureInfo.InvariantCulture, $"{run.Id}  {InspectJson.OutcomeName(run.Outcome.Status)}  {run.StepCount} steps  {run.Task.Title}");
        if (entry.Diagnosis is not { } d)
        {
            builder.AppendLine("  no diagnosis: " + entry.Error);
            return builder.ToString();
        }
        builder.Append(CultureInfo.InvariantCulture, $"  {d.Method}: ");
        builder.AppendLine(d.OnsetStep is { } onset
            ? $"onset step {onset}{(d.OnsetStage is { } stage ? $" (stage {stage})" : "")}{(d.Recovered ? ", recovered" : "")}, kind {d.ErrorKind ?? "-"}"
            : "no failure onset");
        foreach (var link in d.ErrorChain) builder.AppendLine(CultureInfo.InvariantCulture, $"    {link.Step,4} {link.Role,-11} {link.Why}");
        var incorrect = d.StageLabels.SelectMany(l => l.IncorrectStepIds).ToList();
        var unuseful = d.StageLabels.SelectMany(l => l.UnusefulStepIds).ToList();
        if (incorrect.Count + unuseful.Count > 0)
        {
            builder.AppendLine($"  incorrect: {(incorrect.Count == 0 ? "-" : string.Join(", ", incorrect))}   unuseful: {(unuseful.Count == 0 ? "-" : string.Join(", ", unuseful))}");
        }
        builder.AppendLine("  " + d.Summary);
        if (d.PromptTokens + d.CompletionTokens > 0)
        {
            builder.AppendLine(CultureInfo.InvariantCulture, $"  tokens: {d.PromptTokens:N0} prompt + {d.CompletionTokens:N0} completion, ${d.CostUsd:F4}");
        }
        return builder.ToString();
    }

    // ------------------------------------------------------------------ eval

    private static Command CreateEval()
    {
        var labels = new Option<string>("--labels") { Description = "CodeTraceBench manifest (JSONL: traj_id, incorrect_stages[].incorrect_step_ids, ...)", Required = true };
        var method = new Option<string>("--method") { Description = "heuristic (default) or llm", DefaultValueFactory = _ => "heuristic" };
        method.AcceptOnlyFromAmong("heuristic", "llm", "direct");
        var from = new Option<string[]>("--from") { Description = "Read the runs from these files or folders instead of the database", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "Print the scores as JSON" };
        var command = new Command("eval", "Score diagnoses against CodeTraceBench labels: per-run precision/recall/F1 on incorrect steps, macro averages, onset-stage hit rate, tokens")
        {
            labels, method, from, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ImportVerb.TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 2;
            await using var disposeServices = services.ConfigureAwait(false);
            if (!ValidateOptions(services)) return 2;
            var labelsPath = parseResult.GetValue(labels)!;
            if (!File.Exists(labelsPath))
            {
                await Console.Error.WriteLineAsync($"error: labels file not found: {labelsPath}").ConfigureAwait(false);
                return 1;
            }
            var methodName = parseResult.GetValue(method)!;
            var llmService = services.GetRequiredService<LlmDiagnosisService>();
            if (methodName != "heuristic" && !llmService.IsConfigured)
            {
                await Console.Error.WriteLineAsync("error: --method llm needs Diagnosis:Endpoint and Diagnosis:Model (environment: Diagnosis__Endpoint, Diagnosis__Model, Diagnosis__ApiKey).").ConfigureAwait(false);
                return 2;
            }

            try
            {
                var (gold, errors) = LabelManifest.Read(labelsPath);
                foreach (var error in errors) await Console.Error.WriteLineAsync("warning: " + error).ConfigureAwait(false);
                var candidates = await CandidateRunsAsync(services, parseResult.GetValue(from), cancellationToken).ConfigureAwait(false);
                if (candidates is null) return 1;

                var heuristic = services.GetRequiredService<HeuristicLocalizer>();
                var rows = new List<EvaluationRow>();
                var unmatched = new List<string>();
                foreach (var label in gold)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var run = await candidates.FindAsync(label.TrajId, cancellationToken).ConfigureAwait(false);
                    if (run is null)
                    {
                        unmatched.Add(label.TrajId);
                        continue;
                    }
                    RunDiagnosis diagnosis;
                    if (methodName == "heuristic")
                    {
                        diagnosis = heuristic.Diagnose(run);
                    }
                    else
                    {
                        var result = await llmService.DiagnoseAsync(run, methodName == "direct" ? LlmDiagnosisMode.Direct : LlmDiagnosisMode.TreeIndexed, null, cancellationToken).ConfigureAwait(false);
                        if (!result.Succeeded) await Console.Error.WriteLineAsync($"warning: {label.TrajId}: {result.Message} (scored as no prediction)").ConfigureAwait(false);
                        // A failed diagnosis predicts nothing but still spent tokens: both count, or the averages would flatter.
                        diagnosis = result.Diagnosis ?? new RunDiagnosis { RunId = run.Id, PromptTokens = result.PromptTokens, CompletionTokens = result.CompletionTokens };
                    }
                    rows.Add(EvaluationRow.Create(label, run.Id, diagnosis));
                }

                var summary = EvaluationSummary.Of(rows);
                if (parseResult.GetValue(json)) WriteEvalJson(rows, summary, unmatched, methodName);
                else WriteEvalText(rows, summary, unmatched, gold.Count, methodName);
                return rows.Count > 0 ? 0 : 1;
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
                return 130;
            }
        });
        return command;
    }

    private static void WriteEvalText(List<EvaluationRow> rows, EvaluationSummary summary, List<string> unmatched, int total, string method)
    {
        static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
        foreach (var row in rows)
        {
            var hit = row.OnsetStageHit switch { true => "hit", false => "miss", null => "-" };
            Console.WriteLine($"{row.TrajId}  run {row.RunId}  gold [{string.Join(",", row.Gold)}]  pred [{string.Join(",", row.Predicted)}]  "
                + $"P={F(row.Scores.Precision)} R={F(row.Scores.Recall)} F1={F(row.Scores.F1)}  onset-stage {hit}  tokens {row.Tokens.ToString(CultureInfo.InvariantCulture)}");
        }
        foreach (var id in unmatched) Console.Error.WriteLine($"unmatched: {id} (no run with this id, task id or source folder name)");
        Console.WriteLine($"method {method}: {rows.Count} of {total} labeled run(s) matched; macro P={F(summary.Precision)} R={F(summary.Recall)} F1={F(summary.F1)}; "
            + $"onset-stage hit rate {F(summary.OnsetStageHitRate)} over {summary.OnsetRuns} run(s) with a gold onset; "
            + $"mean tokens per run {summary.MeanTokens.ToString("0", CultureInfo.InvariantCulture)}");
    }

    private static void WriteEvalJson(List<EvaluationRow> rows, EvaluationSummary summary, List<string> unmatched, string method)
    {
        using var buffer = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, InspectJson.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("method", method);
            writer.WriteStartArray("runs");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writer.WriteString("trajId", row.TrajId);
                writer.WriteString("runId", row.RunId);
                writer.WriteStartArray("gold");
                foreach (var id in row.Gold) writer.WriteNumberValue(id);
                writer.WriteEndArray();
                writer.WriteStartArray("predicted");
                foreach (var id in row.Predicted) writer.WriteNumberValue(id);
                writer.WriteEndArray();
                writer.WriteNumber("precision", row.Scores.Precision);
                writer.WriteNumber("recall", row.Scores.Recall);
                writer.WriteNumber("f1", row.Scores.F1);
                if (row.OnsetStageHit is { } hit) writer.WriteBoolean("onsetStageHit", hit); else writer.WriteNull("onsetStageHit");
                writer.WriteNumber("tokens", row.Tokens);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartObject("macro");
            writer.WriteNumber("runs", summary.Runs);
            writer.WriteNumber("precision", summary.Precision);
            writer.WriteNumber("recall", summary.Recall);
            writer.WriteNumber("f1", summary.F1);
            writer.WriteNumber("onsetRuns", summary.OnsetRuns);
            writer.WriteNumber("onsetStageHitRate", summary.OnsetStageHitRate);
            writer.WriteNumber("meanTokens", summary.MeanTokens);
            writer.WriteEndObject();
            writer.WriteStartArray("unmatched");
            foreach (var id in unmatched) writer.WriteStringValue(id);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>Runs a manifest's traj_ids are matched against: parsed from paths, or the stored runs (by id, task id, source name).</summary>
    private sealed class CandidateRuns
    {
        private readonly Dictionary<string, string> _runIdByKey = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Run> _parsed = new(StringComparer.Ordinal);
        private readonly IRunStore? _store;

        public CandidateRuns(IRunStore? store) => _store = store;

        public void Add(string runId, string? taskId, string? sourcePath, Run? parsed)
        {
            foreach (var key in LabelManifest.MatchKeys(runId, taskId, sourcePath)) _runIdByKey.TryAdd(key, runId);
            if (parsed is not null) _parsed[runId] = parsed;
        }

        public async Task<Run?> FindAsync(string trajId, CancellationToken cancellationToken)
        {
            if (!_runIdByKey.TryGetValue(trajId, out var runId)) return null;
            if (_parsed.TryGetValue(runId, out var run)) return run;
            return _store is null ? null : await _store.GetRunAsync(runId, includeSteps: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<CandidateRuns?> CandidateRunsAsync(ServiceProvider services, string[]? from, CancellationToken cancellationToken)
    {
        if (from is { Length: > 0 })
        {
            var candidates = new CandidateRuns(null);
            var batch = services.GetRequiredService<RunImportService>().Parse(from, cancellationToken);
            foreach (var error in batch.Errors) await Console.Error.WriteLineAsync("warning: " + error).ConfigureAwait(false);
            foreach (var run in batch.Runs) candidates.Add(run.Id, run.Task.Id, run.Source.Path, run);
            return candidates;
        }

        var store = ExistingStore(services);
        if (store is null)
        {
            await Console.Error.WriteLineAsync("error: no run database is available; pass --from PATH to read the runs from files").ConfigureAwait(false);
            return null;
        }
        var stored = new CandidateRuns(store);
        const int Page = 500;
        for (var skip = 0; ; skip += Page)
        {
            var page = await store.QueryRunsAsync(new RunQuery { Skip = skip, Take = Page, SortBy = RunSortField.ImportedAt, Descending = false }, cancellationToken).ConfigureAwait(false);
            foreach (var summary in page.Items) stored.Add(summary.Id, summary.TaskId, summary.SourcePath, null);
            if (page.Items.Count < Page) break;
        }
        return stored;
    }

    // ------------------------------------------------------------------ export

    private static Command CreateExport()
    {
        var target = new Argument<string>("run") { Description = "A stored run id, or a trajectory file or folder holding one run" };
        var format = new Option<string>("--format") { Description = "replay, json, tracebench or detailed", Required = true };
        format.AcceptOnlyFromAmong("replay", "json", "tracebench", "detailed");
        var output = new Option<string?>("--out") { Description = "Write to this file (replay also writes <name>.messages.json beside it)" };
        var messages = new Option<bool>("--messages") { Description = "replay: print the chat messages (JSON) instead of the Markdown brief" };
        var command = new Command("export", "Export a run or its newest diagnosis: replay brief, normalized JSON, or CodeTracer label profiles")
        {
            target, format, output, messages,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await ImportVerb.TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 2;
            await using var disposeServices = services.ConfigureAwait(false);
            if (!ValidateOptions(services)) return 2;
            try
            {
                var (runs, failed) = await ResolveRunsAsync(services, [parseResult.GetValue(target)!], cancellationToken).ConfigureAwait(false);
                if (failed || runs.Count == 0) return 1;
                if (runs.Count > 1)
                {
                    await Console.Error.WriteLineAsync($"error: {parseResult.GetValue(target)} holds {runs.Count} runs ({string.Join(", ", runs.Take(5).Select(r => r.Id))}{(runs.Count > 5 ? ", ..." : "")}); import it and export one run by id").ConfigureAwait(false);
                    return 1;
                }
                var run = runs[0];
                var kind = parseResult.GetValue(format)!;
                var outPath = parseResult.GetValue(output);
                if (kind == "json")
                {
                    await WriteOutputAsync(outPath, stream => DiagnosisExport.WriteRun(stream, run)).ConfigureAwait(false);
                    return 0;
                }

                var diagnosis = await NewestDiagnosisAsync(services, run, cancellationToken).ConfigureAwait(false);
                switch (kind)
                {
                    case "tracebench":
                        await WriteOutputAsync(outPath, stream => DiagnosisExport.WriteTracebench(stream, diagnosis)).ConfigureAwait(false);
                        return 0;
                    case "detailed":
                        await WriteOutputAsync(outPath, stream => DiagnosisExport.WriteDetailed(stream, diagnosis)).ConfigureAwait(false);
                        return 0;
                }

                var (brief, error) = ReplayBrief.Create(run, diagnosis);
                if (brief is null)
                {
                    await Console.Error.WriteLineAsync($"error: {run.Id}: {error}").ConfigureAwait(false);
                    return 1;
                }
                if (outPath is not null)
                {
                    var messagesPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, Path.GetFileNameWithoutExtension(outPath) + ".messages.json");
                    await File.WriteAllTextAsync(outPath, brief.Markdown, cancellationToken).ConfigureAwait(false);
                    await WriteOutputAsync(messagesPath, brief.WriteJson).ConfigureAwait(false);
                    await Console.Error.WriteLineAsync($"wrote {outPath} and {messagesPath}").ConfigureAwait(false);
                }
                else if (parseResult.GetValue(messages))
                {
                    await WriteOutputAsync(null, brief.WriteJson).ConfigureAwait(false);
                }
                else
                {
                    Console.Write(brief.Markdown);
                }
                return 0;
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("cancelled").ConfigureAwait(false);
                return 130;
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot write: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static async Task<RunDiagnosis> NewestDiagnosisAsync(ServiceProvider services, Run run, CancellationToken cancellationToken)
    {
        if (ExistingStore(services) is { } store)
        {
            var stored = await store.GetDiagnosesAsync(run.Id, cancellationToken).ConfigureAwait(false);
            if (stored.Count > 0) return stored[0];
        }
        await Console.Error.WriteLineAsync($"{run.Id}: no stored diagnosis; using the heuristic's").ConfigureAwait(false);
        return services.GetRequiredService<HeuristicLocalizer>().Diagnose(run);
    }

    private static async Task WriteOutputAsync(string? path, Action<Stream> write)
    {
        if (path is null)
        {
            using var buffer = new MemoryStream();
            write(buffer);
            await Console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
            return;
        }
        await using var file = File.Create(path);
        write(file);
    }

    // ------------------------------------------------------------------ shared

    /// <summary>
    /// Each target is a path (read on the fly, every run in it) or a stored run id. Problems go to stderr; the flag
    /// says whether any target failed.
    /// </summary>
    private static async Task<(List<Run> Runs, bool Failed)> ResolveRunsAsync(ServiceProvider services, IEnumerable<string> targets, CancellationToken cancellationToken)
    {
        var runs = new List<Run>();
        var failed = false;
        var store = ExistingStore(services);
        foreach (var target in targets)
        {
            if (File.Exists(target) || Directory.Exists(target))
            {
                var batch = services.GetRequiredService<RunImportService>().Parse([target], cancellationToken);
                foreach (var error in batch.Errors) await Console.Error.WriteLineAsync("error: " + error).ConfigureAwait(false);
                failed |= batch.Errors.Count > 0;
                if (batch.Runs.Count == 0 && batch.Errors.Count == 0)
                {
                    await Console.Error.WriteLineAsync($"error: {target}: no runs found").ConfigureAwait(false);
                    failed = true;
                }
                foreach (var run in batch.Runs)
                {
                    // A run read from a path may already be stored: prefer the stored copy so its diagnosis is kept.
                    runs.Add(store is not null && await store.GetRunAsync(run.Id, includeSteps: true, cancellationToken).ConfigureAwait(false) is { } stored ? stored : run);
                }
                continue;
            }

            var found = store is null ? null : await store.GetRunAsync(target, includeSteps: true, cancellationToken).ConfigureAwait(false);
            if (found is null)
            {
                await Console.Error.WriteLineAsync(store is null
                    ? $"error: {target}: no such file or folder (and no run database to look it up as a run id)"
                    : $"error: {target}: no such file or folder, and no stored run with this id").ConfigureAwait(false);
                failed = true;
                continue;
            }
            runs.Add(found);
        }
        return (runs, failed);
    }

    /// <summary>
    /// The run database when its file exists. Reading a trajectory from a path must not create a database as a side
    /// effect, so without one every run is "not stored" and run ids cannot be looked up.
    /// </summary>
    private static IRunStore? ExistingStore(ServiceProvider services)
    {
        var path = services.GetRequiredService<IOptions<StorageOptions>>().Value.DatabasePath;
        return File.Exists(Path.GetFullPath(path)) ? services.GetService<IRunStore>() : null;
    }

    private static bool ValidateOptions(ServiceProvider services)
    {
        try
        {
            _ = services.GetRequiredService<IOptions<DiagnosisOptions>>().Value;
            return true;
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures) Console.Error.WriteLine("error: " + failure);
            return false;
        }
    }

    /// <summary>Prints LLM progress to stderr as it happens (stdout stays clean for --json).</summary>
    private sealed class ConsoleProgress : IProgress<DiagnosisProgress>
    {
        public void Report(DiagnosisProgress value)
        {
            if (value.Kind is DiagnosisProgressKind.RequestSent) return;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {value.Message}  [{value.FunctionCalls} call(s), {value.PromptTokens + value.CompletionTokens:N0} tokens, ${value.CostUsd:F4}]"));
        }
    }
}
