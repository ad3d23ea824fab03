namespace CodeTracer.Core.Rendering;

/// <summary>A piece of text and whether it matched the search.</summary>
public readonly record struct HighlightPart(string Text, bool IsMatch);

/// <summary>Splits text around case-insensitive occurrences of a query, for wrapping the matches in <c>mark</c>.</summary>
public static class TextHighlight
{
    /// <summary>Most matches marked in one text; the rest stays plain so a one-letter query cannot explode a page.</summary>
    public const int MaxMatches = 500;

    public static IReadOnlyList<HighlightPart> Split(string? text, string? query)
    {
        if (string.IsNullOrEmpty(text)) return [];
        if (string.IsNullOrEmpty(query)) return [new HighlightPart(text, false)];

        var parts = new List<HighlightPart>();
        var start = 0;
        var matches = 0;
        while (start < text.Length && matches < MaxMatches)
        {
            var index = text.IndexOf(query, start, StringComparison.OrdinalIgnoreCase);
            if (index < 0) break;
            if (index > start) parts.Add(new HighlightPart(text[start..index], false));
            parts.Add(new HighlightPart(text.Substring(index, query.Length), true));
            start = index + query.Length;
            matches++;
        }
        if (start < text.Length) parts.Add(new HighlightPart(text[start..], false));
        return parts;
    }

    public static bool Contains(string? text, string? query) =>
        !string.IsNullOrEmpty(text) && !string.IsNullOrEmpty(query) && text.Contains(query, StringComparison.OrdinalIgnoreCase);
}
