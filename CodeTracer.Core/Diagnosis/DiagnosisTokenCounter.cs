using Microsoft.ML.Tokenizers;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// Counts tokens the way GPT-4o-class models do (o200k_base), offline. Text is counted in pieces of at most
/// <see cref="ChunkChars"/> characters cut at line or space boundaries, because the tokenizer's pre-tokenizer is
/// quadratic on long runs of one character class (64,000 spaces take seconds); the boundaries shift the total by a
/// few tokens, which is fine for budgets and comparisons.
/// </summary>
public sealed class DiagnosisTokenCounter
{
    /// <summary>Largest piece counted at once.</summary>
    public const int ChunkChars = 2_000;

    /// <summary>Tokens the chat format adds around each message (role, separators).</summary>
    public const int PerMessageOverhead = 4;

    private static readonly Lazy<Tokenizer> s_tokenizer = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public int Count(string? text)
    {
        if (string.IsNullOrEmpty(text)) return 0;
        var tokenizer = s_tokenizer.Value;
        var total = 0;
        var position = 0;
        while (position < text.Length)
        {
            var length = Math.Min(ChunkChars, text.Length - position);
            if (position + length < text.Length)
            {
                // Prefer to cut after a newline, else after a space, in the second half of the piece.
                var window = text.AsSpan(position, length);
                var cut = window.LastIndexOf('\n');
                if (cut < ChunkChars / 2) cut = window.LastIndexOf(' ');
                if (cut >= ChunkChars / 2) length = cut + 1;
                else if (char.IsHighSurrogate(text[position + length - 1])) length--;
            }
            total += tokenizer.CountTokens(text.AsSpan(position, length));
            position += length;
        }
        return total;
    }

    /// <summary>Tokens of a chat request's messages: each message's text plus the per-message overhead.</summary>
    public int CountMessages(IEnumerable<string> messages) => messages.Sum(m => Count(m) + PerMessageOverhead);
}
