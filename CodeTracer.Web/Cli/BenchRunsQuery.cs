using System.CommandLine;
using System.Diagnostics;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Cli;

/// <summary>
/// <c>bench runs-query [--runs 5000]</c>: fills a fresh database with synthetic runs and times the queries the runs
/// page makes (first page, a filter, a sort, a free-text search, facets), cold and warm, against the 100 ms target.
/// </summary>
internal static class BenchRunsQueryCommand
{
    private const double TargetMs = 100;

    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "How many synthetic runs to store", DefaultValueFactory = _ => 5000 };
        runs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000) r.AddError("--runs must be between 1 and 1,000,000.");
        });
        var iterations = new Option<int>("--iterations") { Description = "Timed repetitions of each query", DefaultValueFactory = _ => 30 };
        iterations.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000) r.AddError("--iterations must be between 1 and 10,000.");
        });
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic runs", DefaultValueFactory = _ => 1 };
        var command = new Command("runs-query", "Time the runs page's queries over many synthetic runs") { runs, iterations, seed };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await RunAsync(parseResult.GetValue(runs), parseResult.GetValue(iterations), parseResult.GetValue(seed), Console.Out, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync("bench cancelled").ConfigureAwait(false);
                return 130;
            }
        });
        return command;
    }

    internal static async Task<int> RunAsync(int runCount, int iterations, int seed, TextWriter output, CancellationToken cancellationToken)
    {
        var report = new BenchReport(output);
        var directory = Path.Combine(Path.GetTempPath(), "codetracer-bench-" + Guid.NewGuid().ToString("N")[..12]);
        var options = Options.Create(new StorageOptions { DatabasePath = Path.Combine(directory, "runs-query.db") });
        try
        {
            var generator = new SyntheticRuns(seed);
            long steps = 0, chars = 0;
            var clock = Stopwatch.StartNew();
            using (var writer = new LiteDbRunStore(options))
            {
                // In chunks, so the synthetic text never all sits in memory at once.
                for (var start = 0; start < runCount; start += 250)
                {
                    var chunk = Enumerable.Range(start, Math.Min(250, runCount - start)).Select(generator.Run).ToList();
                    steps += chunk.Sum(r => r.Steps.Count);
                    chars += chunk.Sum(SyntheticRuns.TextChars);
                    await writer.SaveRunsAsync(chunk, cancellationToken).ConfigureAwait(false);
                }
            }
            report.Line("synthetic runs", $"{BenchReport.N(runCount)} runs, {BenchReport.N(steps)} steps, {BenchReport.Mb(chars)} of step text (seed {seed})");
            report.Line("stored", $"in {BenchReport.Seconds(clock.Elapsed)}; file {BenchReport.Mb(new FileInfo(options.Value.DatabasePath).Length)}");
            report.Blank();

            // A fresh store stands for a server that just started: its catalog and word index load at the first query.
            using var store = new LiteDbRunStore(options);
            var oneWord = generator.Word(60);
            var twoWords = generator.Word(25) + " " + generator.Word(300);
            var coldPage = await TimeOnceAsync(() => store.QueryRunsAsync(new RunQuery(), cancellationToken)).ConfigureAwait(false);
            var coldText = await TimeOnceAsync(() => store.QueryRunsAsync(new RunQuery { Text = oneWord }, cancellationToken)).ConfigureAwait(false);
            report.Line("cold: first page", BenchReport.Ms(coldPage) + " (loads the run summaries)");
            report.Line("cold: first text search", BenchReport.Ms(coldText) + " (loads the word index)");
            report.Blank();
            output.WriteLine($"{"warm query",-26} {"median",10} {"p95",10}   matches   (warm-up 3, {iterations} timed; target {TargetMs} ms)");

            var queries = new (string Name, RunQuery Query)[]
            {
                ("first page", new RunQuery()),
                ("filter framework+outcome", new RunQuery { Framework = Frameworks.OpenHands, Outcome = OutcomeStatus.Unresolved }),
                ("sort by steps, 3rd page", new RunQuery { SortBy = RunSortField.Steps, Descending = true, Skip = 100 }),
                ("sort by cost ascending", new RunQuery { SortBy = RunSortField.Cost, Descending = false }),
                ("task filter", new RunQuery { TaskText = "django" }),
                ($"text '{oneWord}'", new RunQuery { Text = oneWord }),
                ($"text '{twoWords}'", new RunQuery { Text = twoWords }),
                ("text + filter + sort", new RunQuery { Text = oneWord, Framework = Frameworks.SweAgent, SortBy = RunSortField.Steps }),
            };
            var allMet = true;
            foreach (var (name, query) in queries)
            {
                var matches = 0;
                var timings = await BenchReport.TimeAsync(async () => matches = (await store.QueryRunsAsync(query, cancellationToken).ConfigureAwait(false)).TotalCount, 3, iterations).ConfigureAwait(false);
                allMet &= Row(output, name, timings, BenchReport.N(matches));
            }
            var facets = await BenchReport.TimeAsync(() => store.GetFacetsAsync(cancellationToken), 3, iterations).ConfigureAwait(false);
            allMet &= Row(output, "facets", facets, "");

            // Another process (the command line) stores a run between two page loads: the catalog catches up by sequence number.
            using var otherProcess = new LiteDbRunStore(options);
            var next = runCount;
            var afterWrite = new List<double>();
            var afterWriteText = new List<double>();
            for (var i = 0; i < Math.Min(iterations, 20); i++)
            {
                await otherProcess.SaveRunsAsync([generator.Run(next++)], cancellationToken).ConfigureAwait(false);
                afterWrite.Add(await TimeOnceAsync(() => store.QueryRunsAsync(new RunQuery(), cancellationToken)).ConfigureAwait(false));
                await otherProcess.SaveRunsAsync([generator.Run(next++)], cancellationToken).ConfigureAwait(false);
                afterWriteText.Add(await TimeOnceAsync(() => store.QueryRunsAsync(new RunQuery { Text = oneWord }, cancellationToken)).ConfigureAwait(false));
            }
            allMet &= Row(output, "page after another write", afterWrite, "");
            allMet &= Row(output, "text after another write", afterWriteText, "");
            report.Blank();

            var memory = BenchReport.Memory();
            report.Line("peak memory", $"{BenchReport.Mb(memory.PeakWorkingSet)} working set; managed heap {BenchReport.Mb(memory.HeapSize)}; {memory.Collections}");
            report.Line("all warm queries", allMet ? $"p95 under {TargetMs} ms: met" : $"some p95 over {TargetMs} ms: MISSED");
            return 0;
        }
        finally
        {
            try
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not worth failing the bench for.
            }
        }
    }

    private static bool Row(TextWriter output, string name, List<double> timings, string matches)
    {
        var (median, p95) = BenchReport.Percentiles(timings);
        var met = p95 < TargetMs;
        output.WriteLine($"{name,-26} {BenchReport.Ms(median),10} {BenchReport.Ms(p95),10}   {matches,7}   {(met ? "met" : "MISSED")}");
        return met;
    }

    private static async Task<double> TimeOnceAsync<T>(Func<Task<T>> action)
    {
        var clock = Stopwatch.StartNew();
        await action().ConfigureAwait(false);
        return clock.Elapsed.TotalMilliseconds;
    }
}

