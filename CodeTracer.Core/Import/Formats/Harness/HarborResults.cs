using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>What a Harbor trial's <c>result.json</c> says about the trial.</summary>
internal sealed class HarborTrialResult
{
    public string? TaskName { get; private init; }
    public string? TrialName { get; private init; }

    /// <summary><c>verifier_result.rewards.reward</c> (or the only reward when it has another name).</summary>
    public double? Reward { get; private init; }
    public string? RewardKey { get; private init; }
    public string? ExceptionType { get; private init; }
    public string? ExceptionMessage { get; private init; }
    public string? AgentName { get; private init; }
    public string? AgentVersion { get; private init; }

    /// <summary>The model the job configured (<c>config.agent.model_name</c>) or the agent reported (<c>agent_info.model_info</c>).</summary>
    public string? Model { get; private init; }
    public long? InputTokens { get; private init; }
    public long? CacheTokens { get; private init; }
    public long? OutputTokens { get; private init; }
    public double? CostUsd { get; private init; }
    public DateTime? StartedAt { get; private init; }
    public DateTime? FinishedAt { get; private init; }

    /// <summary>True when the object looks like a Harbor trial result.</summary>
    public static bool Looks(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && (element.TryGetProperty("verifier_result", out _) || element.TryGetProperty("agent_info", out _) || element.TryGetProperty("exception_info", out _));

    public static HarborTrialResult From(JsonElement root)
    {
        double? reward = null;
        string? rewardKey = null;
        if (root.Prop("verifier_result")?.Prop("rewards") is { ValueKind: JsonValueKind.Object } rewards)
        {
            if (rewards.Double("reward") is { } r)
            {
                reward = r;
                rewardKey = "reward";
            }
            else
            {
                foreach (var property in rewards.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var value))
                    {
                        reward = value;
                        rewardKey = property.Name;
                        break;
                    }
                }
            }
        }

        var modelInfo = root.Prop("agent_info")?.Prop("model_info");
        var modelFromInfo = modelInfo is { ValueKind: JsonValueKind.Object } info
            ? Join(info.Str("provider"), info.Str("name"))
            : modelInfo is { ValueKind: JsonValueKind.String } text ? text.GetString() : null;

        // The agent's own execution window is what the trajectory covers; the trial window includes setup and tests.
        var execution = root.Prop("agent_execution");
        return new HarborTrialResult
        {
            TaskName = root.Str("task_name"),
            TrialName = root.Str("trial_name"),
            Reward = reward,
            RewardKey = rewardKey,
            ExceptionType = root.Prop("exception_info")?.Str("exception_type"),
            ExceptionMessage = root.Prop("exception_info")?.Str("exception_message"),
            AgentName = root.Prop("agent_info")?.Str("name"),
            AgentVersion = root.Prop("agent_info")?.Str("version"),
            Model = root.Prop("config")?.Prop("agent")?.Str("model_name") ?? modelFromInfo,
            InputTokens = root.Prop("agent_result")?.Long("n_input_tokens"),
            CacheTokens = root.Prop("agent_result")?.Long("n_cache_tokens"),
            OutputTokens = root.Prop("agent_result")?.Long("n_output_tokens"),
            CostUsd = root.Prop("agent_result")?.Double("cost_usd"),
            StartedAt = HarnessFiles.ParseTimestamp(execution?.Str("started_at") ?? root.Str("started_at")),
            FinishedAt = HarnessFiles.ParseTimestamp(execution?.Str("finished_at") ?? root.Str("finished_at")),
        };
    }

    private static string? Join(string? provider, string? name) =>
        string.IsNullOrEmpty(name) ? null
        : string.IsNullOrEmpty(provider) || name.Contains('/', StringComparison.Ordinal) ? name
        : provider + "/" + name;

    /// <summary>Reward 1 (or more) is resolved, anything lower unresolved: Terminal-Bench 2.0 verifiers give 0 or 1.</summary>
    public static OutcomeStatus StatusOf(double reward) => reward >= 1.0 ? OutcomeStatus.Resolved : OutcomeStatus.Unresolved;

    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>
/// Harbor's verifier output: <c>verifier/reward.txt</c> (<c>1</c> / <c>0</c>) or <c>reward.json</c>, and the CTRF
/// test report <c>verifier/ctrf.json</c>.
/// </summary>
internal static class HarborVerifierFiles
{
    /// <summary>Reads the reward the verifier wrote, with the file it came from; null when there is none.</summary>
    public static (double Reward, string File)? ReadReward(string trialDirectory, ImportContext context, List<ImportWarning> warnings)
    {
        var text = Path.Combine(trialDirectory, "verifier", "reward.txt");
        if (HarnessFiles.TryReadText(text, context, warnings) is { } content)
        {
            var trimmed = content.Trim();
            if (double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var reward)) return (reward, text);
            warnings.Add(new ImportWarning
            {
                Code = "reward-unreadable",
                Message = $"reward.txt should hold a number, it holds \"{Shorten(trimmed)}\"",
                File = text,
            });
        }

        var json = Path.Combine(trialDirectory, "verifier", "reward.json");
        using var document = HarnessFiles.TryParseJson(json, context, warnings);
        if (document is not null)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Number && root.TryGetDouble(out var bare)) return (bare, json);
            if (root.Double("reward") is { } reward) return (reward, json);
            warnings.Add(new ImportWarning { Code = "reward-unreadable", Message = "reward.json has no numeric \"reward\"", File = json });
        }
        return null;
    }

    /// <summary>Reads the CTRF report's per-test statuses into the outcome, with one line of evidence.</summary>
    public static void ApplyTestReport(Run run, string trialDirectory, ImportContext context, List<ImportWarning> warnings)
    {
        var path = Path.Combine(trialDirectory, "verifier", "ctrf.json");
        using var document = HarnessFiles.TryParseJson(path, context, warnings);
        if (document?.RootElement.Prop("results") is not { } results) return;
        var passed = 0;
        var failed = 0;
        foreach (var test in results.Items("tests"))
        {
            var name = test.Str("name");
            var status = test.Str("status");
            if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(status)) continue;
            run.Outcome.TestResults[name] = status;
            if (string.Equals(status, "passed", StringComparison.OrdinalIgnoreCase)) passed++;
            else if (string.Equals(status, "failed", StringComparison.OrdinalIgnoreCase)) failed++;
        }
        if (results.Prop("summary") is { } summary && summary.Long("tests") is { } total)
        {
            run.Outcome.Evidence.Add(new OutcomeEvidence
            {
                File = path,
                Detail = $"ctrf.json: {total} tests, {summary.Long("passed") ?? passed} passed, {summary.Long("failed") ?? failed} failed",
            });
        }
        else if (passed + failed > 0)
        {
            run.Outcome.Evidence.Add(new OutcomeEvidence { File = path, Detail = $"ctrf.json: {passed} passed, {failed} failed" });
        }
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";
}
