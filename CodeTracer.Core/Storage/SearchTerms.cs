using CodeTracer.Core.Model;

namespace CodeTracer.Core.Storage;

/// <summary>
/// Splits text into the lower-cased words the runs list's free-text search matches on. A word is a run of letters
/// and digits; identifiers are also split at camelCase humps (<c>TypeError</c> gives <c>typeerror</c>, <c>type</c>,
/// <c>error</c>) so a search finds parts of names. Underscores, dots, slashes and dashes separate words.
/// </summary>
internal static class SearchTerms
{
    public const int MinTermLength = 2;

    /// <summary>Longer "words" are hashes, base64 or minified code: nobody searches for them, and they bloat the index.</summary>
    public const int MaxTermLength = 40;

    /// <summary>
    /// The distinct terms of a run, task first, then thoughts and commands, then observations, so that when the cap
    /// is reached what is dropped is the tail of the noisiest text.
    /// </summary>
    public static List<string> ForRun(Run run, int maxTerms)
    {
        var collector = new Collector(maxTerms);
        collector.Add(run.Task.Id);
        collector.Add(run.Task.Title);
        collector.Add(run.Task.Text);
        collector.Add(run.Model);
        foreach (var step in run.Steps)
        {
            if (collector.IsFull) break;
            collector.Add(step.Thought);
            collector.Add(step.Reasoning);
            foreach (var call in step.ToolCalls)
            {
                collector.Add(call.Tool);
                collector.Add(call.Command);
                collector.Add(call.Arguments);
            }
        }
        foreach (var step in run.Steps)
        {
            if (collector.IsFull) break;
            foreach (var call in step.ToolCalls) collector.Add(call.Observation);
        }
        return collector.Terms;
    }

    /// <summary>The words of a search query: whole words only (no camelCase parts), so <c>TypeError</c> stays precise.</summary>
    public static List<string> ForQuery(string query)
    {
        var terms = new List<string>();
        Split(query, splitCamelCase: false, term =>
        {
            var word = term.ToString();
            if (!terms.Contains(word)) terms.Add(word);
            return true;
        });
        return terms;
    }

    /// <summary>Receives one lower-cased term; returns false to stop splitting.</summary>
    internal delegate bool TermSink(ReadOnlySpan<char> term);

    /// <summary>
    /// Calls <paramref name="emit"/> with every lower-cased term in <paramref name="text"/> until it returns false.
    /// Terms are handed over as spans of a reused buffer, so a word seen before costs no allocation.
    /// </summary>
    internal static void Split(ReadOnlySpan<char> text, bool splitCamelCase, TermSink emit)
    {
        Span<char> lowered = stackalloc char[MaxTermLength];
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !IsWordChar(text[i])) i++;
            var start = i;
            while (i < text.Length && IsWordChar(text[i])) i++;
            if (i == start) continue;
            var word = text[start..i];
            if (word.Length > MaxTermLength || LooksLikeHash(word)) continue;
            if (word.Length >= MinTermLength && !emit(Lower(word, lowered))) return;
            if (splitCamelCase && HasHumps(word) && !EmitHumps(word, lowered, emit)) return;
        }
    }

    // Most text is ASCII; the general Unicode test is only needed past it.
    private static bool IsWordChar(char c) => c < 128 ? char.IsAsciiLetterOrDigit(c) : char.IsLetterOrDigit(c);

    // Most words are plain lower-case: only words with an inner capital or a letter/digit switch have parts.
    private static bool HasHumps(ReadOnlySpan<char> word)
    {
        for (var j = 1; j < word.Length; j++)
        {
            var c = word[j];
            if (c < 128 ? char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) != char.IsAsciiDigit(word[j - 1]) : char.IsUpper(c) || char.IsDigit(c) != char.IsDigit(word[j - 1])) return true;
        }
        return false;
    }

    private static ReadOnlySpan<char> Lower(ReadOnlySpan<char> word, Span<char> buffer)
    {
        var written = word.ToLowerInvariant(buffer);
        return buffer[..written];
    }

    private static bool EmitHumps(ReadOnlySpan<char> word, Span<char> lowered, TermSink emit)
    {
        var partStart = 0;
        var parts = 0;
        for (var j = 1; j <= word.Length; j++)
        {
            var boundary = j == word.Length
                || (char.IsUpper(word[j]) && char.IsLower(word[j - 1]))
                || (char.IsUpper(word[j]) && j + 1 < word.Length && char.IsLower(word[j + 1]) && char.IsUpper(word[j - 1]))
                || (char.IsDigit(word[j]) != char.IsDigit(word[j - 1]));
            if (!boundary) continue;
            if (j == word.Length && parts == 0) return true; // one part only: the whole word was already emitted
            var part = word[partStart..j];
            parts++;
            if (part.Length >= MinTermLength && !emit(Lower(part, lowered))) return false;
            partStart = j;
        }
        return true;
    }

    // Commit ids, SHA-256s and UUID pieces: long runs of hex that hold a digit.
    private static bool LooksLikeHash(ReadOnlySpan<char> word)
    {
        if (word.Length < 16) return false;
        var digits = 0;
        foreach (var c in word)
        {
            if (!char.IsAsciiHexDigit(c)) return false;
            if (char.IsAsciiDigit(c)) digits++;
        }
        return digits > 0;
    }

    private sealed class Collector
    {
        private readonly int _maxTerms;
        private readonly HashSet<string> _seen;
        private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly TermSink _sink;

        public Collector(int maxTerms)
        {
            _maxTerms = maxTerms;
            // Sized up front: most runs reach hundreds or thousands of words, and rehashing as it grows costs more than the words.
            var capacity = Math.Min(maxTerms, 4096);
            _seen = new HashSet<string>(capacity, StringComparer.Ordinal);
            _lookup = _seen.GetAlternateLookup<ReadOnlySpan<char>>();
            _sink = Take;
            Terms = new List<string>(capacity);
        }

        public List<string> Terms { get; }

        public bool IsFull => Terms.Count >= _maxTerms;

        public void Add(string? text)
        {
            if (string.IsNullOrEmpty(text) || IsFull) return;
            Split(text, splitCamelCase: true, _sink);
        }

        private bool Take(ReadOnlySpan<char> term)
        {
            if (!_lookup.Contains(term))
            {
                var word = term.ToString();
                _seen.Add(word);
                Terms.Add(word);
            }
            return !IsFull;
        }
    }
}
