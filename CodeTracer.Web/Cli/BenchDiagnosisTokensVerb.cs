using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Cli;

/// <summary>
/// <c>bench diagnosis-tokens [PATH...]</c>: for every failed run, the prompt tokens tree-indexed diagnosis sends before
/// its first function call and in a scripted conversation that opens the most suspicious steps, against direct prompting
/// of the same run. Counted offline with the o200k tokenizer, through the same request code the LLM path uses (tool
/// definitions and the response schema included). The target is judged on prompt tokens, which is what a diagnosis
/// sends; the ratio with completion tokens added on both sides is printed beside it.
/// </summary>
internal static class BenchDiagnosisTokensVerb
{
    /// <summary>The goal: on runs longer than <see cref="LongRunSteps"/>, tree-indexed diagnosis costs at most this share of direct prompting.</summary>
    private const double TargetRatio = 0.40;

    private const int LongRunSteps = 50;

    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Trajectory files or folders (default: ../shared/traces)", Arity = ArgumentArity.ZeroOrMore };
        var open = new Option<int>("--open") { Description = "Steps the scripted conversation opens (parallel calls in one round)", DefaultValueFactory = _ => 3 };
        var parts = new Option<bool>("--parts") { Description = "Also print where the tree-indexed tokens go (system, tools, facts, index, heuristic, opens, answer)" };
        var command = new Command("diagnosis-tokens", "Prompt tokens of tree-indexed vs direct LLM diagnosis on every failed run (o200k, offline)") { paths, open, parts };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var targets = parseResult.GetValue(paths) is { Length: > 0 } given ? given : DefaultCorpus();
            if (targets.Length == 0)
            {
                await Console.Error.WriteLineAsync("error: no paths given and ../shared/traces not found").ConfigureAwait(false);
                return 1;
            }
            var stepsToOpen = Math.Clamp(parseResult.GetValue(open), 0, 50);

            if (await ImportVerb.TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 2;
            await using var disposeServices = services.ConfigureAwait(false);
            var batch = services.GetRequiredService<RunImportService>().Parse(targets, cancellationToken);
            foreach (var error in batch.Errors) Console.Error.WriteLine("warning: " + error);
            var estimator = services.GetRequiredService<DiagnosisTokenEstimator>();

            var rows = new List<(Run Run, DiagnosisTokenEstimate Estimate)>();
            var clock = Stopwatch.StartNew();
            Console.WriteLine("prompt tokens sent: first = tree-indexed request 1, tree = the whole scripted tree-indexed diagnosis, direct = direct prompting;");
            Console.WriteLine("ratio = tree / direct; +compl = the same with completion tokens (calls, answer) added on both sides");
            Console.WriteLine();
            Console.WriteLine($"{"format",-30} {"run",-16} {"steps",5} {"first",8} {"tree",8} {"direct",8} {"ratio",6} {"+compl",6}  opened");
            foreach (var run in batch.Runs.Where(r => r.Outcome.Status == OutcomeStatus.Unresolved && r.Steps.Count > 0))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var estimate = estimator.Estimate(run, stepsToOpen);
                rows.Add((run, estimate));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Format,-30} {run.Id,-16} {estimate.Steps,5} {estimate.FirstRequestTokens,8} {estimate.TreeIndexedPromptTokens,8} {estimate.DirectPromptTokens,8} {estimate.Ratio,6:0.00} {estimate.RatioWithCompletions,6:0.00}  {string.Join(",", estimate.OpenedSteps)}"));
                if (parseResult.GetValue(parts))
                {
                    Console.WriteLine("    " + string.Join("  ", estimate.Parts.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value}"))));
                }
            }
            if (rows.Count == 0)
            {
                await Console.Error.WriteLineAsync("error: no failed (unresolved) run with steps was found").ConfigureAwait(false);
                return 1;
            }

            Console.WriteLine();
            Console.WriteLine($"{"medians by format",-30} {"runs",5} {"first",8} {"tree",8} {"direct",8} {"ratio",6} {"+compl",6}");
            foreach (var group in rows.GroupBy(r => r.Run.Format).OrderBy(g => g.Key, StringComparer.Ordinal).Append(rows.GroupBy(_ => "all").Single()))
            {
                var list = group.Select(r => r.Estimate).ToList();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key,-30} {list.Count,5} {Median(list.Select(e => (double)e.FirstRequestTokens)),8:0} {Median(list.Select(e => (double)e.TreeIndexedPromptTokens)),8:0} {Median(list.Select(e => (double)e.DirectPromptTokens)),8:0} {Median(list.Select(e => e.Ratio)),6:0.00} {Median(list.Select(e => e.RatioWithCompletions)),6:0.00}"));
            }

            var longRuns = rows.Where(r => r.Estimate.Steps > LongRunSteps).ToList();
            Console.WriteLine();
            if (longRuns.Count == 0)
            {
                Console.WriteLine($"no failed run has more than {LongRunSteps} steps; the {TargetRatio:P0} target is not measured");
            }
            else
            {
                var met = longRuns.Count(r => r.Estimate.Ratio <= TargetRatio);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"runs over {LongRunSteps} steps: {longRuns.Count}; tree-indexed at most {TargetRatio:P0} of direct on {met}; median ratio {Median(longRuns.Select(r => r.Estimate.Ratio)):0.00}; worst {longRuns.Max(r => r.Estimate.Ratio):0.00} (with completions: median {Median(longRuns.Select(r => r.Estimate.RatioWithCompletions)):0.00}, worst {longRuns.Max(r => r.Estimate.RatioWithCompletions):0.00})"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"counted {rows.Count} run(s) in {clock.Elapsed.TotalSeconds:0.0} s (opening {stepsToOpen} step(s) each)"));
            return 0;
        });
        return command;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return 0;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The shared corpus beside the repository: from the current folder, else above the executable.</summary>
    private static string[] DefaultCorpus()
    {
        var here = Path.GetFullPath(Path.Combine("..", "shared", "traces"));
        if (Directory.Exists(here)) return [here];
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "..", "shared", "traces");
            if (File.Exists(Path.Combine(dir.FullName, "CodeTracer.sln")) && Directory.Exists(candidate)) return [Path.GetFullPath(candidate)];
        }
        return [];
    }
}
