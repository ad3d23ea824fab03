using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>Small readers for the OpenHands JSON shapes that are shared by every importer in this folder.</summary>
internal static partial class OpenHandsJson
{
    /// <summary>
    /// OpenHands writes naive ISO timestamps (<c>2025-04-30T16:32:57.821635</c>) without an offset. They are read as
    /// UTC: the writer's zone is unknown, and reading them as local time would shift runs by the viewer's offset.
    /// </summary>
    public static DateTime? Timestamp(JsonElement element, string property = "timestamp")
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        // The ISO 8601 reader on the element is fast and allocation-free; other spellings go through the general parser.
        if (value.TryGetDateTime(out var parsed))
        {
            return parsed.Kind switch
            {
                DateTimeKind.Unspecified => DateTime.SpecifyKind(parsed, DateTimeKind.Utc),
                DateTimeKind.Local => parsed.ToUniversalTime(),
                _ => parsed,
            };
        }
        return DateTime.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var general)
            ? general
            : null;
    }

    /// <summary>
    /// The model named by an LLM config, which eval metadata keeps either as an object or as a Python repr string
    /// (<c>"{'model': 'openai/x', 'api_key': '**********', ...}"</c>) that JSON cannot read.
    /// </summary>
    public static string? ModelFromConfig(JsonElement? config)
    {
        if (config is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Object) return NonEmpty(value.Str("model"));
        if (value.ValueKind != JsonValueKind.String) return null;
        var text = value.GetString();
        if (string.IsNullOrEmpty(text)) return null;
        var match = ReprModel().Match(text);
        return match.Success ? NonEmpty(match.Groups["model"].Value) : null;
    }

    /// <summary>Text of a content value that is either a string or a list of <c>{"type":"text","text":...}</c> parts.</summary>
    public static string? ContentText(JsonElement? content)
    {
        if (content is not { } value) return null;
        if (value.ValueKind == JsonValueKind.String) return value.GetString();
        if (value.ValueKind == JsonValueKind.Object) return value.Str("text");
        if (value.ValueKind != JsonValueKind.Array) return null;
        string? single = null;
        StringBuilder? joined = null;
        foreach (var part in value.EnumerateArray())
        {
            var text = part.ValueKind == JsonValueKind.String ? part.GetString() : part.Str("text");
            if (string.IsNullOrEmpty(text)) continue;
            if (single is null)
            {
                single = text;
                continue;
            }
            joined ??= new StringBuilder(single);
            joined.Append("\n\n").Append(text);
        }
        return joined?.ToString() ?? single;
    }

    public static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>An integer property that may be written as a number or as a numeric string.</summary>
    public static int? Int(JsonElement element, string property)
    {
        if (element.Prop(property) is not { } value) return null;
        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt32(out var n)) return n;
            if (value.TryGetDouble(out var d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
            return null;
        }
        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : null;
    }

    /// <summary>The first line of a possibly long message, cut to <paramref name="max"/> characters, for one-line fields.</summary>
    public static string FirstLine(string text, int max = 300)
    {
        var span = text.AsSpan().Trim();
        var newline = span.IndexOfAny('\r', '\n');
        if (newline >= 0) span = span[..newline].TrimEnd();
        return span.Length > max ? string.Concat(span[..(max - 3)], "...") : span.ToString();
    }

    [GeneratedRegex("""['"]model['"]\s*:\s*['"](?<model>[^'"]+)['"]""", RegexOptions.CultureInvariant)]
    private static partial Regex ReprModel();
}
