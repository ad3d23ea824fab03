using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CodeTracer.Core.Import;
using CodeTracer.Core.Storage;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Cli;

/// <summary>
/// <c>bench import [CORPUS]</c>: how fast a corpus of real runs parses (against raw JSON parsing of the same bytes),
/// what tree indexing adds, how long a full import into a fresh LiteDB file takes, and the peak memory.
/// </summary>
internal static class BenchImportCommand
{
    private const int Iterations = 5;

    // Extra untimed passes: tiered JIT promotes hot methods only after some calls, in the background.
    private const int WarmupPasses = 3;

    public static Command Create()
    {
        var corpus = new Argument<string?>("corpus")
        {
            Description = "Folder (or file) of runs; default ../shared/traces from the current directory",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var command = new Command("import", "Parse, index and store a corpus of runs; print speed and memory against targets") { corpus };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var path = Path.GetFullPath(parseResult.GetValue(corpus) ?? Path.Combine("..", "shared", "traces"));
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                await Console.Error.WriteLineAsync($"error: {path}: no such file or folder").ConfigureAwait(false);
                return 1;
            }
            if (await ImportVerb.TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 1;
            await using (services.ConfigureAwait(false))
            {
                try
                {
                    return await RunAsync(services, path, Console.Out, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await Console.Error.WriteLineAsync("bench cancelled").ConfigureAwait(false);
                    return 130;
                }
            }
        });
        return command;
    }

    internal static async Task<int> RunAsync(IServiceProvider services, string corpus, TextWriter output, CancellationToken cancellationToken)
    {
        var importer = services.GetRequiredService<RunImportService>();
        var importOptions = services.GetRequiredService<IOptions<ImportOptions>>().Value;
        var report = new BenchReport(output);
        report.Line("corpus", corpus);

        // Warm-up: JIT and the OS file cache, so the timed runs measure parsing rather than the first disk read.
        var first = importer.Parse([corpus], cancellationToken, index: false);
        var files = first.Runs.SelectMany(r => r.Source.Files).DistinctBy(f => f.Path, StringComparer.Ordinal).ToList();
        var runCount = first.Runs.Count;
        var stepCount = first.Runs.Sum(r => r.StepCount);
        var errorCount = first.Errors.Count;
        first = null;
        report.Line("trajectory files", $"{BenchReport.N(files.Count)} files, {BenchReport.Mb(files.Sum(f => f.Length))}");
        report.Line("runs", $"{BenchReport.N(runCount)} runs, {BenchReport.N(stepCount)} steps, {BenchReport.N(errorCount)} paths or runs that failed to parse");
        if (runCount == 0)
        {
            report.Line("", "nothing parsed: no importer read any file here");
            return 1;
        }
        var megabytes = files.Sum(f => f.Length) / (1024.0 * 1024.0);
        for (var i = 1; i < WarmupPasses; i++) importer.Parse([corpus], cancellationToken, index: true);

        var parse = Median(Enumerable.Range(0, Iterations).Select(_ => Clock(() => importer.Parse([corpus], cancellationToken, index: false))));
        report.Line("parse only", $"{BenchReport.Seconds(parse)} ({BenchReport.F(megabytes / parse.TotalSeconds, "N1")} MB/s), median of {Iterations}, discovery and hashing included");

        var baselineFiles = new JsonBaseline(importOptions.MaxJsonDepth);
        for (var i = 0; i < WarmupPasses; i++)
        {
            foreach (var file in files) baselineFiles.Measure(file.Path, cancellationToken);
        }
        var baseline = Median(Enumerable.Range(0, Iterations).Select(_ =>
        {
            var pass = new JsonBaseline(importOptions.MaxJsonDepth);
            return Clock(() =>
            {
                foreach (var file in files) pass.Measure(file.Path, cancellationToken);
            });
        }));
        report.Line("raw JSON baseline", $"{BenchReport.Seconds(baseline)} ({BenchReport.F(megabytes / baseline.TotalSeconds, "N1")} MB/s): read + JsonDocument.Parse, {baselineFiles.Describe(WarmupPasses)}");
        var ratio = parse.TotalSeconds / baseline.TotalSeconds;
        report.Target("parse / raw JSON", BenchReport.F(ratio, "N2") + "x", "<= 3x", ratio <= 3);

        // One parsed batch alive at a time, so the memory figure is what one import needs.
        var indexed = Enumerable.Range(0, Iterations).Select(_ =>
        {
            Settle();
            var batch = importer.Parse([corpus], cancellationToken, index: true);
            return (batch.IndexTime, batch.ParseTime);
        }).ToList();
        var indexTime = Median(indexed.Select(b => b.IndexTime));
        var indexParseTime = Median(indexed.Select(b => b.ParseTime));
        var indexShare = indexParseTime > TimeSpan.Zero ? indexTime / indexParseTime : 0;
        report.Line("tree indexing", $"{BenchReport.Seconds(indexTime)} = {BenchReport.F(indexShare * 100, "N1")}% of parse-only time ({services.GetServices<Core.Tree.ITraceIndexer>().Count()} indexers)");

        var storeDirectory = Path.Combine(Path.GetTempPath(), "codetracer-bench-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var storageOptions = services.GetRequiredService<IOptions<StorageOptions>>().Value;
            var options = new StorageOptions
            {
                DatabasePath = Path.Combine(storeDirectory, "bench.db"),
                MaxInlineTextChars = storageOptions.MaxInlineTextChars,
                WriteBatchRuns = storageOptions.WriteBatchRuns,
                WriteBatchMaxChars = storageOptions.WriteBatchMaxChars,
                MaxSearchTermsPerRun = storageOptions.MaxSearchTermsPerRun,
                MaxTaskFilterChars = storageOptions.MaxTaskFilterChars,
            };
            using var store = new LiteDbRunStore(Options.Create(options));
            Settle();
            var clock = Stopwatch.StartNew();
            var batch = importer.Parse([corpus], cancellationToken, index: true);
            var parsedAt = clock.Elapsed;
            var saved = await store.SaveRunsAsync(batch.Runs, cancellationToken).ConfigureAwait(false);
            var total = clock.Elapsed;
            report.Target("full import into LiteDB",
                $"{BenchReport.Seconds(total)} (parse+index {BenchReport.Seconds(parsedAt)}, save {BenchReport.Seconds(total - parsedAt)})",
                "< 10 s", total.TotalSeconds < 10);
            report.Line("", $"{BenchReport.N(saved.Inserted)} runs, {BenchReport.N(saved.Steps)} steps stored, {saved.Errors.Count} not stored; file {BenchReport.Mb(new FileInfo(store.DatabasePath).Length)}");
            // What indexing adds to a user's import (read, index, store) is the figure the target speaks of.
            var withoutIndex = total - indexTime;
            var added = withoutIndex > TimeSpan.Zero ? indexTime / withoutIndex : 0;
            report.Target("indexing adds to import", $"{BenchReport.F(added * 100, "N1")}% ({BenchReport.Seconds(indexTime)} on {BenchReport.Seconds(withoutIndex)} without it)", "< 20%", added < 0.20);
        }
        finally
        {
            TryDelete(storeDirectory);
        }

        var memory = BenchReport.Memory();
        report.Target("peak memory", $"{BenchReport.Mb(memory.PeakWorkingSet)} working set (whole bench)", "< 1 GB", memory.PeakWorkingSet < 1024L * 1024 * 1024);
        report.Line("", $"managed heap now {BenchReport.Mb(memory.HeapSize)}, {BenchReport.Mb(memory.Allocated)} allocated in all, {memory.Collections}");
        return 0;
    }

