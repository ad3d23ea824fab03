using CodeTracer.Core.Model;

namespace CodeTracer.Core.Storage;

/// <summary>
/// The runs list held in memory: one small summary per run plus an inverted index of the words in each run, so that
/// filtering, sorting, paging, facets and free-text search take microseconds to a few milliseconds however the
/// database is queried. It mirrors the database's <c>summaries</c> and <c>search_terms</c> collections and is brought
/// up to date from them by change sequence number, so runs written by another process (the command line importing
/// while the server runs) show up at the next query. Not thread-safe: the store serializes access.
/// </summary>
internal sealed class RunCatalog
{
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);

    // Ordinal -> entry; null when that ordinal's run was deleted or re-indexed (its postings are then stale).
    private readonly List<Entry?> _byOrdinal = [];
    private readonly TermIndex _terms = new();
    private readonly Queue<Entry> _pendingQueue = new();
    private int _deadOrdinals;
    private int _pendingTerms;

    /// <summary>The highest change sequence number applied.</summary>
    public long LoadedSeq { get; private set; }

    public int Count => _byId.Count;

    /// <summary>Applies changed summary documents (read in one go after reading <paramref name="version"/>).</summary>
    public void Apply(IEnumerable<CatalogRecord> records, long version)
    {
        foreach (var record in records)
        {
            if (record.Seq > LoadedSeq) LoadedSeq = record.Seq;
            if (_byId.TryGetValue(record.Id, out var entry))
            {
                if (record.Deleted)
                {
                    _byId.Remove(record.Id);
                    Retire(entry);
                    continue;
                }
                if (entry.TermsSeq != record.TermsSeq)
                {
                    // The run was saved again: its words may differ, so it gets a fresh ordinal and is indexed anew.
                    Retire(entry);
                    Enroll(entry);
                    entry.TermsSeq = record.TermsSeq;
                }
                entry.Summary = record.Summary;
                entry.TaskFilterText = record.TaskFilterText;
            }
            else if (!record.Deleted)
            {
                entry = new Entry { Summary = record.Summary, TaskFilterText = record.TaskFilterText, TermsSeq = record.TermsSeq };
                _byId.Add(record.Id, entry);
                Enroll(entry);
            }
        }
        // The documents were read after the version, so they hold at least everything up to it.
        if (version > LoadedSeq) LoadedSeq = version;
        CompactIfMostlyStale();
    }

    /// <summary>True while some runs' words are not in the index yet.</summary>
    public bool HasPendingTerms => _pendingTerms > 0;

    /// <summary>
    /// Takes up to <paramref name="max"/> ids of runs whose words are not indexed yet off the queue. Ids that are then
    /// not applied (the read failed or was cancelled) must be handed back with <see cref="Requeue"/>.
    /// </summary>
    public List<string> TakePendingTermIds(int max)
    {
        var ids = new List<string>(Math.Min(max, _pendingTerms));
        while (ids.Count < max && _pendingQueue.TryDequeue(out var entry))
        {
            entry.Queued = false;
            // Runs deleted or indexed since they were queued are dropped; a re-saved run was queued again.
            if (!entry.TermsLoaded && _byId.TryGetValue(entry.Summary.Id, out var current) && ReferenceEquals(current, entry)) ids.Add(entry.Summary.Id);
        }
        return ids;
    }

    public void Requeue(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            if (_byId.TryGetValue(id, out var entry) && !entry.TermsLoaded && !entry.Queued)
            {
                entry.Queued = true;
                _pendingQueue.Enqueue(entry);
            }
        }
    }

    /// <summary>
    /// Indexes one run's words (space-separated, as stored), or none when <paramref name="terms"/> is null: terms are
    /// written in the same transaction as their summary and read after it, so a missing document means no words.
    /// </summary>
    public void ApplyTerms(string id, string? terms)
    {
        if (!_byId.TryGetValue(id, out var entry) || entry.TermsLoaded) return;
        if (terms is not null) _terms.Add(entry.Ordinal, terms);
        entry.TermsLoaded = true;
        _pendingTerms--;
    }

    public PagedResult<RunSummary> Query(RunQuery query)
    {
        IEnumerable<Entry> entries = _byId.Values;
        if (!string.IsNullOrEmpty(query.Framework)) entries = entries.Where(e => string.Equals(e.Summary.Framework, query.Framework, StringComparison.Ordinal));
        if (!string.IsNullOrEmpty(query.Model)) entries = entries.Where(e => string.Equals(e.Summary.Model, query.Model, StringComparison.Ordinal));
        if (query.Outcome is { } outcome) entries = entries.Where(e => e.Summary.Outcome == outcome);
        if (query.MinSteps is { } min) entries = entries.Where(e => e.Summary.StepCount >= min);
        if (query.MaxSteps is { } max) entries = entries.Where(e => e.Summary.StepCount <= max);
        if (query.HasDiagnosis is { } has) entries = entries.Where(e => e.Summary.HasDiagnosis == has);
        if (!string.IsNullOrWhiteSpace(query.TaskText))
        {
            var needle = query.TaskText.Trim().ToLowerInvariant();
            entries = entries.Where(e => e.TaskFilterText.Contains(needle, StringComparison.Ordinal));
        }
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var words = SearchTerms.ForQuery(query.Text);
            if (words.Count > 0)
            {
                var hits = _terms.Match(words, _byOrdinal.Count);
                entries = entries.Where(e => hits[e.Ordinal] == words.Count);
            }
        }

        var matched = entries.Select(e => e.Summary).ToList();
        matched.Sort(Comparer(query.SortBy, query.Descending));
        var skip = Math.Max(0, query.Skip);
        var take = Math.Clamp(query.Take, 0, 10_000);
        var page = matched.Skip(skip).Take(take).Select(s => s.Clone()).ToList();
        return new PagedResult<RunSummary> { Items = page, TotalCount = matched.Count };
    }

    public RunFacets Facets()
    {
        var facets = new RunFacets { TotalRuns = _byId.Count };
        foreach (var entry in _byId.Values)
        {
            var summary = entry.Summary;
            facets.Frameworks[summary.Framework] = facets.Frameworks.GetValueOrDefault(summary.Framework) + 1;
            if (!string.IsNullOrEmpty(summary.Model)) facets.Models[summary.Model] = facets.Models.GetValueOrDefault(summary.Model) + 1;
            facets.Outcomes[summary.Outcome] = facets.Outcomes.GetValueOrDefault(summary.Outcome) + 1;
        }
        return facets;
    }

    private void Enroll(Entry entry)
    {
        entry.Ordinal = _byOrdinal.Count;
        entry.TermsLoaded = false;
        _byOrdinal.Add(entry);
        _pendingTerms++;
        if (!entry.Queued)
        {
            entry.Queued = true;
            _pendingQueue.Enqueue(entry);
        }
    }

    private void Retire(Entry entry)
    {
        _byOrdinal[entry.Ordinal] = null;
        _deadOrdinals++;
        if (!entry.TermsLoaded) _pendingTerms--;
        entry.TermsLoaded = true;
    }

    // Re-saved and deleted runs leave stale postings behind; once they outnumber the live ones, start the index over
    // (the words are reloaded from the database at the next search).
    private void CompactIfMostlyStale()
    {
        if (_deadOrdinals < 1024 || _deadOrdinals < _byId.Count) return;
        _terms.Clear();
        _byOrdinal.Clear();
        _deadOrdinals = 0;
        _pendingTerms = 0;
        _pendingQueue.Clear();
        foreach (var entry in _byId.Values)
        {
            entry.Queued = false;
            Enroll(entry);
        }
    }

    private static Comparison<RunSummary> Comparer(RunSortField field, bool descending)
    {
        Comparison<RunSummary> byKey = field switch
        {
            RunSortField.Task => (a, b) => string.Compare(a.TaskTitle, b.TaskTitle, StringComparison.OrdinalIgnoreCase),
            RunSortField.Framework => (a, b) => string.Compare(a.Framework, b.Framework, StringComparison.Ordinal),
            RunSortField.Model => (a, b) => string.Compare(a.Model ?? "", b.Model ?? "", StringComparison.OrdinalIgnoreCase),
            RunSortField.Outcome => (a, b) => a.Outcome.CompareTo(b.Outcome),
            RunSortField.Steps => (a, b) => a.StepCount.CompareTo(b.StepCount),
            RunSortField.Tokens => (a, b) => (a.TotalTokens ?? -1).CompareTo(b.TotalTokens ?? -1),
            RunSortField.Cost => (a, b) => (a.CostUsd ?? -1).CompareTo(b.CostUsd ?? -1),
            RunSortField.Duration => (a, b) => (a.DurationSeconds ?? -1).CompareTo(b.DurationSeconds ?? -1),
            _ => (a, b) => a.ImportedAtUtc.CompareTo(b.ImportedAtUtc),
        };
        // Ties break on the id, always ascending, so pages never overlap or skip a run.
        return (a, b) =>
        {
            var order = byKey(a, b);
            if (descending) order = -order;
            return order != 0 ? order : string.CompareOrdinal(a.Id, b.Id);
        };
    }

    private sealed class Entry
    {
        public required RunSummary Summary { get; set; }
        public required string TaskFilterText { get; set; }
        public long TermsSeq { get; set; }
        public int Ordinal { get; set; }
        public bool TermsLoaded { get; set; }

        /// <summary>In the pending queue (at most once).</summary>
        public bool Queued { get; set; }
    }

    /// <summary>Word to the ordinals of the runs holding it, with a sorted word list for prefix lookups.</summary>
    private sealed class TermIndex
    {
        // Word -> term number; postings are parallel arrays by term number (no object per word: vocabularies reach
        // hundreds of thousands of words).
        private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private int[][] _postings = new int[1024][];
        private int[] _counts = new int[1024];
        private string[] _sorted = [];

        // Words added since _sorted was built; merged in at the next prefix lookup, so a run saved while the server
        // runs costs a merge of its few new words, not a re-sort of the whole vocabulary.
        private readonly List<string> _unsorted = [];

        public TermIndex()
        {
            _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        /// <summary>Adds a run's words, given space-separated as they are stored.</summary>
        public void Add(int ordinal, string terms)
        {
            var span = terms.AsSpan();
            foreach (var range in span.Split(' '))
            {
                var term = span[range];
                if (term.IsEmpty) continue;
                if (!_lookup.TryGetValue(term, out var id))
                {
                    var word = term.ToString();
                    id = _ids.Count;
                    _ids.Add(word, id);
                    _unsorted.Add(word);
                    if (id == _postings.Length)
                    {
                        Array.Resize(ref _postings, id * 2);
                        Array.Resize(ref _counts, id * 2);
                    }
                    _postings[id] = new int[2];
                }
                var list = _postings[id];
                var count = _counts[id];
                if (count == list.Length) _postings[id] = list = GrowTo(list, count * 2);
                list[count] = ordinal;
                _counts[id] = count + 1;
            }
        }

        private static int[] GrowTo(int[] list, int size)
        {
            var grown = new int[size];
            list.CopyTo(grown, 0);
            return grown;
        }

        public void Clear()
        {
            _ids.Clear();
            _postings = new int[1024][];
            _counts = new int[1024];
            _sorted = [];
            _unsorted.Clear();
        }

        /// <summary>
        /// For each ordinal, how many of the query words (in order) it matched: a run matches the whole query when the
        /// count equals the number of words. Words of three or more characters match as prefixes; shorter ones exactly,
        /// since a one- or two-letter prefix matches most of the vocabulary.
        /// </summary>
        public int[] Match(IReadOnlyList<string> words, int ordinals)
        {
            var hits = new int[ordinals];
            for (var w = 0; w < words.Count; w++)
            {
                foreach (var term in Expand(words[w]))
                {
                    var id = _ids[term];
                    var list = _postings[id];
                    for (var i = 0; i < _counts[id]; i++)
                    {
                        if (hits[list[i]] == w) hits[list[i]] = w + 1;
                    }
                }
            }
            return hits;
        }

        private IEnumerable<string> Expand(string word)
        {
            if (word.Length < 3)
            {
                if (_ids.ContainsKey(word)) yield return word;
                yield break;
            }
            MergeNewTerms();
            var i = LowerBound(_sorted, word);
            for (; i < _sorted.Length && _sorted[i].StartsWith(word, StringComparison.Ordinal); i++) yield return _sorted[i];
        }

        private void MergeNewTerms()
        {
            if (_unsorted.Count == 0) return;
            _unsorted.Sort(StringComparer.Ordinal);
            var merged = new string[_sorted.Length + _unsorted.Count];
            int a = 0, b = 0, m = 0;
            while (a < _sorted.Length && b < _unsorted.Count)
            {
                merged[m++] = string.CompareOrdinal(_sorted[a], _unsorted[b]) <= 0 ? _sorted[a++] : _unsorted[b++];
            }
            while (a < _sorted.Length) merged[m++] = _sorted[a++];
            while (b < _unsorted.Count) merged[m++] = _unsorted[b++];
            _sorted = merged;
            _unsorted.Clear();
        }

        private static int LowerBound(string[] sorted, string value)
        {
            int lo = 0, hi = sorted.Length;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                if (string.CompareOrdinal(sorted[mid], value) < 0) lo = mid + 1; else hi = mid;
            }
            return lo;
        }
    }
}

/// <summary>One run's row of the catalog as stored in the <c>summaries</c> collection.</summary>
internal sealed class CatalogRecord
{
    public required string Id { get; init; }
    public long Seq { get; init; }
    public long TermsSeq { get; init; }
    public bool Deleted { get; init; }
    public RunSummary Summary { get; init; } = new();

    /// <summary>Lower-cased task id, title and the start of the text, for the task filter.</summary>
    public string TaskFilterText { get; init; } = "";
}
