using System.Diagnostics;
using System.Security.Cryptography;
using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import;

/// <summary>The result of reading a set of paths: the runs that were read and the errors for what was not.</summary>
public sealed class ImportBatch
{
    public List<Run> Runs { get; } = [];

    public List<ImportError> Errors { get; } = [];

    /// <summary>Bytes of trajectory files read (each file once).</summary>
    public long BytesRead { get; set; }

    public TimeSpan ParseTime { get; set; }

    public TimeSpan IndexTime { get; set; }
}

/// <summary>Turns user-given paths into runs: discovery, reading, outcome joining, stable ids, then tree indexing.</summary>
public sealed class RunImportService
{
    private readonly IReadOnlyList<ITrajectoryImporter> _importers;
    private readonly IReadOnlyList<IOutcomeResolver> _outcomeResolvers;
    private readonly IReadOnlyList<ITraceIndexer> _indexers;
    private readonly ImportOptions _options;
    private readonly ILogger<RunImportService> _logger;

    public RunImportService(
        IEnumerable<ITrajectoryImporter> importers,
        IEnumerable<IOutcomeResolver> outcomeResolvers,
        IEnumerable<ITraceIndexer> indexers,
        IOptions<ImportOptions> options,
        ILogger<RunImportService>? logger = null)
    {
        _importers = importers.ToList();
        _outcomeResolvers = outcomeResolvers.ToList();
        _indexers = indexers.ToList();
        _options = options.Value;
        _logger = logger ?? NullLogger<RunImportService>.Instance;
    }

    public IReadOnlyList<ITrajectoryImporter> Importers => _importers;

    /// <summary>Reads every run under <paramref name="paths"/>. Never throws for bad input: failures become <see cref="ImportBatch.Errors"/>.</summary>
    /// <param name="index">False to skip tree indexing (used by the benchmark to time parsing alone).</param>
    public ImportBatch Parse(IEnumerable<string> paths, CancellationToken cancellationToken, bool index = true)
    {
        var batch = new ImportBatch();
        var context = new ImportContext(_options);
        var discovery = new RunDiscovery(_importers, _options);
        var parseClock = new Stopwatch();
        var indexClock = new Stopwatch();
        var countedFiles = new HashSet<string>(StringComparer.Ordinal);

        foreach (var path in paths)
        {
            cancellationToken.ThrowIfCancellationRequested();
            parseClock.Start();
            var (units, errors) = discovery.Discover(path, cancellationToken);
            batch.Errors.AddRange(errors);
            foreach (var unit in units)
            {
                foreach (var result in ReadUnit(unit, context, cancellationToken))
                {
                    if (result.Error is not null)
                    {
                        batch.Errors.Add(result.Error);
                        continue;
                    }
                    var run = result.Run!;
                    Complete(run, unit, context);
                    foreach (var file in run.Source.Files)
                    {
                        if (countedFiles.Add(file.Path)) batch.BytesRead += file.Length;
                    }
                    parseClock.Stop();
                    if (index)
                    {
                        indexClock.Start();
                        IndexRun(run);
                        indexClock.Stop();
                    }
                    parseClock.Start();
                    batch.Runs.Add(run);
                }
            }
            parseClock.Stop();
        }

        batch.ParseTime = parseClock.Elapsed;
        batch.IndexTime = indexClock.Elapsed;
        return batch;
    }

    /// <summary>Runs the indexers over a run, turning an indexer failure into a warning rather than losing the run.</summary>
    public void IndexRun(Run run)
    {
        foreach (var indexer in _indexers)
        {
            try
            {
                indexer.Index(run);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Indexing run {RunId} with {Indexer} failed", run.Id, indexer.GetType().Name);
                run.Warnings.Add(new ImportWarning { Code = "indexing-failed", Message = $"{indexer.GetType().Name} failed: {ex.Message}" });
            }
        }
    }

    private IEnumerable<RunReadResult> ReadUnit(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        // Enumerate by hand so that an exception thrown mid-way still keeps the runs already read from the unit.
        IEnumerator<RunReadResult> enumerator;
        try
        {
            enumerator = unit.Importer.Read(unit, context, cancellationToken).GetEnumerator();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return [Fail(unit, ex)];
        }

        var results = new List<RunReadResult>();
        using (enumerator)
        {
            while (true)
            {
                try
                {
                    if (!enumerator.MoveNext()) break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    results.Add(Fail(unit, ex));
                    break;
                }
                results.Add(enumerator.Current);
            }
        }
        return results;
    }