    private static TimeSpan Clock(Action action)
    {
        Settle();
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed;
    }

    // Each timed pass starts from a collected heap, so it does not pay for the garbage of the pass before it
    // (observations are large strings, and large-object allocations trigger full collections).
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> times)
    {
        var sorted = times.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static void TryDelete(string directory)
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

    /// <summary>
    /// The floor a JSON-based importer cannot beat: read each trajectory file and build a <see cref="JsonDocument"/>
    /// of it, whole for JSON files, line by line for JSON Lines and asciinema casts.
    /// </summary>
    private sealed class JsonBaseline(int maxDepth)
    {
        private readonly JsonDocumentOptions _options = new() { MaxDepth = maxDepth };
        private int _whole;
        private int _byLine;
        private int _notJson;

        public void Measure(string path, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (IOException)
            {
                _notJson++;
                return;
            }
            var extension = Path.GetExtension(path);
            if (!extension.Equals(".jsonl", StringComparison.OrdinalIgnoreCase) && !extension.Equals(".cast", StringComparison.OrdinalIgnoreCase) && TryParse(bytes))
            {
                _whole++;
                return;
            }
            if (ParseLines(bytes)) _byLine++; else _notJson++;
        }

        public string Describe(int passes) => $"{_whole / passes} files whole, {_byLine / passes} by line, {_notJson / passes} not JSON (read only)";

        private bool TryParse(ReadOnlyMemory<byte> bytes)
        {
            try
            {
                using var document = JsonDocument.Parse(bytes, _options);
                return true;
            }
            catch (JsonException)
            {
                return false;
            }
        }

        private bool ParseLines(ReadOnlyMemory<byte> bytes)
        {
            var any = false;
            var rest = bytes;
            while (!rest.IsEmpty)
            {
                var newline = rest.Span.IndexOf((byte)'\n');
                var line = newline < 0 ? rest : rest[..newline];
                rest = newline < 0 ? ReadOnlyMemory<byte>.Empty : rest[(newline + 1)..];
                if (line.Span.Trim(" \t\r"u8).IsEmpty) continue;
                any |= TryParse(line);
            }
            return any;
        }
    }
}
