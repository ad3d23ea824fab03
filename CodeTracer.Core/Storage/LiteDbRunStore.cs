using System.Globalization;
using System.Text;
using CodeTracer.Core.Model;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Storage;

/// <summary>
/// The embedded default store: one LiteDB file that the web server and the command line may use at the same time.
/// </summary>
/// <remarks>
/// <para>
/// The file is always opened in LiteDB's shared mode, by its full path: in direct mode LiteDB does not lock the file on
/// Linux, and a second process writing it corrupts it; the shared-mode lock is a named mutex keyed on the full path,
/// so a relative or differently spelled path would take a different lock.
/// </para>
/// <para>
/// Collections: <c>runs</c> (a run without its steps), <c>steps</c> (one document per step, keyed
/// <c>runId:0000000042</c> so a range of steps is one primary-key seek), <c>diagnoses</c>, <c>summaries</c> (the
/// small row the runs list shows, plus a change sequence number), <c>search_terms</c> (each run's distinct words) and
/// <c>meta</c> (the change counter). Texts longer than <see cref="StorageOptions.MaxInlineTextChars"/> go to LiteDB
/// file storage, so a step of any size stays under LiteDB's 16 MB document cap and comes back whole.
/// </para>
/// <para>
/// The runs list (filters, sort, paging, facets, free text) is served from an in-memory catalog of the summaries and
/// an inverted index of the words, refreshed from the change counter before each query; LiteDB itself took
/// 15-70 ms per filtered, sorted page at 5,000 runs, and cannot search text without scanning every step.
/// </para>
/// <para>
/// LiteDB is synchronous. Every call runs on a thread-pool thread (<see cref="Task.Run(Action, CancellationToken)"/>)
/// rather than on the caller's: a Blazor circuit would otherwise stall while a batch is written, and a LiteDB
/// transaction and the shared-mode mutex both belong to the thread that opened them, so each unit of work
/// (a batch transaction, a read) must run start to end on one thread with no await inside. One lock serializes this
/// process's use of the file; other processes are kept out by LiteDB's mutex.
/// </para>
/// </remarks>
public sealed class LiteDbRunStore : IRunStore, IDisposable
{
    private readonly StorageOptions _options;
    private readonly ILogger<LiteDbRunStore> _logger;
    private readonly BsonMapper _mapper = StorageDocuments.CreateMapper();
    private readonly Lock _dbGate = new();
    private readonly Lock _catalogGate = new();
    private readonly RunCatalog _catalog = new();
    private readonly CancellationTokenSource _disposing = new();
    private LiteDatabase? _db;
    private Task? _warmup;

    // Runs whose words are read per transaction: by a search that needs them all now, and by the background warm-up,
    // which keeps its chunks small so a page query waits at most a few milliseconds for the lock.
    private const int SearchChunkRuns = 500;
    private const int WarmupChunkRuns = 50;
    private bool _disposed;

