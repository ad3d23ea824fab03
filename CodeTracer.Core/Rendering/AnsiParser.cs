using System.Buffers;
using System.Globalization;

namespace CodeTracer.Core.Rendering;

/// <summary>One line of terminal output after escape codes and carriage-return redraws were applied.</summary>
public sealed class TerminalLine
{
    /// <summary>1-based line number in the whole output.</summary>
    public required int Number { get; init; }

    public required IReadOnlyList<StyledSegment> Segments { get; init; }

    /// <summary>Characters left out because the line was longer than <see cref="TerminalParseOptions.MaxLineChars"/>.</summary>
    public int TruncatedChars { get; init; }

    public string PlainText => Segments.Count switch
    {
        0 => "",
        1 => Segments[0].Text,
        _ => string.Concat(Segments.Select(s => s.Text)),
    };
}

/// <summary>Terminal output split into lines, possibly folded to its first and last lines.</summary>
public sealed class TerminalText
{
    public static TerminalText Empty { get; } = new() { Head = [], Tail = [], TotalLines = 0 };

    /// <summary>The first lines (all of them when not folded).</summary>
    public required IReadOnlyList<TerminalLine> Head { get; init; }

    /// <summary>The last lines, after the omitted middle; empty when not folded.</summary>
    public required IReadOnlyList<TerminalLine> Tail { get; init; }

    public required int TotalLines { get; init; }

    public int OmittedLines => TotalLines - Head.Count - Tail.Count;

    public bool IsFolded => OmittedLines > 0;

    public IEnumerable<TerminalLine> ShownLines => Head.Concat(Tail);
}

/// <summary>How much of an output to turn into styled lines.</summary>
public sealed record TerminalParseOptions
{
    public static TerminalParseOptions All { get; } = new();

    /// <summary>Lines kept from the start when the output is folded.</summary>
    public int HeadLines { get; init; } = int.MaxValue;

    /// <summary>Lines kept from the end when the output is folded.</summary>
    public int TailLines { get; init; }

    /// <summary>Characters kept per line; the rest is counted in <see cref="TerminalLine.TruncatedChars"/>.</summary>
    public int MaxLineChars { get; init; } = int.MaxValue;
}

/// <summary>
/// Turns raw terminal output (ANSI SGR colours, cursor and OSC codes, <c>\r</c> progress redraws, backspaces) into
/// plain styled text, the way a terminal would have shown it. No escape or control character survives: the result
/// is safe to put into HTML as escaped text.
/// </summary>
public static class AnsiParser
{
    private const char Esc = '\u001b';
    private const char Bel = '\u0007';

    // An OSC/DCS string with no terminator within this many characters is treated as noise, not as swallowing the rest.
    private const int MaxStringSequence = 4096;

    private static readonly SearchValues<char> s_lineOrEscape = SearchValues.Create("\n\u001b");

    /// <summary>Parses <paramref name="text"/>; when it has more lines than head + tail, only those are built.</summary>
    public static TerminalText Parse(string? text, TerminalParseOptions? options = null)
    {
        options ??= TerminalParseOptions.All;
        if (string.IsNullOrEmpty(text)) return TerminalText.Empty;

        var total = CountLines(text);
        var head = Math.Max(0, options.HeadLines);
        var tail = Math.Max(0, options.TailLines);
        var folded = (long)head + tail < total;
        if (!folded)
        {
            head = total;
            tail = 0;
        }

        var headLines = new List<TerminalLine>(Math.Min(head, 1024));
        var tailLines = new List<TerminalLine>(Math.Min(tail, 1024));
        var state = new SgrState();
        var buffer = new LineBuffer(options.MaxLineChars);
        var lineIndex = 0;
        var materialize = ShouldBuild(0);

        bool ShouldBuild(int index) => index < head || index >= total - tail;

        void FinishLine()
        {
            if (materialize)
            {
                var line = buffer.ToLine(lineIndex + 1);
                if (lineIndex < head) headLines.Add(line); else tailLines.Add(line);
            }
            buffer.Clear();
            lineIndex++;
            materialize = ShouldBuild(lineIndex);
        }

        var i = 0;
        while (i < text.Length)
        {
            if (!materialize)
            {
                // Skipped lines only matter for the colour state they leave behind: jump between newlines and escapes.
                var next = text.AsSpan(i).IndexOfAny(s_lineOrEscape);
                if (next < 0) break;
                i += next;
            }

            var c = text[i];
            switch (c)
            {
                case '\n':
                    FinishLine();
                    i++;
                    break;
                case '\r':
                    if (i + 1 >= text.Length || text[i + 1] != '\n') buffer.CarriageReturn();
                    i++;
                    break;
                case '\b':
                    buffer.Backspace();
                    i++;
                    break;
                case '\t':
                    if (materialize) buffer.Tab(state.Style);
                    i++;
                    break;
                case Esc:
                    i = ParseEscape(text, i, ref state, buffer);
                    break;
                default:
                    if (c >= ' ' && c != '\u007f' && (c < '\u0080' || c > '\u009f'))
                    {
                        if (materialize) buffer.Write(c, state.Style);
                    }
                    i++;
                    break;
            }
        }

        if (lineIndex < total) FinishLine();
        return new TerminalText { Head = headLines, Tail = tailLines, TotalLines = total };
    }

