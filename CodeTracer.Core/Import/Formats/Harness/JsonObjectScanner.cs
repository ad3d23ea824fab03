namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>
/// Finds where a JSON object ends without parsing it: counts braces and brackets outside strings. Text can be fed
/// in pieces, so an object cut across terminal chunks or lines is followed to its end.
/// </summary>
internal struct JsonObjectScanner
{
    private int _depth;
    private bool _inString;
    private bool _escape;

    /// <summary>
    /// Feeds the next piece of an object whose first character (<c>{</c>) was the first one fed. Returns the number
    /// of characters of <paramref name="text"/> up to and including the brace that closes the object, or -1 when
    /// the object is still open.
    /// </summary>
    public int Feed(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (_inString)
            {
                if (_escape) _escape = false;
                else if (c == '\\') _escape = true;
                else if (c == '"') _inString = false;
                continue;
            }
            switch (c)
            {
                case '"':
                    _inString = true;
                    break;
                case '{' or '[':
                    _depth++;
                    break;
                case '}' or ']':
                    _depth--;
                    if (_depth <= 0) return i + 1;
                    break;
            }
        }
        return -1;
    }

    /// <summary>The length of the object starting at <paramref name="text"/>[0], or -1 when it does not close.</summary>
    public static int MeasureObject(ReadOnlySpan<char> text)
    {
        var scanner = new JsonObjectScanner();
        return scanner.Feed(text);
    }
}
