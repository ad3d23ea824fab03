using System.Buffers;
using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>The header of an asciicast recording.</summary>
internal sealed class AsciicastHeader
{
    public int Version { get; init; }

    /// <summary>Unix time (seconds) when recording started, when the header has it.</summary>
    public long? Timestamp { get; init; }

    /// <summary>The absolute time of an event <paramref name="seconds"/> into the recording.</summary>
    public DateTime? TimeOf(double seconds) =>
        Timestamp is { } start ? DateTime.UnixEpoch.AddSeconds(start).AddSeconds(seconds) : null;
}

/// <summary>
/// Reads an asciinema recording (asciicast v2, and v3 whose event times are intervals) and turns its output
/// events into clean terminal lines, each tagged with the recording lines it came from.
/// </summary>
/// <remarks>
/// The file is read once and each event's data goes straight into a <see cref="TerminalLineDecoder"/>: nothing
/// concatenates the whole output, so a multi-megabyte cast costs one pass.
/// </remarks>
internal static class AsciicastReader
{
    private static readonly SearchValues<char> s_lineBreaks = SearchValues.Create("\r\n");

    /// <summary>
    /// Reads <paramref name="path"/> and calls <paramref name="onLine"/> for every line of output. Lines of the file
    /// that are not events are counted into one warning. Throws <see cref="ImportException"/> when the file is not
    /// an asciicast at all.
    /// </summary>
    public static AsciicastHeader Read(
        string path, ImportContext context, Action<TerminalLine> onLine, List<ImportWarning> warnings, CancellationToken cancellationToken)
    {
        var bytes = JsonInput.ReadAllBytesChecked(path, context);
        AsciicastHeader? header = null;
        var decoder = new TerminalLineDecoder(onLine);
        var badLines = 0;
        var firstBadLine = 0;
        var clock = 0.0;

        foreach (var (lineNumber, line) in JsonInput.SplitLines(bytes))
        {
            if (header is null)
            {
                header = ReadHeader(path, lineNumber, line, context);
                continue;
            }
            if ((lineNumber & 0x3FF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (!TryReadEvent(line.Span, out var time, out var code, out var data))
            {
                if (badLines++ == 0) firstBadLine = lineNumber;
                continue;
            }
            // v3 gives the interval since the previous event; v2 the time since the start.
            clock = header.Version >= 3 ? clock + time : time;
            if (code == "o") decoder.Write(data, lineNumber, clock);
        }
        decoder.Flush();

        if (header is null) throw new ImportException(path, null, "the recording is empty: it has no asciicast header");
        if (badLines > 0)
        {
            warnings.Add(new ImportWarning
            {
                Code = "cast-lines-skipped",
                Message = string.Create(CultureInfo.InvariantCulture, $"{badLines} line(s) of the recording are not [time, code, data] events and were skipped"),
                File = path,
                Location = string.Create(CultureInfo.InvariantCulture, $"line {firstBadLine}"),
            });
        }
        return header;
    }

    /// <summary>True when the head of a file looks like an asciicast v2/v3 header.</summary>
    public static bool LooksLikeHeader(ReadOnlySpan<char> head)
    {
        var end = head.IndexOfAny(s_lineBreaks);
        var first = end >= 0 ? head[..end] : head;
        return first.StartsWith("{\"version\"", StringComparison.Ordinal)
            && (first.Contains("\"width\"", StringComparison.Ordinal) || first.Contains("\"term\"", StringComparison.Ordinal));
    }

    private static AsciicastHeader ReadHeader(string path, int lineNumber, ReadOnlyMemory<byte> line, ImportContext context)
    {
        using var document = JsonInput.ParseBytes(line, path, lineNumber - 1, context);
        var root = document.RootElement;
        var version = root.Long("version");
        if (root.ValueKind != JsonValueKind.Object || version is null)
        {
            throw new ImportException(path, $"line {lineNumber}", "not an asciicast recording: the first line has no \"version\"");
        }
        if (version is < 2 or > 3)
        {
            throw new ImportException(path, $"line {lineNumber}",
                $"asciicast version {version} is not supported (versions 2 and 3 are); convert it with `asciinema convert`");
        }
        return new AsciicastHeader { Version = (int)version, Timestamp = root.Long("timestamp") };
    }

    /// <summary>Reads <c>[time, "o", "data"]</c> without building a document per event.</summary>
    private static bool TryReadEvent(ReadOnlySpan<byte> line, out double time, out string code, out string data)
    {
        time = 0;
        code = "";
        data = "";
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return false;
            if (!reader.Read() || reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out time)) return false;
            if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
            code = reader.GetString() ?? "";
            if (!reader.Read() || reader.TokenType != JsonTokenType.String) return false;
            data = reader.GetString() ?? "";
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on text that is not valid UTF-16 after unescaping (a lone surrogate split by the terminal).
            return false;
        }
    }
}