    /// <summary>The output as a terminal would show it, without styles: lines joined by <c>\n</c>.</summary>
    public static string ToPlainText(string? text) =>
        string.Join('\n', Parse(text).Head.Select(l => l.PlainText));

    /// <summary>Lines as the parser counts them: a final newline does not start an empty last line.</summary>
    public static int CountLines(string text)
    {
        if (text.Length == 0) return 0;
        var count = text.AsSpan().Count('\n');
        return text[^1] == '\n' ? count : count + 1;
    }

    private static int ParseEscape(string text, int start, ref SgrState state, LineBuffer buffer)
    {
        var length = text.Length;
        if (start + 1 >= length) return length;
        var kind = text[start + 1];
        switch (kind)
        {
            case '[':
                {
                    var j = start + 2;
                    var paramStart = j;
                    while (j < length && text[j] >= '0' && text[j] <= '?') j++;
                    var paramEnd = j;
                    while (j < length && text[j] >= ' ' && text[j] <= '/') j++;
                    if (j >= length) return length;
                    var final = text[j];
                    if (final < '@' || final > '~')
                    {
                        // Malformed: drop what was read and go on with the offending character as text.
                        return j;
                    }
                    var parameters = text.AsSpan(paramStart, paramEnd - paramStart);
                    var isPrivate = parameters.Length > 0 && parameters[0] is '?' or '>' or '<' or '=';
                    if (!isPrivate) ApplyCsi(final, parameters, ref state, buffer);
                    return j + 1;
                }
            case ']':
            case 'P':
            case 'X':
            case '^':
            case '_':
                {
                    var limit = Math.Min(length, start + 2 + MaxStringSequence);
                    for (var j = start + 2; j < limit; j++)
                    {
                        if (text[j] == Bel) return j + 1;
                        if (text[j] == Esc) return j + 1 < length && text[j + 1] == '\\' ? j + 2 : j;
                        if (text[j] == '\n') return j;
                    }
                    return limit == length ? length : start + 2;
                }
            case '(':
            case ')':
            case '*':
            case '+':
            case '-':
            case '.':
            case '/':
            case '#':
            case '%':
                return Math.Min(start + 3, length);
            default:
                return start + 2;
        }
    }

    private static void ApplyCsi(char final, ReadOnlySpan<char> parameters, ref SgrState state, LineBuffer buffer)
    {
        switch (final)
        {
            case 'm':
                ApplySgr(parameters, ref state);
                break;
            case 'K':
                switch (FirstNumber(parameters, 0))
                {
                    case 0: buffer.EraseToEnd(); break;
                    case 1: buffer.EraseToCursor(); break;
                    case 2: buffer.EraseLine(); break;
                }
                break;
            case 'G':
                buffer.MoveTo(Math.Max(1, FirstNumber(parameters, 1)) - 1);
                break;
            case 'C':
                buffer.MoveBy(Math.Max(1, FirstNumber(parameters, 1)));
                break;
            case 'D':
                buffer.MoveBy(-Math.Max(1, FirstNumber(parameters, 1)));
                break;
            default:
                // Cursor up/down, screen erase, scrolling: nothing a line-by-line transcript can honour.
                break;
        }
    }

    private static int FirstNumber(ReadOnlySpan<char> parameters, int fallback)
    {
        var end = parameters.IndexOfAny(';', ':');
        var first = end < 0 ? parameters : parameters[..end];
        return first.Length > 0 && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;
    }

    private static void ApplySgr(ReadOnlySpan<char> parameters, ref SgrState state)
    {
        Span<int> values = stackalloc int[32];
        // True when the value was joined to the one before by ':' (ITU sub-parameters, as in 38:2::r:g:b).
        Span<bool> joined = stackalloc bool[32];
        var count = 0;
        if (parameters.Length == 0)
        {
            values[count++] = 0;
        }
        else
        {
            foreach (var range in parameters.SplitAny(';', ':'))
            {
                if (count == values.Length) break;
                var part = parameters[range];
                joined[count] = range.Start.Value > 0 && parameters[range.Start.Value - 1] == ':';
                values[count++] = part.Length == 0 ? 0
                    : int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, 100_000) : -1;
            }
        }