    private RunReadResult Fail(SourceUnit unit, Exception ex)
    {
        if (ex is ImportException importException) return RunReadResult.Failed(importException.Error);
        _logger.LogWarning(ex, "Importer {Importer} failed on {Path}", unit.Importer.Name, unit.Path);
        var reason = ex switch
        {
            System.Text.Json.JsonException json => JsonInput.DescribeJsonError(json),
            InsufficientExecutionStackException => "the input is nested too deeply to read",
            UnauthorizedAccessException or IOException => "cannot read: " + ex.Message,
            _ => $"{unit.Importer.Name} could not read it: {ex.GetType().Name}: {ex.Message}",
        };
        var location = ex is System.Text.Json.JsonException j ? JsonInput.DescribeLocation(j) : null;
        return RunReadResult.Failed(new ImportError(unit.Path, location, reason));
    }

    /// <summary>Fills what every run needs whatever its format: source hashes, a stable id, ordered step ids, an outcome, warnings.</summary>
    private void Complete(Run run, SourceUnit unit, ImportContext context)
    {
        if (string.IsNullOrEmpty(run.Source.Path)) run.Source.Path = unit.Path;
        if (run.Source.Files.Count == 0 && !unit.IsDirectory) run.Source.Files.Add(new SourceFile { Path = unit.Path });
        foreach (var file in run.Source.Files)
        {
            if (string.IsNullOrEmpty(file.Sha256)) HashInto(file, context);
        }

        if (string.IsNullOrEmpty(run.Id)) run.Id = StableId(run);
        if (string.IsNullOrEmpty(run.Task.Title)) run.Task.Title = MakeTitle(run);

        if (run.Steps.Count > _options.MaxStepsPerRun)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "steps-capped",
                Message = $"the run has {run.Steps.Count:N0} steps; only the first {_options.MaxStepsPerRun:N0} are kept (Import:MaxStepsPerRun)",
            });
            run.Steps.RemoveRange(_options.MaxStepsPerRun, run.Steps.Count - _options.MaxStepsPerRun);
        }
        for (var i = 0; i < run.Steps.Count; i++) run.Steps[i].Id = i + 1;

        if (run.Steps.Count == 0 && !run.Warnings.Any(w => w.Code == "no-steps"))
        {
            run.Warnings.Add(new ImportWarning { Code = "no-steps", Message = "the run has no agent steps (it ended before the first turn, or the file holds none)" });
        }

        if (run.Outcome.Status == OutcomeStatus.Unknown)
        {
            foreach (var resolver in _outcomeResolvers)
            {
                resolver.Resolve(run, context);
                if (run.Outcome.Status != OutcomeStatus.Unknown) break;
            }
        }

        if (run.Metrics.DurationSeconds is null && run.Metrics.StartedAtUtc is { } start && run.Metrics.EndedAtUtc is { } end && end >= start)
        {
            run.Metrics.DurationSeconds = (end - start).TotalSeconds;
        }
        run.ImportedAtUtc = DateTime.UtcNow;
    }

    /// <summary>Records the hash of bytes an importer already read, so the file is not read a second time to hash it.</summary>
    public static void RememberHash(ImportContext context, string path, ReadOnlySpan<byte> bytes)
    {
        context.Cache.TryAdd(HashKey(path), (Hash: Convert.ToHexStringLower(SHA256.HashData(bytes)), Length: (long)bytes.Length));
    }

    private static string HashKey(string path) => "sha256:" + Path.GetFullPath(path);

    private static void HashInto(SourceFile file, ImportContext context)
    {
        var cached = context.GetOrAdd(HashKey(file.Path), () =>
        {
            try
            {
                using var stream = File.OpenRead(file.Path);
                var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
                return (Hash: hash, Length: stream.Length);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return (Hash: "", Length: 0L);
            }
        });
        file.Sha256 = cached.Hash;
        file.Length = cached.Length;
    }

    /// <summary>
    /// A hash of the format, the unit key and the trajectory files' contents: the same run imported twice, from any
    /// folder or upload, gets the same id and is updated in place. Result files are not part of it, so a verdict that
    /// arrives later updates the run instead of duplicating it.
    /// </summary>
    public static string StableId(Run run)
    {
        var material = string.Join('\n',
            [run.Format, run.Source.UnitKey ?? "", .. run.Source.Files.Select(f => f.Sha256).Order(StringComparer.Ordinal)]);
        var hash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(material));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    private static string MakeTitle(Run run)
    {
        if (!string.IsNullOrWhiteSpace(run.Task.Id)) return run.Task.Id!;
        var text = run.Task.Text;
        if (string.IsNullOrWhiteSpace(text)) return Path.GetFileName(run.Source.Path.TrimEnd('/', '\\'));
        var firstLine = text.AsSpan().TrimStart();
        var newline = firstLine.IndexOfAny('\r', '\n');
        if (newline >= 0) firstLine = firstLine[..newline];
        return firstLine.Length > 120 ? string.Concat(firstLine[..117], "...") : firstLine.ToString();
    }
}