/// <summary>
/// Deterministic synthetic runs shaped like real ones: 20-200 steps, a thought, a shell command and an observation per
/// step, words drawn from a skewed vocabulary (a few words everywhere, most rare) so the word index sees real-looking
/// frequencies, some failing commands, several frameworks, models and outcomes.
/// </summary>
internal sealed class SyntheticRuns
{
    private static readonly string[] s_frameworks = [Frameworks.SweAgent, Frameworks.MiniSweAgent, Frameworks.OpenHands, Frameworks.Terminus2, Frameworks.ClaudeCode];
    private static readonly string[] s_models = ["gpt-4o", "gpt-5", "claude-sonnet-4", "deepseek-chat", "gemini-3-pro", "qwen3-coder"];
    private static readonly string[] s_repos = ["django", "sympy", "astropy", "requests", "pytest", "sphinx", "matplotlib", "xarray"];
    private static readonly string[] s_commands = ["cat", "grep -rn", "sed -n 1,80p", "python -m pytest", "ls -la", "git diff", "find . -name", "python"];
    private static readonly string[] s_syllables = ["ka", "lo", "mi", "ret", "sun", "dex", "par", "ser", "con", "fig", "tor", "val", "in", "ex", "pro", "cal", "mod", "el", "at", "ion", "re", "qu", "ant", "um"];
    private static readonly string[] s_code = ["def", "class", "import", "return", "self", "None", "assert", "TypeError", "ValueError", "Traceback", "models", "views", "parser", "config", "settings", "test", "error", "FAILED", "passed", "line", "File"];

