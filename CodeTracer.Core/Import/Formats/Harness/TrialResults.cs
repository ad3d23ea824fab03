using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>
/// Joins what Terminal-Bench and Harbor write around a trial folder to the run read from it: the verdict and its
/// evidence, failure mode, per-test results, task, model, tokens and times. The trajectory itself never holds the
/// verdict, so every importer of trial folders calls this.
/// </summary>
internal static class TrialResults
{
    /// <summary>How many folders above a trial a Terminal-Bench run keeps its <c>results.json</c> and <c>run_metadata.json</c>.</summary>
    private const int RunLevelSearchDepth = 2;

    public static void Apply(Run run, string trialDirectory, ImportContext context)
    {
        var trialName = Path.GetFileName(trialDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (!ApplyTerminalBenchTrial(run, trialDirectory, context))
        {
            ApplyTerminalBenchRunLevel(run, trialDirectory, trialName, context);
        }
        ApplyHarbor(run, trialDirectory, context);
        ApplyRunMetadataModel(run, trialDirectory, context);
    }

    private static bool ApplyTerminalBenchTrial(Run run, string trialDirectory, ImportContext context)
    {
        var path = Path.Combine(trialDirectory, "results.json");
        using var document = HarnessFiles.TryParseJson(path, context, run.Warnings);
        if (document is null || !TerminalBenchTrialResult.Looks(document.RootElement)) return false;
        TerminalBenchTrialResult.From(document.RootElement).ApplyTo(run, path, where: "");
        return true;
    }

    private static void ApplyTerminalBenchRunLevel(Run run, string trialDirectory, string trialName, ImportContext context)
    {
        foreach (var folder in Ancestors(trialDirectory, RunLevelSearchDepth))
        {
            var results = TerminalBenchRunResults.Load(Path.Combine(folder, "results.json"), context);
            if (results is null) continue;
            if (results.Error is { } error)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "run-results-unreadable",
                    Message = "the run-level results file could not be read, so it gives no verdict: " + error.Reason,
                    File = error.File,
                    Location = error.Location,
                });
                continue;
            }
            if (results.TryGet(trialName, out var index, out var trial))
            {
                trial.ApplyTo(run, results.Path, where: $"results[{index}] ({trialName}): ");
                return;
            }
        }
    }

    private static void ApplyHarbor(Run run, string trialDirectory, ImportContext context)
    {
        var resultPath = Path.Combine(trialDirectory, "result.json");
        HarborTrialResult? result = null;
        using (var document = HarnessFiles.TryParseJson(resultPath, context, run.Warnings))
        {
            if (document is not null && HarborTrialResult.Looks(document.RootElement)) result = HarborTrialResult.From(document.RootElement);
        }

        var outcome = run.Outcome;
        if (result is not null)
        {
            if (result.Reward is { } reward)
            {
                outcome.Status = HarborTrialResult.StatusOf(reward);
                outcome.Reward = reward;
                outcome.Evidence.Add(new OutcomeEvidence { File = resultPath, Detail = $"verifier_result.rewards.{result.RewardKey}: {HarborTrialResult.Format(reward)}" });
            }
            if (!string.IsNullOrEmpty(result.ExceptionType))
            {
                outcome.FailureMode = result.ExceptionType;
                var message = string.IsNullOrWhiteSpace(result.ExceptionMessage) ? "" : $" ({FirstLine(result.ExceptionMessage)})";
                outcome.Evidence.Add(new OutcomeEvidence { File = resultPath, Detail = $"exception_info.exception_type: {result.ExceptionType}{message}" });
            }
            if (string.IsNullOrEmpty(run.Task.Id) && !string.IsNullOrEmpty(result.TaskName)) run.Task.Id = result.TaskName;
            if (string.IsNullOrEmpty(run.Model) && !string.IsNullOrEmpty(result.Model)) run.Model = result.Model;

            var metrics = run.Metrics;
            if (metrics.PromptTokens is null && result.InputTokens > 0) metrics.PromptTokens = result.InputTokens;
            if (metrics.CachedTokens is null && result.CacheTokens > 0) metrics.CachedTokens = result.CacheTokens;
            if (metrics.CompletionTokens is null && result.OutputTokens > 0) metrics.CompletionTokens = result.OutputTokens;
            if (metrics.CostUsd is null && result.CostUsd > 0) metrics.CostUsd = result.CostUsd;
            metrics.StartedAtUtc ??= result.StartedAt;
            metrics.EndedAtUtc ??= result.FinishedAt;
        }

        if (HarborVerifierFiles.ReadReward(trialDirectory, context, run.Warnings) is { } found)
        {
            var (fileReward, rewardFile) = found;
            var fileStatus = HarborTrialResult.StatusOf(fileReward);
            if (outcome.Reward is { } known && HarborTrialResult.StatusOf(known) != fileStatus)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "outcome-conflict",
                    Message = $"{Path.GetFileName(rewardFile)} says {HarborTrialResult.Format(fileReward)} but result.json says {HarborTrialResult.Format(known)}; result.json is kept",
                    File = rewardFile,
                });
            }
            else if (outcome.Reward is null)
            {
                outcome.Status = fileStatus;
                outcome.Reward = fileReward;
            }
            outcome.Evidence.Add(new OutcomeEvidence { File = rewardFile, Detail = $"{Path.GetFileName(rewardFile)}: {HarborTrialResult.Format(fileReward)}" });
        }

        HarborVerifierFiles.ApplyTestReport(run, trialDirectory, context, run.Warnings);

        var exceptionPath = Path.Combine(trialDirectory, "exception.txt");
        if (HarnessFiles.TryReadText(exceptionPath, context, run.Warnings) is { } exception)
        {
            var last = LastLine(exception);
            if (last.Length > 0)
            {
                outcome.Evidence.Add(new OutcomeEvidence { File = exceptionPath, Detail = "exception.txt: " + Shorten(last, 200) });
                outcome.FailureMode ??= ExceptionTypeOf(last);
            }
        }
    }

    private static void ApplyRunMetadataModel(Run run, string trialDirectory, ImportContext context)
    {
        if (!string.IsNullOrEmpty(run.Model)) return;
        foreach (var folder in Ancestors(trialDirectory, RunLevelSearchDepth))
        {
            var path = Path.Combine(folder, "run_metadata.json");
            var model = context.GetOrAdd("terminal-bench-run-metadata:" + path, () =>
            {
                if (!File.Exists(path)) return (string?)null;
                try
                {
                    using var document = JsonInput.ParseFile(path, context);
                    return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Str("model_name") : null;
                }
                catch (ImportException)
                {
                    return null;
                }
            });
            if (string.IsNullOrEmpty(model)) continue;
            run.Model = model;
            run.Warnings.Add(new ImportWarning
            {
                Code = "model-from-run-metadata",
                Message = $"the model name \"{model}\" comes from run_metadata.json, where Terminal-Bench records the endpoint it called; it may be a proxy id rather than the model's name",
                File = path,
            });
            return;
        }
    }

    private static IEnumerable<string> Ancestors(string directory, int levels)
    {
        var current = Directory.GetParent(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        for (var i = 0; i < levels && current is not null; i++, current = current.Parent)
        {
            yield return current.FullName;
        }
    }

    /// <summary><c>harbor.agents...AgentTimeoutError: Agent execution timed out</c> gives <c>AgentTimeoutError</c>.</summary>
    private static string? ExceptionTypeOf(string line)
    {
        var colon = line.IndexOf(':');
        if (colon <= 0) return null;
        var qualified = line[..colon].Trim();
        if (qualified.Contains(' ', StringComparison.Ordinal)) return null;
        var dot = qualified.LastIndexOf('.');
        return dot >= 0 ? qualified[(dot + 1)..] : qualified;
    }

    private static string LastLine(string text)
    {
        var span = text.AsSpan().TrimEnd();
        var newline = span.LastIndexOf('\n');
        return (newline >= 0 ? span[(newline + 1)..] : span).Trim().ToString();
    }

    private static string FirstLine(string text)
    {
        var span = text.AsSpan().Trim();
        var newline = span.IndexOf('\n');
        return Shorten((newline >= 0 ? span[..newline] : span).TrimEnd().ToString(), 200);
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..max] + "...";
}
