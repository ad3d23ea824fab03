using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

/// <summary>One stream-json event recovered from terminal output, with the recording lines it spans.</summary>
internal readonly record struct RecoveredEvent(string Json, int FirstLine, int LastLine, double Time);

/// <summary>
/// Picks Claude Code's stream-json events (<c>{"type":...}</c> lines) out of clean terminal lines. Handles what the
/// Terminal-Bench recordings do to them: an event cut across output chunks, and the SDK's debug logging
/// (<c>[log_8cb9e0] sending request {</c> ... <c>}</c>, <c>response 200 ... Headers {</c> ... <c>} ReadableStream {...}</c>)
/// written to the same terminal, between events or even in the middle of one.
/// </summary>
internal sealed partial class StreamJsonLineExtractor
{
    private const string EventStart = "{\"type\":";

    // An event interrupted by other output and never completed must not swallow the rest of the recording.
    private const int MaxPendingLines = 5000;

    private readonly List<RecoveredEvent> _events = [];
    private readonly string _file;
    private StringBuilder? _pending;
    private JsonObjectScanner _scanner;
    private int _pendingFirstLine;
    private int _pendingLines;
    private double _pendingTime;
    private bool _inDebugBlock;
    private int _abandoned;
    private int _firstAbandonedLine;

    public StreamJsonLineExtractor(string file)
    {
        _file = file;
    }

    public IReadOnlyList<RecoveredEvent> Events => _events;

    /// <summary>Debug log lines the SDK writes: <c>[log_abc123] ...</c> and <c>response 200 http... Headers {</c>.</summary>
    [GeneratedRegex(@"^(\[log_[0-9A-Za-z]+\] |response \d{3} )", RegexOptions.CultureInvariant)]
    private static partial Regex DebugLineStart();

    /// <summary>The same marker glued onto the end of a partial event (the log was written in the middle of the event's line).</summary>
    [GeneratedRegex(@"\[log_[0-9A-Za-z]+\] ", RegexOptions.CultureInvariant | RegexOptions.RightToLeft)]
    private static partial Regex GluedDebugMarker();

    // Most lines are progress output; only two first characters can start a debug line.
    private static bool IsDebugLine(string text) => text.Length > 0 && text[0] is '[' or 'r' && DebugLineStart().IsMatch(text);

    public void Add(TerminalLine line)
    {
        var text = line.Text;
        if (_inDebugBlock)
        {
            // Debug objects are printed with their closing brace at the start of a line; inner lines are indented.
            if (text.StartsWith('}')) _inDebugBlock = false;
            return;
        }

        if (_pending is not null)
        {
            if (text.StartsWith(EventStart, StringComparison.Ordinal))
            {
                // A new event begins, so the pending one will never be completed.
                Abandon();
            }
            else if (IsDebugLine(text))
            {
                _inDebugBlock = text.AsSpan().TrimEnd().EndsWith("{", StringComparison.Ordinal);
                return;
            }
            else
            {
                Continue(text, line);
                return;
            }
        }

        Scan(text, line);
    }

    /// <summary>Ends the stream; an event still open is reported.</summary>
    public void Finish(List<ImportWarning> warnings)
    {
        if (_pending is not null) Abandon();
        if (_abandoned > 0)
        {
            warnings.Add(new ImportWarning
            {
                Code = "stream-json-incomplete",
                Message = string.Create(CultureInfo.InvariantCulture, $"{_abandoned} stream-json event(s) in the recording never close (cut off by other output or by the end of the recording) and were skipped"),
                File = _file,
                Location = string.Create(CultureInfo.InvariantCulture, $"line {_firstAbandonedLine}"),
            });
        }
    }

    private void Scan(string text, TerminalLine line)
    {
        var start = text.IndexOf(EventStart, StringComparison.Ordinal);
        if (start < 0)
        {
            if (IsDebugLine(text)) _inDebugBlock = text.AsSpan().TrimEnd().EndsWith("{", StringComparison.Ordinal);
            return;
        }

        _scanner = new JsonObjectScanner();
        var length = _scanner.Feed(text.AsSpan(start));
        if (length >= 0)
        {
            _events.Add(new RecoveredEvent(text.Substring(start, length), line.FirstTag, line.LastTag, line.Time));
            var rest = text[(start + length)..];
            if (rest.Contains(EventStart, StringComparison.Ordinal)) Scan(rest, line);
            return;
        }

        _pending = new StringBuilder();
        _pendingFirstLine = line.FirstTag;
        _pendingTime = line.Time;
        _pendingLines = 1;
        AppendPartial(text.AsSpan(start));
    }

    private void Continue(string text, TerminalLine line)
    {
        var pending = _pending!;
        var length = _scanner.Feed(text);
        if (length >= 0)
        {
            pending.Append(text, 0, length);
            _events.Add(new RecoveredEvent(pending.ToString(), _pendingFirstLine, line.LastTag, _pendingTime));
            _pending = null;
            var rest = text[length..];
            if (rest.Contains(EventStart, StringComparison.Ordinal)) Scan(rest, line);
            return;
        }

        if (++_pendingLines > MaxPendingLines)
        {
            Abandon();
            return;
        }
        // The scanner has consumed this piece; rebuild its state from the kept text when a glued log is cut off.
        var before = pending.Length;
        pending.Append(text);
        TrimGluedDebug(before);
    }

    /// <summary>Starts the pending text with a piece that ended at a line break before the event closed.</summary>
    private void AppendPartial(ReadOnlySpan<char> piece)
    {
        _pending!.Append(piece);
        TrimGluedDebug(0);
    }

    /// <summary>
    /// When a debug log was written into the middle of the event's line, its first line is glued onto the event's
    /// text: cut it off (and skip the rest of its block), then re-scan what remains so the scanner state is right.
    /// </summary>
    private void TrimGluedDebug(int searchFrom)
    {
        var pending = _pending!;
        var tail = pending.ToString(searchFrom, pending.Length - searchFrom);
        var marker = GluedDebugMarker().Match(tail);
        if (!marker.Success) return;
        _inDebugBlock = tail.AsSpan().TrimEnd().EndsWith("{", StringComparison.Ordinal);
        pending.Length = searchFrom + marker.Index;
        _scanner = new JsonObjectScanner();
        foreach (var chunk in pending.GetChunks()) _scanner.Feed(chunk.Span);
    }

    private void Abandon()
    {
        if (_abandoned++ == 0) _firstAbandonedLine = _pendingFirstLine;
        _pending = null;
    }
}
