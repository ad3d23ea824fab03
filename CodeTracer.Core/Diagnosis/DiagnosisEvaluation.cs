using System.Text.Json;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Diagnosis;

/// <summary>One trajectory's gold labels from a CodeTraceBench manifest line.</summary>
public sealed class GoldLabels
{
    public required string TrajId { get; init; }

    /// <summary>1-based line of the manifest, for messages.</summary>
    public int Line { get; init; }

    public string? TaskName { get; init; }

    /// <summary>Union over <c>incorrect_stages[].incorrect_step_ids</c>.</summary>
    public required IReadOnlySet<int> Incorrect { get; init; }

    public required IReadOnlySet<int> Unuseful { get; init; }

    /// <summary>The manifest's stage ranges (<c>stages[]</c>, else the stages named in <c>incorrect_stages</c> with their steps).</summary>
    public required IReadOnlyList<Stage> Stages { get; init; }

    /// <summary>The earliest gold incorrect step, the reference for onset-stage hits.</summary>
    public int? OnsetStep => Incorrect.Count == 0 ? null : Incorrect.Min();

    public int? StageOf(int step) => Stages.FirstOrDefault(s => s.Contains(step))?.Id;
}

/// <summary>Reads CodeTraceBench manifest JSONL (<c>bench_manifest.*.jsonl</c>): one trajectory per line.</summary>
public static class LabelManifest
{
    /// <summary>The labels of every readable line, and one error per unreadable line (file, line, why). Never throws for bad content.</summary>
    public static (List<GoldLabels> Labels, List<string> Errors) Read(string path)
    {
        var labels = new List<GoldLabels>();
        var errors = new List<string>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"{path}: line {number}: expected a JSON object, found {root.ValueKind}");
                    continue;
                }
                var trajId = root.Str("traj_id");
                if (string.IsNullOrWhiteSpace(trajId))
                {
                    errors.Add($"{path}: line {number}: no traj_id");
                    continue;
                }
                var incorrect = new SortedSet<int>();
                var unuseful = new SortedSet<int>();
                var stages = new List<Stage>();
                foreach (var stage in root.Items("stages"))
                {
                    if (stage.Long("stage_id") is { } id && stage.Long("start_step_id") is { } start && stage.Long("end_step_id") is { } end)
                    {
                        stages.Add(new Stage { Id = (int)id, FirstStep = (int)start, LastStep = (int)end, FromSource = true });
                    }
                }
                foreach (var stage in root.Items("incorrect_stages"))
                {
                    var stageIncorrect = stage.Items("incorrect_step_ids").Select(AsInt).OfType<int>().ToList();
                    var stageUnuseful = stage.Items("unuseful_step_ids").Select(AsInt).OfType<int>().ToList();
                    incorrect.UnionWith(stageIncorrect);
                    unuseful.UnionWith(stageUnuseful);
                    // Without a stages[] list, the labeled stage's own steps give its range.
                    if (stage.Long("stage_id") is { } id && stages.All(s => s.Id != id))
                    {
                        var ids = stageIncorrect.Concat(stageUnuseful)
                            .Concat(stage.Items("steps").Select(s => s.Long("step_id")).OfType<long>().Select(l => (int)l)).ToList();
                        if (ids.Count > 0) stages.Add(new Stage { Id = (int)id, FirstStep = ids.Min(), LastStep = ids.Max(), FromSource = true });
                    }
                }
                labels.Add(new GoldLabels
                {
                    TrajId = trajId!,
                    Line = number,
                    TaskName = root.Str("task_name"),
                    Incorrect = incorrect,
                    Unuseful = unuseful,
                    Stages = stages.OrderBy(s => s.FirstStep).ToList(),
                });
            }
            catch (JsonException ex)
            {
                errors.Add($"{path}: line {number}: {JsonInput.DescribeJsonError(ex)}");
            }
        }
        return (labels, errors);
    }

    private static int? AsInt(JsonElement element) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) ? value
        : element.ValueKind == JsonValueKind.String && int.TryParse(element.GetString(), out var parsed) ? parsed
        : null;

    /// <summary>
    /// The names a stored run answers to for a manifest's <c>traj_id</c>: its id, its task id, and its source's folder
    /// or file name (with and without the trajectory extension).
    /// </summary>
    public static IEnumerable<string> MatchKeys(string runId, string? taskId, string? sourcePath)
    {
        yield return runId;
        if (!string.IsNullOrWhiteSpace(taskId)) yield return taskId!;
        if (string.IsNullOrWhiteSpace(sourcePath)) yield break;
        var trimmed = sourcePath.TrimEnd('/', '\\');
        var name = Path.GetFileName(trimmed);
        if (name.Length == 0) yield break;
        yield return name;
        foreach (var extension in new[] { ".traj.json", ".traj", ".jsonl", ".json" })
        {
            if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                yield return name[..^extension.Length];
                break;
            }
        }
        // A trajectory file inside its run's folder (trial/agent/trajectory.json, trial/sessions/agent.cast) is named by
        // the folder, one or two levels up.
        var parentPath = Path.GetDirectoryName(trimmed) ?? "";
        var parent = Path.GetFileName(parentPath);
        if (parent.Length > 0) yield return parent;
        var grandparent = Path.GetFileName(Path.GetDirectoryName(parentPath) ?? "");
        if (grandparent.Length > 0) yield return grandparent;
    }
}

