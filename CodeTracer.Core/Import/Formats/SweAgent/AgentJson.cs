using System.Text;
using System.Text.Json;

namespace CodeTracer.Core.Import.Formats.SweAgent;

/// <summary>JSON readers shared by the SWE-agent and mini-SWE-agent importers (both write OpenAI-style chat messages).</summary>
internal static class AgentJson
{
    /// <summary>
    /// The text of a chat <c>content</c> field: a plain string, or the concatenated <c>text</c> parts of a
    /// multimodal parts array (<c>[{"type":"text","text":"..."}]</c>). Null when there is no text.
    /// </summary>
    public static string? ContentText(JsonElement message, string property = "content")
    {
        if (message.Prop(property) is not { } content) return null;
        switch (content.ValueKind)
        {
            case JsonValueKind.String:
                return content.GetString();
            case JsonValueKind.Array:
                StringBuilder? text = null;
                foreach (var part in content.EnumerateArray())
                {
                    var piece = part.ValueKind == JsonValueKind.String ? part.GetString() : part.Str("text");
                    if (piece is null) continue;
                    text ??= new StringBuilder();
                    if (text.Length > 0) text.Append('\n');
                    text.Append(piece);
                }
                return text?.ToString();
            default:
                return null;
        }
    }

    /// <summary>Unix seconds (float, as Python's <c>time.time()</c> writes them) to UTC; null when absent or absurd.</summary>
    public static DateTime? UnixSeconds(double? seconds)
    {
        // Before 2000 or after 2100 is not a real timestamp of an agent run.
        if (seconds is not { } s || double.IsNaN(s) || s < 946_684_800 || s > 4_102_444_800) return null;
        // Whole seconds and the fraction apart: s * 10^7 is past double's exact integers and would lose ticks.
        var whole = Math.Floor(s);
        return DateTime.UnixEpoch.AddTicks((long)whole * TimeSpan.TicksPerSecond + (long)Math.Round((s - whole) * TimeSpan.TicksPerSecond));
    }

    /// <summary>The JSON kind in words, for shape errors ("found a string").</summary>
    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>
    /// The array at <c>$.{property}</c> of the root object, or an <see cref="ImportException"/> naming the path and what
    /// was found instead. A file whose root is not an object fails at <c>$</c>.
    /// </summary>
    public static JsonElement RequireArray(JsonElement root, string property, string path, string what)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ImportException(path, "$", $"expected a JSON object holding {what}, found {Describe(root.ValueKind)}");
        }
        if (!root.TryGetProperty(property, out var value))
        {
            throw new ImportException(path, "$." + property, $"missing: expected {what}");
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ImportException(path, "$." + property, $"expected {what}, found {Describe(value.ValueKind)}");
        }
        return value;
    }

    /// <summary>Reads the last bytes of a file as text (for keys that JSON writers put at the end, after huge fields).</summary>
    public static string ReadTail(string path, int bytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var start = Math.Max(0, stream.Length - bytes);
            stream.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - start];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