    public LiteDbRunStore(IOptions<StorageOptions> options, ILogger<LiteDbRunStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger ?? NullLogger<LiteDbRunStore>.Instance;
        DatabasePath = Path.GetFullPath(_options.DatabasePath);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The background fill of the word index, once started (for tests).</summary>
    internal Task? SearchIndexWarmup
    {
        get
        {
            lock (_catalogGate) return _warmup;
        }
    }

    /// <summary>True when every listed run's words are in the in-memory index (for tests).</summary>
    internal bool SearchIndexComplete
    {
        get
        {
            lock (_catalogGate) return !_catalog.HasPendingTerms;
        }
    }

    /// <inheritdoc />
    public async Task<SaveSummary> SaveRunsAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var summary = new SaveSummary();
        foreach (var batch in Batches(runs))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Run(() => SaveBatch(batch, summary, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        return summary;
    }

    /// <inheritdoc />
    public Task<Run?> GetRunAsync(string runId, bool includeSteps, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(runId) ? Task.FromResult<Run?>(null) : RunAsync(db =>
        {
            var doc = db.GetCollection(StorageDocuments.Runs).FindById(runId);
            if (doc is null) return null;
            var run = _mapper.ToObject<Run>(doc);
            if (doc.TryGetValue("MovedTexts", out var moved) && moved.IsArray && moved.AsArray.Any(v => v == "Task.Text"))
            {
                run.Task.Text = ReadText(db, StorageDocuments.TextFileId(runId, "task/text"));
            }
            if (includeSteps) run.Steps = ReadSteps(db, runId, 1, int.MaxValue, cancellationToken);
            return (Run?)run;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Step>> GetStepsAsync(string runId, int firstStepId, int count, CancellationToken cancellationToken)
    {
        if (count <= 0 || string.IsNullOrEmpty(runId)) return Task.FromResult<IReadOnlyList<Step>>([]);
        return RunAsync<IReadOnlyList<Step>>(db => ReadSteps(db, runId, firstStepId, count, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task<PagedResult<RunSummary>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return WithCatalogAsync(catalog => catalog.Query(query), needTerms: !string.IsNullOrWhiteSpace(query.Text), cancellationToken);
    }

    /// <inheritdoc />
    public Task<RunFacets> GetFacetsAsync(CancellationToken cancellationToken) =>
        WithCatalogAsync(catalog => catalog.Facets(), needTerms: false, cancellationToken);

    /// <inheritdoc />
    public Task<int> CountRunsAsync(CancellationToken cancellationToken) =>
        WithCatalogAsync(catalog => catalog.Count, needTerms: false, cancellationToken);

    /// <inheritdoc />
    public Task<bool> DeleteRunAsync(string runId, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(runId) ? Task.FromResult(false) : RunAsync(db => InTransaction(db, () =>
        {
            var existed = db.GetCollection(StorageDocuments.Runs).Delete(runId);
            DeleteSteps(db, runId);
            DeleteTexts(db, runId);
            db.GetCollection(StorageDocuments.Diagnoses).DeleteMany(LiteDB.Query.EQ("RunId", runId));
            db.GetCollection(StorageDocuments.SearchTerms).Delete(runId);
            var summaries = db.GetCollection(StorageDocuments.Summaries);
            if (summaries.FindById(runId) is not null)
            {
                // A tombstone rather than a delete, so other processes' catalogs learn of it by sequence number.
                summaries.Upsert(StorageDocuments.ToTombstone(runId, NextSeq(db)));
            }
            return existed;
        }), cancellationToken);

    /// <inheritdoc />
    public Task SaveDiagnosisAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diagnosis);
        if (string.IsNullOrEmpty(diagnosis.RunId)) throw new ArgumentException("The diagnosis names no run.", nameof(diagnosis));
        if (string.IsNullOrEmpty(diagnosis.Id)) diagnosis.Id = Guid.NewGuid().ToString("N")[..12];
        if (StorageDocuments.DescribeBadRunId(diagnosis.Id) is { } bad) throw new ArgumentException("Bad diagnosis id: " + bad, nameof(diagnosis));
        if (diagnosis.CreatedAtUtc == default) diagnosis.CreatedAtUtc = DateTime.UtcNow;
        var doc = _mapper.ToDocument(diagnosis);
        return RunAsync(db => InTransaction(db, () =>
        {
            db.GetCollection(StorageDocuments.Diagnoses).Upsert(doc);
            var summaries = db.GetCollection(StorageDocuments.Summaries);
            var summary = summaries.FindById(diagnosis.RunId);
            if (summary is not null && !(summary.TryGetValue("Deleted", out var deleted) && deleted.AsBoolean))
            {
                var (has, onset) = NewestDiagnosis(db, diagnosis.RunId);
                summary["HasDiagnosis"] = has;
                summary["OnsetStep"] = onset is { } o ? new BsonValue(o) : BsonValue.Null;
                summary["Seq"] = NextSeq(db);
                summaries.Update(summary);
            }
            return true;
        }), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RunDiagnosis>> GetDiagnosesAsync(string runId, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<RunDiagnosis>>(db => db.GetCollection(StorageDocuments.Diagnoses)
            .Find(LiteDB.Query.EQ("RunId", runId))
            .Select(d => _mapper.ToObject<RunDiagnosis>(d))
            .OrderByDescending(d => d.CreatedAtUtc)
            .ThenByDescending(d => d.Id, StringComparer.Ordinal)
            .ToList(), cancellationToken);

    /// <inheritdoc />
    public Task<RunDiagnosis?> GetDiagnosisAsync(string diagnosisId, CancellationToken cancellationToken) =>
        string.IsNullOrEmpty(diagnosisId) ? Task.FromResult<RunDiagnosis?>(null) : RunAsync(db => db.GetCollection(StorageDocuments.Diagnoses).FindById(diagnosisId) is { } doc
            ? _mapper.ToObject<RunDiagnosis>(doc)
            : null, cancellationToken);

    public void Dispose()
    {
        lock (_dbGate)
        {
            if (_disposed) return;
            _disposed = true;
            // Stops the background search-index warm-up; the source is not disposed because that task may still read its token.
            _disposing.Cancel();
            _db?.Dispose();
            _db = null;
        }
    }

    // ---- Opening ----

    // Only under _dbGate.
    private LiteDatabase Database
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _db ??= Open();
        }
    }

    private LiteDatabase Open()
    {
        LiteDatabase? db = null;
        try
        {
            var folder = Path.GetDirectoryName(DatabasePath);
            if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
            db = new LiteDatabase(new ConnectionString
            {
                Filename = DatabasePath,
                Connection = ConnectionType.Shared,
                // Fixed when the file is created. LiteDB's default is the current culture, case-insensitive: ids that
                // differ only in case would collide, and culture-aware comparison slows every index insert.
                Collation = new Collation(CultureInfo.InvariantCulture.LCID, CompareOptions.Ordinal),
            }, _mapper);
            // Dates come back as UTC (LiteDB's default is local time).
            db.UtcDate = true;
            EnsureIndexes(db);
            _logger.LogDebug("Opened run database {DatabasePath}", DatabasePath);
            return db;
        }
        catch (Exception ex) when (ex is LiteException or IOException or UnauthorizedAccessException)
        {
            db?.Dispose();
            throw new StorageException($"Cannot open the database {DatabasePath}: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // A file that is not a LiteDB database fails deep in header parsing with an unrelated message.
            db?.Dispose();
            throw new StorageException($"Cannot open the database {DatabasePath}: the file is not a LiteDB database or is damaged ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    // EnsureIndex is idempotent. Summary keys are capped copies because LiteDB index keys must stay under 1,023 bytes.
    // Steps need no secondary index: their key is runId:stepId, so a run's steps are a primary-key range.
    // Every lookup made inside a write transaction must be an index seek: LiteDB 5.0.21 bounds index walks by a
    // budget computed from the file size when the transaction starts, and a full scan of a collection that grew
    // inside a large transaction fails with "Detected loop in FindAll".
    private static void EnsureIndexes(LiteDatabase db)
    {
        var summaries = db.GetCollection(StorageDocuments.Summaries);
        summaries.EnsureIndex("seq", "$.Seq");
        summaries.EnsureIndex("framework", "$.Key.Framework");
        summaries.EnsureIndex("model", "$.Key.Model");
        summaries.EnsureIndex("task_id", "$.Key.TaskId");
        summaries.EnsureIndex("task_title", "$.Key.TaskTitle");
        summaries.EnsureIndex("outcome", "$.Outcome");
        summaries.EnsureIndex("step_count", "$.StepCount");
        summaries.EnsureIndex("imported_at", "$.ImportedAtUtc");
        db.GetCollection(StorageDocuments.SearchTerms).EnsureIndex("seq", "$.Seq");
        db.GetCollection(StorageDocuments.Diagnoses).EnsureIndex("run_id", "$.RunId");
    }

    // ---- Units of work ----

    private Task<T> RunAsync<T>(Func<LiteDatabase, T> work, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            lock (_dbGate)
            {
                cancellationToken.ThrowIfCancellationRequested();
                return work(Database);
            }
        }, cancellationToken);

    private Task<T> WithCatalogAsync<T>(Func<RunCatalog, T> work, bool needTerms, CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            lock (_catalogGate)
            {
                RefreshCatalog(cancellationToken);
                if (needTerms)
                {
                    while (_catalog.HasPendingTerms) LoadTermsChunk(SearchChunkRuns, cancellationToken);
                }
                var result = work(_catalog);
                if (_options.PreloadSearchIndex && _catalog.HasPendingTerms && _warmup is not { IsCompleted: false })
                {
                    _warmup = Task.Run(WarmSearchIndexAsync, CancellationToken.None);
                }
                return result;
            }
        }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one transaction on this thread; rolls back if it throws.</summary>
    private static T InTransaction<T>(LiteDatabase db, Func<T> work)
    {
        if (!db.BeginTrans()) throw new InvalidOperationException("A database transaction is already open on this thread.");
        try
        {
            var result = work();
            db.Commit();
            return result;
        }
        catch
        {
            db.Rollback();
            throw;
        }
    }

    /// <summary>Bumps and returns the change counter; only inside a transaction, which the shared-mode mutex makes exclusive.</summary>
    private static long NextSeq(LiteDatabase db)
    {
        var meta = db.GetCollection(StorageDocuments.Meta);
        var next = ReadSeq(db) + 1;
        meta.Upsert(new BsonDocument { ["_id"] = StorageDocuments.SeqKey, ["Value"] = next });
        return next;
    }

    private static long ReadSeq(LiteDatabase db) =>
        db.GetCollection(StorageDocuments.Meta).FindById(StorageDocuments.SeqKey) is { } doc ? doc["Value"].AsInt64 : 0;

    // ---- Saving ----

    private IEnumerable<IReadOnlyList<Run>> Batches(IReadOnlyList<Run> runs)
    {
        var batch = new List<Run>();
        long chars = 0;
        foreach (var run in runs)
        {
            batch.Add(run);
            chars += TextChars(run);
            if (batch.Count >= _options.WriteBatchRuns || chars >= _options.WriteBatchMaxChars)
            {
                yield return batch;
                batch = [];
                chars = 0;
            }
        }
        if (batch.Count > 0) yield return batch;
    }

    private static long TextChars(Run run)
    {
        long chars = run.Task.Text?.Length ?? 0;
        foreach (var step in run.Steps)
        {
            chars += (step.Thought?.Length ?? 0) + (step.Reasoning?.Length ?? 0);
            foreach (var call in step.ToolCalls)
            {
                chars += (call.Observation?.Length ?? 0) + (call.Arguments?.Length ?? 0) + (call.Command?.Length ?? 0);
            }
        }
        return chars;
    }

    private void SaveBatch(IReadOnlyList<Run> batch, SaveSummary summary, CancellationToken cancellationToken)
    {
        // Documents are built before taking the lock: mapping and word extraction are the costly part, and other
        // threads and processes can use the file meanwhile.
        var prepared = new List<PreparedRun>(batch.Count);
        foreach (var run in batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                prepared.Add(Prepare(run));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                summary.Errors.Add(new SaveError(run.Id, run.Source.Path, Describe(ex)));
            }
        }
        if (prepared.Count == 0) return;

        lock (_dbGate)
        {
            var db = Database;
            try
            {
                var inserted = InTransaction(db, () =>
                {
                    var seq = NextSeq(db);
                    var results = new List<bool>(prepared.Count);
                    foreach (var run in prepared)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        results.Add(WriteRun(db, run, seq));
                    }
                    return results;
                });
                for (var i = 0; i < prepared.Count; i++) Tally(summary, prepared[i], inserted[i]);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && prepared.Count > 1)
            {
                // One bad run rolled the batch back; store the runs one by one so that it costs only itself.
                _logger.LogWarning(ex, "Saving a batch of {RunCount} runs failed; saving them one at a time", prepared.Count);
                foreach (var run in prepared)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    try
                    {
                        Tally(summary, run, InTransaction(db, () => WriteRun(db, run, NextSeq(db))));
                    }
                    catch (Exception runError) when (runError is not OperationCanceledException)
                    {
                        summary.Errors.Add(new SaveError(run.Id, run.Source, Describe(runError)));
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                summary.Errors.Add(new SaveError(prepared[0].Id, prepared[0].Source, Describe(ex)));
            }
        }
    }

    private static void Tally(SaveSummary summary, PreparedRun run, bool inserted)
    {
        if (inserted) summary.Inserted++; else summary.Updated++;
        summary.Steps += run.StepDocs.Count;
    }

    private static string Describe(Exception ex) => ex switch
    {
        LiteException lite when lite.Message.Contains("exceed", StringComparison.OrdinalIgnoreCase) =>
            "a document is larger than LiteDB allows (16 MB): " + lite.Message,
        LiteException lite => "database error: " + lite.Message,
        _ => ex.Message,
    };

    private PreparedRun Prepare(Run run)
    {
        if (StorageDocuments.DescribeBadRunId(run.Id) is { } bad) throw new ArgumentException(bad);
        var importedAt = run.ImportedAtUtc == default ? DateTime.UtcNow : run.ImportedAtUtc;
        var texts = new List<MovedText>();

        var runDoc = _mapper.ToDocument(run);
        runDoc["ImportedAtUtc"] = importedAt;
        if (runDoc.TryGetValue("Task", out var task) && task.IsDocument && MoveIfLong(task.AsDocument, "Text", run.Id, "task/text", texts))
        {
            runDoc["MovedTexts"] = new BsonArray(new BsonValue("Task.Text"));
        }

        var stepDocs = new List<BsonDocument>(run.Steps.Count);
        foreach (var step in run.Steps)
        {
            var doc = _mapper.ToDocument(step);
            var moved = new BsonArray();
            var prefix = "steps/" + step.Id + "/";
            var inline = new List<(BsonDocument Owner, string Field, string Path, string MovedAs, int Length)>();
            void Consider(BsonDocument owner, string field, string path, string movedAs)
            {
                if (!owner.TryGetValue(field, out var value) || !value.IsString) return;
                if (MoveIfLong(owner, field, run.Id, path, texts)) moved.Add(movedAs);
                else inline.Add((owner, field, path, movedAs, value.AsString.Length));
            }
            Consider(doc, "Thought", prefix + "thought", "Thought");
            Consider(doc, "Reasoning", prefix + "reasoning", "Reasoning");
            if (doc.TryGetValue("ToolCalls", out var calls) && calls.IsArray)
            {
                for (var i = 0; i < calls.AsArray.Count; i++)
                {
                    var call = calls.AsArray[i].AsDocument;
                    foreach (var field in s_callTextFields) Consider(call, field, $"{prefix}calls/{i}/{field.ToLowerInvariant()}", $"ToolCalls.{i}.{field}");
                }
            }
            // Many texts each under the limit (dozens of parallel calls) can still add up past LiteDB's 16 MB document
            // cap: move the largest out until the rest fits a budget of a few inline texts.
            long inlineChars = inline.Sum(t => (long)t.Length);
            foreach (var text in inline.OrderByDescending(t => t.Length))
            {
                if (inlineChars <= StepInlineBudgetChars) break;
                texts.Add(new MovedText(StorageDocuments.TextFileId(run.Id, text.Path), text.Owner[text.Field].AsString));
                text.Owner.Remove(text.Field);
                moved.Add(text.MovedAs);
                inlineChars -= text.Length;
            }
            var stepDoc = new BsonDocument
            {
                ["_id"] = StorageDocuments.StepKey(run.Id, step.Id),
                ["RunId"] = run.Id,
                ["StepId"] = step.Id,
                ["Step"] = doc,
            };
            if (moved.Count > 0) stepDoc["MovedTexts"] = moved;
            stepDocs.Add(stepDoc);
        }

        var summary = StorageDocuments.Summarize(run);
        summary.ImportedAtUtc = importedAt;
        return new PreparedRun
        {
            Id = run.Id,
            Source = run.Source.Path,
            RunDoc = runDoc,
            StepDocs = stepDocs,
            Texts = texts,
            Summary = summary,
            TaskFilterText = StorageDocuments.TaskFilterText(run, _options.MaxTaskFilterChars),
            Terms = string.Join(' ', SearchTerms.ForRun(run, _options.MaxSearchTermsPerRun)),
        };
    }

    private static readonly string[] s_callTextFields = ["Observation", "Arguments", "Command"];

    // Characters of text one step document may keep inline: at most 4 bytes each in UTF-8, well under LiteDB's 16 MB.
    private long StepInlineBudgetChars => Math.Min(3L * 1024 * 1024, 4L * _options.MaxInlineTextChars);

    private bool MoveIfLong(BsonDocument doc, string field, string runId, string path, List<MovedText> texts)
    {
        if (!doc.TryGetValue(field, out var value) || !value.IsString || value.AsString.Length <= _options.MaxInlineTextChars) return false;
        texts.Add(new MovedText(StorageDocuments.TextFileId(runId, path), value.AsString));
        doc.Remove(field);
        return true;
    }

    /// <summary>Writes one run, replacing its previous steps and texts. Returns true when the run was new.</summary>
    private bool WriteRun(LiteDatabase db, PreparedRun run, long seq)
    {
        var inserted = db.GetCollection(StorageDocuments.Runs).Upsert(run.RunDoc);
        DeleteSteps(db, run.Id);
        DeleteTexts(db, run.Id);
        if (run.StepDocs.Count > 0) db.GetCollection(StorageDocuments.Steps).InsertBulk(run.StepDocs);
        var storage = TextStorage(db);
        foreach (var text in run.Texts)
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text.Text), writable: false);
            storage.Upload(text.FileId, Path.GetFileName(text.FileId) + ".txt", stream);
        }

        var (hasDiagnosis, onset) = NewestDiagnosis(db, run.Id);
        run.Summary.HasDiagnosis = hasDiagnosis;
        run.Summary.OnsetStep = onset;
        db.GetCollection(StorageDocuments.Summaries).Upsert(StorageDocuments.ToSummaryDocument(run.Summary, run.TaskFilterText, seq, seq));
        db.GetCollection(StorageDocuments.SearchTerms).Upsert(new BsonDocument { ["_id"] = run.Id, ["Seq"] = seq, ["Terms"] = run.Terms });
        return inserted;
    }

    private (bool Has, int? OnsetStep) NewestDiagnosis(LiteDatabase db, string runId)
    {
        var newest = db.GetCollection(StorageDocuments.Diagnoses)
            .Find(LiteDB.Query.EQ("RunId", runId))
            .Select(d => _mapper.ToObject<RunDiagnosis>(d))
            .OrderByDescending(d => d.CreatedAtUtc)
            .ThenByDescending(d => d.Id, StringComparer.Ordinal)
            .FirstOrDefault();
        return (newest is not null, newest?.OnsetStep);
    }

    private static ILiteStorage<string> TextStorage(LiteDatabase db) =>
        db.GetStorage<string>(StorageDocuments.FilesCollection, StorageDocuments.ChunksCollection);

    // A primary-key range: no secondary index to maintain per step, and an index seek, never a scan (see EnsureIndexes).
    private static void DeleteSteps(LiteDatabase db, string runId) =>
        db.GetCollection(StorageDocuments.Steps).DeleteMany(LiteDB.Query.Between("_id", StorageDocuments.StepKey(runId, 0), StorageDocuments.StepKey(runId, int.MaxValue)));

    private static void DeleteTexts(LiteDatabase db, string runId)
    {
        var storage = TextStorage(db);
        var ids = storage.Find(LiteDB.Query.StartsWith("_id", StorageDocuments.TextFilePrefix(runId))).Select(f => f.Id).ToList();
        foreach (var id in ids) storage.Delete(id);
    }

    // ---- Reading ----

    private List<Step> ReadSteps(LiteDatabase db, string runId, int firstStepId, int count, CancellationToken cancellationToken)
    {
        var first = Math.Max(1, firstStepId);
        var last = (int)Math.Min(int.MaxValue, (long)first + count - 1);
        var docs = db.GetCollection(StorageDocuments.Steps)
            .Find(LiteDB.Query.Between("_id", StorageDocuments.StepKey(runId, first), StorageDocuments.StepKey(runId, last)))
            .ToList();
        var steps = new List<Step>(docs.Count);
        foreach (var doc in docs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = _mapper.ToObject<Step>(doc["Step"].AsDocument);
            if (doc.TryGetValue("MovedTexts", out var moved) && moved.IsArray)
            {
                foreach (var path in moved.AsArray) RestoreText(db, runId, step, path.AsString);
            }
            steps.Add(step);
        }
        steps.Sort((a, b) => a.Id.CompareTo(b.Id));
        return steps;
    }

    private static void RestoreText(LiteDatabase db, string runId, Step step, string path)
    {
        var prefix = "steps/" + step.Id + "/";
        switch (path.Split('.'))
        {
            case ["Thought"]:
                step.Thought = ReadText(db, StorageDocuments.TextFileId(runId, prefix + "thought"));
                break;
            case ["Reasoning"]:
                step.Reasoning = ReadText(db, StorageDocuments.TextFileId(runId, prefix + "reasoning"));
                break;
            case ["ToolCalls", var index, var field] when int.TryParse(index, out var i) && i < step.ToolCalls.Count:
                var text = ReadText(db, StorageDocuments.TextFileId(runId, $"{prefix}calls/{i}/{field.ToLowerInvariant()}"));
                var call = step.ToolCalls[i];
                switch (field)
                {
                    case "Observation": call.Observation = text; break;
                    case "Arguments": call.Arguments = text; break;
                    case "Command": call.Command = text; break;
                }
                break;
        }
    }

    private static string? ReadText(LiteDatabase db, string fileId)
    {
        var storage = TextStorage(db);
        if (!storage.Exists(fileId)) return null;
        using var stream = storage.OpenRead(fileId);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    // ---- The catalog ----

    // Only under _catalogGate.
    private void RefreshCatalog(CancellationToken cancellationToken)
    {
        List<BsonDocument>? changed = null;
        long version;
        lock (_dbGate)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var db = Database;
            version = ReadSeq(db);
            if (version != _catalog.LoadedSeq)
            {
                changed = db.GetCollection(StorageDocuments.Summaries).Find(LiteDB.Query.GT("Seq", _catalog.LoadedSeq)).ToList();
            }
        }
        if (changed is not null) _catalog.Apply(changed.Select(StorageDocuments.ToCatalogRecord), version);
    }

    /// <summary>
    /// Reads and indexes the words of up to <paramref name="maxRuns"/> runs that are waiting for them, each as it is
    /// read (so memory holds one run's words at a time), in one read transaction: one open of the shared file for the
    /// chunk instead of one per run. Only under _catalogGate.
    /// </summary>
    private void LoadTermsChunk(int maxRuns, CancellationToken cancellationToken)
    {
        var ids = _catalog.TakePendingTermIds(maxRuns);
        var applied = 0;
        try
        {
            if (ids.Count == 0) return;
            lock (_dbGate)
            {
                var db = Database;
                var terms = db.GetCollection(StorageDocuments.SearchTerms);
                var began = db.BeginTrans();
                try
                {
                    foreach (var id in ids)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var doc = terms.FindById(id);
                        _catalog.ApplyTerms(id, doc is not null && doc.TryGetValue("Terms", out var value) && value.IsString ? value.AsString : null);
                        applied++;
                    }
                }
                finally
                {
                    if (began) db.Rollback();
                }
            }
        }
        finally
        {
            if (applied < ids.Count) _catalog.Requeue(ids.Skip(applied));
        }
    }

    /// <summary>
    /// Fills the word index in the background after the runs list first loads, in small chunks with the lock released
    /// in between, so the first search does not wait for every run's words and page queries are not held up.
    /// </summary>
    private async Task WarmSearchIndexAsync()
    {
        try
        {
            var token = _disposing.Token;
            while (true)
            {
                lock (_catalogGate)
                {
                    if (!_catalog.HasPendingTerms) return;
                    LoadTermsChunk(WarmupChunkRuns, token);
                }
                await Task.Delay(1, token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
        {
            // The store is being disposed.
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Preloading the search index of {DatabasePath} failed; it loads at the next search instead", DatabasePath);
        }
    }

    private sealed record MovedText(string FileId, string Text);

    private sealed class PreparedRun
    {
        public required string Id { get; init; }
        public required string Source { get; init; }
        public required BsonDocument RunDoc { get; init; }
        public required List<BsonDocument> StepDocs { get; init; }
        public required List<MovedText> Texts { get; init; }
        public required RunSummary Summary { get; init; }
        public required string TaskFilterText { get; init; }
        public required string Terms { get; init; }
    }
}

/// <summary>The database could not be opened or used; the message names the file and why.</summary>
public sealed class StorageException : Exception
{
    public StorageException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