/// <summary>Precision, recall and F1 on step ids.</summary>
public readonly record struct StepScores(double Precision, double Recall, double F1)
{
    /// <summary>
    /// CodeTracer's metric: P = |pred ∩ gold| / |pred| (0 when pred is empty), R = |pred ∩ gold| / |gold| (0 when gold
    /// is empty), F1 = 2PR / (P + R) (0 when P + R = 0).
    /// </summary>
    public static StepScores Score(IEnumerable<int> predicted, IEnumerable<int> gold)
    {
        var pred = predicted.ToHashSet();
        var truth = gold.ToHashSet();
        var hits = pred.Count(truth.Contains);
        var precision = pred.Count == 0 ? 0 : (double)hits / pred.Count;
        var recall = truth.Count == 0 ? 0 : (double)hits / truth.Count;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new StepScores(precision, recall, f1);
    }
}

/// <summary>One evaluated trajectory.</summary>
public sealed record EvaluationRow(
    string TrajId,
    string RunId,
    IReadOnlyList<int> Gold,
    IReadOnlyList<int> Predicted,
    StepScores Scores,
    int? GoldOnsetStage,
    int? PredictedOnsetStage,
    long Tokens)
{
    /// <summary>Null when the gold labels have no onset (nothing to hit).</summary>
    public bool? OnsetStageHit => GoldOnsetStage is null ? null : PredictedOnsetStage == GoldOnsetStage;

    /// <summary>Creates a row from gold labels and a diagnosis; onset stages are both read against the manifest's stages.</summary>
    public static EvaluationRow Create(GoldLabels gold, string runId, RunDiagnosis diagnosis)
    {
        var predicted = diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds).Distinct().Order().ToList();
        var goldIds = gold.Incorrect.Order().ToList();
        var goldStage = gold.OnsetStep is { } g ? gold.StageOf(g) : null;
        var predictedStage = diagnosis.OnsetStep is { } p ? gold.StageOf(p) : null;
        return new EvaluationRow(gold.TrajId, runId, goldIds, predicted, StepScores.Score(predicted, goldIds), goldStage, predictedStage,
            diagnosis.PromptTokens + diagnosis.CompletionTokens);
    }
}

/// <summary>Macro averages over evaluated trajectories.</summary>
public sealed record EvaluationSummary(int Runs, double Precision, double Recall, double F1, int OnsetRuns, double OnsetStageHitRate, double MeanTokens)
{
    public static EvaluationSummary Of(IReadOnlyList<EvaluationRow> rows)
    {
        if (rows.Count == 0) return new EvaluationSummary(0, 0, 0, 0, 0, 0, 0);
        var onset = rows.Where(r => r.OnsetStageHit is not null).ToList();
        return new EvaluationSummary(
            rows.Count,
            rows.Average(r => r.Scores.Precision),
            rows.Average(r => r.Scores.Recall),
            rows.Average(r => r.Scores.F1),
            onset.Count,
            onset.Count == 0 ? 0 : (double)onset.Count(r => r.OnsetStageHit == true) / onset.Count,
            rows.Average(r => (double)r.Tokens));
    }
}
