using System.Buffers;
using System.Text;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>One line of terminal output with its escapes removed, and where in the recording it came from.</summary>
/// <param name="Text">The printable text of the line (no ANSI sequences, no CR or LF).</param>
/// <param name="FirstTag">Tag (e.g. the recording's line number) of the chunk holding the line's first character.</param>
/// <param name="LastTag">Tag of the chunk that ended the line.</param>
/// <param name="Time">Time of the chunk holding the line's first character (seconds from the recording's start).</param>
internal readonly record struct TerminalLine(string Text, int FirstTag, int LastTag, double Time);

/// <summary>
/// Turns a stream of raw terminal output chunks into clean lines: ANSI CSI, OSC, DCS and charset sequences are
/// dropped (also when a sequence is split across chunks), CR LF and lone CR end a line, other control bytes are dropped.
/// </summary>
/// <remarks>
/// The decoder keeps only the line being built, so a multi-megabyte recording is decoded in one pass without
/// concatenating its chunks. A lone CR (a progress bar redrawing itself) ends the line like LF does: what follows
/// would overwrite it on a screen, and no JSON text ever holds a raw CR.
/// </remarks>
internal sealed class TerminalLineDecoder
{
    // An OSC / DCS string that never sees its terminator would swallow everything after it; real ones are short.
    private const int MaxEscapeStringLength = 8192;

    // Everything that is not plain text: C0 controls (ESC, CR, LF, TAB ...) and DEL.
    private static readonly SearchValues<char> s_special = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Select(c => (char)c)) + "\u007f");

    private enum State
    {
        Text,
        Escape,
        EscapeCharset,
        Csi,
        EscapeString,
        EscapeStringEscape,
    }

    private readonly StringBuilder _line = new();
    private readonly Action<TerminalLine> _onLine;
    private State _state;
    private bool _pendingCr;
    private int _escapeStringLength;
    private int _lineFirstTag = -1;
    private double _lineTime;
    private int _tag;
    private double _time;

    public TerminalLineDecoder(Action<TerminalLine> onLine)
    {
        _onLine = onLine;
    }

    /// <summary>Feeds one chunk of output. <paramref name="tag"/> and <paramref name="time"/> are reported with the lines it touches.</summary>
    public void Write(ReadOnlySpan<char> chunk, int tag, double time)
    {
        _tag = tag;
        _time = time;
        while (!chunk.IsEmpty)
        {
            if (_state == State.Text && !_pendingCr)
            {
                // Most output is plain text: copy runs of it at once instead of a character at a time.
                var special = chunk.IndexOfAny(s_special);
                var plain = special < 0 ? chunk : chunk[..special];
                if (!plain.IsEmpty)
                {
                    if (_lineFirstTag < 0)
                    {
                        _lineFirstTag = _tag;
                        _lineTime = _time;
                    }
                    _line.Append(plain);
                }
                if (special < 0) return;
                chunk = chunk[special..];
            }
            Consume(chunk[0]);
            chunk = chunk[1..];
        }
    }

    /// <summary>Emits the last line when the output did not end with a newline.</summary>
    public void Flush()
    {
        if (_pendingCr)
        {
            _pendingCr = false;
            EmitLine();
        }
        if (_line.Length > 0) EmitLine();
        _state = State.Text;
    }

    private void Consume(char c)
    {
        if (_pendingCr)
        {
            _pendingCr = false;
            EmitLine();
            if (c == '\n') return;
        }

        switch (_state)
        {
            case State.Text:
                ConsumeText(c);
                break;
            case State.Escape:
                ConsumeEscape(c);
                break;
            case State.EscapeCharset:
                _state = State.Text;
                break;
            case State.Csi:
                if (c is >= '\u0040' and <= '\u007e')
                {
                    _state = State.Text;
                }
                else if (c is < '\u0020' or > '\u003f')
                {
                    // Not a CSI byte: the sequence was cut off; read the character as text.
                    _state = State.Text;
                    ConsumeText(c);
                }
                break;
            case State.EscapeString:
                if (c == '\u0007')
                {
                    _state = State.Text;
                }
                else if (c == '\u001b')
                {
                    _state = State.EscapeStringEscape;
                }
                else if (c == '\n' || ++_escapeStringLength > MaxEscapeStringLength)
                {
                    _state = State.Text;
                    ConsumeText(c);
                }
                break;
            case State.EscapeStringEscape:
                _state = State.Text;
                if (c != '\\') ConsumeEscape(c);
                break;
        }
    }

    private void ConsumeText(char c)
    {
        switch (c)
        {
            case '\u001b':
                _state = State.Escape;
                return;
            case '\r':
                _pendingCr = true;
                return;
            case '\n':
                EmitLine();
                return;
            case '\t':
                break;
            case < '\u0020' or '\u007f':
                return;
        }
        if (_lineFirstTag < 0)
        {
            _lineFirstTag = _tag;
            _lineTime = _time;
        }
        _line.Append(c);
    }

    private void ConsumeEscape(char c)
    {
        switch (c)
        {
            case '[':
                _state = State.Csi;
                break;
            case ']' or 'P' or 'X' or '^' or '_':
                _state = State.EscapeString;
                _escapeStringLength = 0;
                break;
            case '(' or ')' or '*' or '+' or '-' or '.' or '/' or '#' or '%':
                _state = State.EscapeCharset;
                break;
            case '\u001b':
                _state = State.Escape;
                break;
            default:
                // Two-character sequences (ESC =, ESC >, ESC 7, ESC M ...) end here.
                _state = State.Text;
                break;
        }
    }

    private void EmitLine()
    {
        var first = _lineFirstTag >= 0 ? _lineFirstTag : _tag;
        var time = _lineFirstTag >= 0 ? _lineTime : _time;
        _onLine(new TerminalLine(_line.ToString(), first, _tag, time));
        _line.Clear();
        _lineFirstTag = -1;
    }
}