        for (var k = 0; k < count; k++)
        {
            var v = values[k];
            switch (v)
            {
                case 0: state = default; break;
                case 1: state.Flags |= AnsiFlags.Bold; break;
                case 2: state.Flags |= AnsiFlags.Dim; break;
                case 3: state.Flags |= AnsiFlags.Italic; break;
                case 4: state.Flags |= AnsiFlags.Underline; break;
                case 7: state.Flags |= AnsiFlags.Inverse; break;
                case 9: state.Flags |= AnsiFlags.Strike; break;
                case 21:
                case 22: state.Flags &= ~(AnsiFlags.Bold | AnsiFlags.Dim); break;
                case 23: state.Flags &= ~AnsiFlags.Italic; break;
                case 24: state.Flags &= ~AnsiFlags.Underline; break;
                case 27: state.Flags &= ~AnsiFlags.Inverse; break;
                case 29: state.Flags &= ~AnsiFlags.Strike; break;
                case >= 30 and <= 37: state.Foreground = AnsiColor.Palette(v - 30); break;
                case 39: state.Foreground = default; break;
                case >= 40 and <= 47: state.Background = AnsiColor.Palette(v - 40); break;
                case 49: state.Background = default; break;
                case >= 90 and <= 97: state.Foreground = AnsiColor.Palette(v - 90 + 8); break;
                case >= 100 and <= 107: state.Background = AnsiColor.Palette(v - 100 + 8); break;
                case 38:
                case 48:
                    {
                        var color = default(AnsiColor);
                        var group = 0;
                        while (k + group + 1 < count && joined[k + group + 1]) group++;
                        if (group > 0)
                        {
                            // Colon form: 38:5:n, 38:2:r:g:b or 38:2:<colour space>:r:g:b.
                            if (values[k + 1] == 5 && group >= 2) color = AnsiColor.Palette(values[k + 2]);
                            else if (values[k + 1] == 2 && group >= 4) color = AnsiColor.Rgb(values[k + group - 2], values[k + group - 1], values[k + group]);
                            k += group;
                        }
                        else if (k + 2 < count && values[k + 1] == 5)
                        {
                            color = AnsiColor.Palette(values[k + 2]);
                            k += 2;
                        }
                        else if (k + 4 < count && values[k + 1] == 2)
                        {
                            color = AnsiColor.Rgb(values[k + 2], values[k + 3], values[k + 4]);
                            k += 4;
                        }
                        else
                        {
                            k = count;
                        }
                        if (color.IsSet)
                        {
                            if (v == 38) state.Foreground = color; else state.Background = color;
                        }
                        break;
                    }
                default:
                    break;
            }
        }
    }

    private struct SgrState
    {
        public AnsiColor Foreground;
        public AnsiColor Background;
        public AnsiFlags Flags;

        public readonly AnsiStyle Style => new(Foreground, Background, Flags);
    }

    /// <summary>One line being drawn: characters with their styles, and a cursor that <c>\r</c> and CSI codes move.</summary>
    private sealed class LineBuffer(int maxChars)
    {
        private char[] _chars = new char[128];
        private AnsiStyle[] _styles = new AnsiStyle[128];
        private int _length;
        private int _cursor;
        private int _dropped;

        public void Write(char c, AnsiStyle style)
        {
            if (_cursor >= maxChars)
            {
                if (_cursor >= _length) _dropped++;
                _cursor++;
                return;
            }
            EnsureCapacity(_cursor + 1);
            while (_length < _cursor)
            {
                _chars[_length] = ' ';
                _styles[_length] = default;
                _length++;
            }
            _chars[_cursor] = c;
            _styles[_cursor] = style;
            _cursor++;
            if (_cursor > _length) _length = _cursor;
        }

        public void Tab(AnsiStyle style)
        {
            var next = ((_cursor / 8) + 1) * 8;
            while (_cursor < next) Write(' ', style);
        }

        public void CarriageReturn() => _cursor = 0;

        public void Backspace() => _cursor = Math.Max(0, _cursor - 1);

        public void MoveTo(int column) => _cursor = Math.Max(0, column);

        public void MoveBy(int delta) => _cursor = Math.Max(0, _cursor + delta);

        public void EraseToEnd()
        {
            if (_cursor < _length) _length = _cursor;
            if (_cursor <= maxChars) _dropped = 0;
        }

        public void EraseToCursor()
        {
            var end = Math.Min(_cursor + 1, _length);
            for (var k = 0; k < end; k++)
            {
                _chars[k] = ' ';
                _styles[k] = default;
            }
        }

        public void EraseLine()
        {
            _length = 0;
            _dropped = 0;
        }

        public void Clear()
        {
            _length = 0;
            _cursor = 0;
            _dropped = 0;
        }

        public TerminalLine ToLine(int number)
        {
            var segments = new List<StyledSegment>();
            var start = 0;
            for (var k = 1; k <= _length; k++)
            {
                if (k == _length || _styles[k] != _styles[start])
                {
                    segments.Add(new StyledSegment(new string(_chars, start, k - start), _styles[start]));
                    start = k;
                }
            }
            return new TerminalLine { Number = number, Segments = segments, TruncatedChars = _dropped };
        }

        private void EnsureCapacity(int needed)
        {
            if (needed <= _chars.Length) return;
            var size = Math.Max(needed, _chars.Length * 2);
            Array.Resize(ref _chars, size);
            Array.Resize(ref _styles, size);
        }
    }
}
