using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Outcomes;

/// <summary>
/// Joins SWE-bench-style evaluation results to a run by its instance id (<see cref="TaskInfo.Id"/>). It looks in the
/// run's folder and up to <see cref="ImportOptions.OutcomeSearchLevels"/> folders above it, nearest first, and in each
/// folder for, in order: the instance's own <c>report.json</c> (<c>logs/&lt;id&gt;/report.json</c>, the harness's
/// <c>logs/run_evaluation/&lt;run&gt;/&lt;model&gt;/&lt;id&gt;/report.json</c>), the batch files <c>results/results.json</c>,
/// <c>results.json</c> and <c>results_summary.json</c>, then other <c>*.json</c> run summaries with
/// <c>resolved_ids</c>. A batch file counts only when it lists the instance; a run listed nowhere stays unknown.
/// </summary>
public sealed class BatchOutcomeResolver : IOutcomeResolver
{
    private static readonly string[] s_batchFiles = ["results/results.json", "results.json", "results_summary.json"];

    /// <summary>File names handled by name above, so the loose-summary scan does not read them a second way.</summary>
    private static readonly HashSet<string> s_namedFiles = new(StringComparer.OrdinalIgnoreCase)
    {
        "results.json", "results_summary.json", "report.json",
    };

    /// <inheritdoc />
    public void Resolve(Run run, ImportContext context)
    {
        var id = run.Task.Id;
        if (string.IsNullOrWhiteSpace(id) || string.IsNullOrEmpty(run.Source.Path)) return;

        string? directory;
        try
        {
            var full = Path.GetFullPath(run.Source.Path);
            directory = Directory.Exists(full) ? full : Path.GetDirectoryName(full);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return;
        }

        // Names of the folders between the run and the folder being searched, to tell whose a run summary is.
        var below = new List<string>();
        for (var level = 0; level <= context.Options.OutcomeSearchLevels && !string.IsNullOrEmpty(directory); level++)
        {
            if (TryFolder(run, id, directory, below, context)) return;
            below.Add(Path.GetFileName(directory));
            directory = Path.GetDirectoryName(directory);
        }
    }

    private static bool TryFolder(Run run, string id, string directory, List<string> below, ImportContext context)
    {
        // A flat report names no instance: it is the run's only when its folder is named after the instance.
        // The id comes from an untrusted file, so it only becomes part of a path when it cannot leave the folder.
        if (IsPathSafe(id))
        {
            if (TryFile(run, id, Path.Combine(directory, "logs", id, "report.json"), flatAllowed: true, context)) return true;
            foreach (var evaluation in RunEvaluationFolders(directory, context))
            {
                if (TryFile(run, id, Path.Combine(evaluation, id, "report.json"), flatAllowed: true, context)) return true;
            }
        }
        var namedForInstance = string.Equals(Path.GetFileName(directory), id, StringComparison.Ordinal);
        if (TryFile(run, id, Path.Combine(directory, "report.json"), flatAllowed: namedForInstance, context)) return true;

        foreach (var name in s_batchFiles)
        {
            if (TryFile(run, id, Path.Combine(directory, name), flatAllowed: false, context)) return true;
        }
        foreach (var summary in LooseSummaries(directory, context))
        {
            // Loose *.json files are only maybe summaries, so a broken one is passed over without a warning.
            if (BelongsToRun(summary, run, below) && TryFile(run, id, summary, flatAllowed: false, context, warnIfBroken: false)) return true;
        }
        return false;
    }

    private static bool TryFile(Run run, string id, string path, bool flatAllowed, ImportContext context, bool warnIfBroken = true)
    {
        var file = OutcomeFile.Get(path, context);
        if (file.Error is { } error)
        {
            if (warnIfBroken && !run.Warnings.Any(w => w.Code == "outcome-file-unreadable" && w.File == path))
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "outcome-file-unreadable",
                    Message = "an evaluation file beside the run could not be read, so its verdict is not used: " + error.Reason,
                    File = path,
                    Location = error.Location,
                });
            }
            return false;
        }
        if (file.Find(id, flatAllowed) is not { } verdict) return false;

        run.Outcome.Status = verdict.Status;
        run.Outcome.Evidence.Add(new OutcomeEvidence { File = path, Detail = verdict.Detail });
        if (verdict.FailureMode is not null) run.Outcome.FailureMode = verdict.FailureMode;
        if (verdict.TestResults is not null)
        {
            foreach (var (test, result) in verdict.TestResults) run.Outcome.TestResults[test] = result;
        }
        return true;
    }

    /// <summary>
    /// A SWE-bench harness summary is named <c>&lt;model&gt;.&lt;run_id&gt;.json</c>. One sitting above many run folders
    /// speaks for one run only: it applies when its run id names a folder on the way to the run, or its model is
    /// the run's model. A summary with no dot in its name makes no such claim and applies wherever it lists the id.
    /// </summary>
    private static bool BelongsToRun(string summaryPath, Run run, List<string> below)
    {
        var stem = Path.GetFileNameWithoutExtension(summaryPath);
        if (!stem.Contains('.', StringComparison.Ordinal)) return true;
        foreach (var folder in below)
        {
            if (folder.Length > 0 && stem.EndsWith("." + folder, StringComparison.Ordinal)) return true;
        }
        return run.Model is { Length: > 0 } model && stem.StartsWith(model.Replace("/", "__", StringComparison.Ordinal) + ".", StringComparison.Ordinal);
    }

    /// <summary>The harness's <c>logs/run_evaluation/&lt;run_id&gt;/&lt;model&gt;/</c> folders under a folder, listed once per import.</summary>
    private static IReadOnlyList<string> RunEvaluationFolders(string directory, ImportContext context) =>
        context.GetOrAdd("outcomes:run-evaluation:" + directory, () =>
        {
            var root = Path.Combine(directory, "logs", "run_evaluation");
            var folders = new List<string>();
            try
            {
                if (!Directory.Exists(root)) return (IReadOnlyList<string>)folders;
                foreach (var runFolder in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
                {
                    foreach (var modelFolder in Directory.EnumerateDirectories(runFolder).Order(StringComparer.Ordinal))
                    {
                        if (folders.Count >= context.Options.MaxOutcomeFilesPerFolder) return folders;
                        folders.Add(modelFolder);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // An unreadable log folder holds no verdict we can use; the other places are still searched.
            }
            return folders;
        });

    /// <summary>Candidate run summaries in a folder (<c>*.json</c> other than trajectories and the named files), listed once per import.</summary>
    private static IReadOnlyList<string> LooseSummaries(string directory, ImportContext context) =>
        context.GetOrAdd("outcomes:summaries:" + directory, () =>
        {
            var files = new List<string>();
            if (context.Options.MaxOutcomeFilesPerFolder == 0) return (IReadOnlyList<string>)files;
            try
            {
                foreach (var file in Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal))
                {
                    var name = Path.GetFileName(file);
                    if (s_namedFiles.Contains(name) || name.EndsWith(".traj.json", StringComparison.OrdinalIgnoreCase)) continue;
                    files.Add(file);
                    if (files.Count >= context.Options.MaxOutcomeFilesPerFolder) break;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // As above: an unreadable folder is skipped, not fatal.
            }
            return files;
        });

    /// <summary>An instance id usable as one folder name: nothing that could climb out of or past the folder.</summary>
    private static bool IsPathSafe(string id) =>
        id is not ("." or "..") && id.Length <= 255
        && id.IndexOfAny(['/', '\\', '\0']) < 0 && id.IndexOfAny(Path.GetInvalidFileNameChars()) < 0;
}