    private readonly string[] _vocabulary;
    private readonly int _seed;

    public SyntheticRuns(int seed)
    {
        _seed = seed;
        var random = new Random(seed);
        var words = new HashSet<string>(s_code, StringComparer.Ordinal);
        while (words.Count < 6000)
        {
            var syllables = random.Next(2, 5);
            words.Add(string.Concat(Enumerable.Range(0, syllables).Select(_ => s_syllables[random.Next(s_syllables.Length)])));
        }
        _vocabulary = [.. words];
    }

    /// <summary>The vocabulary word of rank <paramref name="rank"/> (0 is the most frequent).</summary>
    public string Word(int rank) => _vocabulary[rank];

    public static long TextChars(Run run) =>
        run.Steps.Sum(s => (long)(s.Thought?.Length ?? 0) + s.ToolCalls.Sum(c => (c.Command?.Length ?? 0) + (c.Observation?.Length ?? 0)));

    public Run Run(int index)
    {
        var random = new Random(HashCode.Combine(_seed, index));
        var repo = s_repos[random.Next(s_repos.Length)];
        var number = random.Next(1000, 40000);
        var run = new Run
        {
            Id = "synthetic-" + index.ToString("D7", System.Globalization.CultureInfo.InvariantCulture),
            Framework = s_frameworks[random.Next(s_frameworks.Length)],
            Format = "synthetic",
            Model = s_models[random.Next(s_models.Length)],
            Task = new TaskInfo { Id = $"{repo}__{repo}-{number}", Title = $"{repo}__{repo}-{number}", Text = Words(random, 60, 140) },
            Outcome = new RunOutcome { Status = (OutcomeStatus)random.Next(3) },
            ExitStatus = random.Next(4) == 0 ? "exit_cost" : "submitted",
            Metrics = new RunMetrics
            {
                PromptTokens = random.Next(10_000, 2_000_000),
                CompletionTokens = random.Next(1_000, 50_000),
                CostUsd = random.NextDouble() * 3,
                DurationSeconds = random.NextDouble() * 3600,
            },
            Source = new RunSource { Path = $"/bench/{repo}/{index}.traj" },
            ImportedAtUtc = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(index),
        };
        var stepCount = random.Next(20, 201);
        for (var id = 1; id <= stepCount; id++)
        {
            var failed = random.Next(10) == 0;
            var step = new Step
            {
                Id = id,
                Thought = Words(random, 10, 35),
                ToolCalls =
                [
                    new ToolCall
                    {
                        Tool = "bash",
                        Command = $"{s_commands[random.Next(s_commands.Length)]} {Word(random)}/{Word(random)}.py",
                        Observation = Lines(random, random.Next(2, 12)),
                        ExitCode = failed ? 1 : 0,
                        IsError = failed,
                    },
                ],
                Kind = (StepKind)random.Next(1, 12),
                Effect = random.Next(3) == 0 ? StepEffect.Change : StepEffect.Explore,
            };
            if (failed) step.Signals.Add(new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 1", ToolCallIndex = 0 });
            run.Steps.Add(step);
        }
        var stageSize = Math.Max(1, stepCount / 5);
        for (int first = 1, stage = 1; first <= stepCount; first += stageSize, stage++)
        {
            run.Stages.Add(new Stage { Id = stage, Kind = (StageKind)(stage % 7), Title = "Stage " + stage, FirstStep = first, LastStep = Math.Min(stepCount, first + stageSize - 1) });
        }
        return run;
    }

    // Skewed ranks: cubing a uniform number puts most draws on the first words of the vocabulary.
    private string Word(Random random) => _vocabulary[(int)(_vocabulary.Length * Math.Pow(random.NextDouble(), 3))];

    private string Words(Random random, int min, int max) =>
        string.Join(' ', Enumerable.Range(0, random.Next(min, max)).Select(_ => Word(random)));

    private string Lines(Random random, int lines) =>
        string.Join('\n', Enumerable.Range(0, lines).Select(_ => Words(random, 3, 12)));
}
