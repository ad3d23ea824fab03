using System.Text.Json;

namespace CodeTracer.Core.Import;

/// <summary>Parses JSON files and lines with the import limits, turning parser failures into clear <see cref="ImportException"/>s.</summary>
public static class JsonInput
{
    public static JsonDocumentOptions DocumentOptions(ImportContext context) => new()
    {
        MaxDepth = context.Options.MaxJsonDepth,
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads and parses a whole JSON file. Throws <see cref="ImportException"/> naming the line and byte on failure.</summary>
    public static JsonDocument ParseFile(string path, ImportContext context)
    {
        var bytes = ReadAllBytesChecked(path, context);
        return ParseBytes(bytes, path, lineOffset: 0, context);
    }

    /// <summary>Reads a file's bytes, refusing files over the size limit and binary content.</summary>
    public static byte[] ReadAllBytesChecked(string path, ImportContext context)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new ImportException(path, null, "file not found");
        if (info.Length == 0) throw new ImportException(path, null, "the file is empty");
        if (info.Length > context.Options.MaxFileBytes)
        {
            throw new ImportException(path, null, $"the file is {info.Length:N0} bytes, over the {context.Options.MaxFileBytes:N0}-byte limit (Import:MaxFileBytes)");
        }
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImportException(path, null, $"cannot read the file: {ex.Message}", ex);
        }
        var nul = Array.IndexOf(bytes, (byte)0);
        if (nul >= 0)
        {
            throw new ImportException(path, $"byte {nul}", "the file holds a NUL byte: it is binary, not a JSON or text trajectory");
        }
        RunImportService.RememberHash(context, path, bytes);
        return bytes;
    }

    /// <summary>Parses JSON bytes; <paramref name="lineOffset"/> is added to reported line numbers (for JSONL lines).</summary>
    public static JsonDocument ParseBytes(ReadOnlyMemory<byte> bytes, string path, int lineOffset, ImportContext context)
    {
        // Editors on Windows write a UTF-8 byte order mark; the parser rejects it, so skip it.
        if (bytes.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            return JsonDocument.Parse(bytes, DocumentOptions(context));
        }
        catch (JsonException ex)
        {
            throw new ImportException(path, DescribeLocation(ex, lineOffset), DescribeJsonError(ex), ex);
        }
    }

    public static string DescribeLocation(JsonException ex, int lineOffset = 0)
    {
        var line = (ex.LineNumber ?? 0) + 1 + lineOffset;
        var column = (ex.BytePositionInLine ?? 0) + 1;
        return $"line {line}, byte {column}";
    }

    /// <summary>The parser's message without its own position suffix, since the location is reported apart.</summary>
    public static string DescribeJsonError(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) message = message[..cut];
        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return "invalid JSON: nested too deeply (" + message.TrimEnd('.') + "; see Import:MaxJsonDepth)";
        }
        if (message.Contains("end of data", StringComparison.OrdinalIgnoreCase) || message.Contains("incomplete", StringComparison.OrdinalIgnoreCase))
        {
            return "invalid JSON: the file ends early (truncated?): " + message;
        }
        return "invalid JSON: " + message;
    }

    /// <summary>Splits a JSONL file into (1-based line number, bytes) for non-blank lines.</summary>
    public static IEnumerable<(int LineNumber, ReadOnlyMemory<byte> Line)> SplitLines(byte[] bytes)
    {
        var lineNumber = 0;
        var start = 0;
        while (start <= bytes.Length)
        {
            lineNumber++;
            var rel = Array.IndexOf(bytes, (byte)'\n', start);
            var end = rel < 0 ? bytes.Length : rel;
            var line = new ReadOnlyMemory<byte>(bytes, start, end - start);
            var span = line.Span.Trim((byte)'\r').Trim((byte)' ').Trim((byte)'\t');
            if (!span.IsEmpty) yield return (lineNumber, line);
            if (rel < 0) break;
            start = rel + 1;
        }
    }

    // ---- Small readers over JsonElement that never throw on the wrong shape ----

    public static string? Str(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => null,
            }
            : null;

    public static JsonElement? Prop(this JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public static long? Long(this JsonElement element, string property) =>
        element.Prop(property) is { } v && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n
        : element.Prop(property) is { } d && d.ValueKind == JsonValueKind.Number && d.TryGetDouble(out var x) ? (long)x
        : null;

    public static double? Double(this JsonElement element, string property) =>
        element.Prop(property) is { } v && v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var n) ? n : null;

    public static bool? Bool(this JsonElement element, string property) =>
        element.Prop(property) is { } v ? v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null } : null;

    public static IEnumerable<JsonElement> Items(this JsonElement element, string property) =>
        element.Prop(property) is { ValueKind: JsonValueKind.Array } v ? v.EnumerateArray() : [];
}
