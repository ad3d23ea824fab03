using System.Text.Json;
using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Import.Formats.OpenHands;
using CodeTracer.Core.Import.Formats.Terminus2;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>
/// CodeTracer's normalized <c>steps.json</c> often carries no command, only the raw artifact the step came from
/// (the importer keeps it as the action): a mini-SWE-agent assistant message, an OpenHands event, a Terminus
/// response. To classify such a step, the action inside is read back out with the agents' own parsers.
/// </summary>
internal static class RawActionDecoder
{
    /// <summary>The calls inside a raw artifact; an empty list when it holds no action; null when it is not a raw artifact.</summary>
    public static List<ToolCall>? Decode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var trimmed = text.AsSpan().Trim().TrimEnd(',');
        // A mini-SWE-agent message: its content holds the fenced command.
        if (trimmed.Length > 0 && trimmed[0] == '{' && !trimmed.Contains("\"tool_calls\"", StringComparison.Ordinal)
            && StringValue(trimmed, "\"role\"") == "assistant")
        {
            return StringValue(trimmed, "\"content\"") is { } messageText ? FromFences(messageText) : [];
        }
        // A Terminus response: its "commands" array, read without the analysis and plan around it.
        if (FastTerminus(text) is { } terminus) return terminus;
        // OpenHands events repeat the whole model response; read only the action's own fields rather than all of it.
        if (trimmed.Length > 0 && trimmed[0] == '{' && OpenHandsV0Action(trimmed) is { } openHands) return openHands;
        // Parse only a whole object: a slice of a chat log cut mid-way would only throw.
        if (trimmed.Length > 0 && trimmed[0] == '{' && trimmed[^1] == '}' && JsonObjectScanner.MeasureObject(trimmed) == trimmed.Length
            && !LooksLikeTerminus(trimmed) && TryParse(trimmed.ToString()) is { } document)
        {
            using (document)
            {
                var root = document.RootElement;
                if (root.Str("role") == "assistant") return FromMiniMessage(root);
                if (root.Str("action") is { } action) return FromOpenHandsV0(root, action);
                if (root.Str("kind") == "ActionEvent") return FromOpenHandsV1(root);
            }
        }
        // A slice of a chat log that does not parse on its own: read the assistant's "content" string out of it.
        if (ContentLiteral(text) is { } content) return FromFences(content);
        if (text.Contains("```bash", StringComparison.Ordinal)) return FromFences(text);
        if (TerminusResponseParser.Parse(text) is { } response)
        {
            var calls = response.Commands
                .Select(c => new ToolCall { Tool = "keystrokes", Command = c.Keystrokes.TrimEnd('\n'), Arguments = c.ArgumentsJson })
                .ToList();
            if (response.TaskComplete) calls.Add(new ToolCall { Tool = "mark_task_complete" });
            return calls;
        }
        // A piece of JSON that none of the above can read holds no action we can trust; reading it as shell would be noise.
        return trimmed.Length > 0 && trimmed[0] is '{' or '"' or '[' ? [] : null;
    }

    private static List<ToolCall>? FastTerminus(string text)
    {
        var key = text.IndexOf("\"commands\"", StringComparison.Ordinal);
        if (key < 0) return null;
        var open = text.IndexOf('[', key);
        if (open < 0) return null;
        // Read exactly one JSON value from the array's start; whatever follows it is left alone.
        var rest = text.AsSpan(open);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(rest.Length));
        JsonDocument document;
        try
        {
            var length = System.Text.Encoding.UTF8.GetBytes(rest, buffer);
            var reader = new Utf8JsonReader(buffer.AsSpan(0, length), new JsonReaderOptions { AllowTrailingCommas = true, MaxDepth = 64 });
            // ParseValue copies what it keeps, so the rented buffer can go back right away.
            if (!JsonDocument.TryParseValue(ref reader, out var parsed) || parsed is null) return null;
            document = parsed;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) return null;
            var calls = new List<ToolCall>();
            foreach (var command in document.RootElement.EnumerateArray())
            {
                var keys = command.ValueKind == JsonValueKind.Object ? command.Str("keystrokes") : command.ValueKind == JsonValueKind.String ? command.GetString() : null;
                if (keys is null) continue;
                calls.Add(new ToolCall { Tool = "keystrokes", Command = keys.TrimEnd('\n') });
            }
            var complete = text.IndexOf("\"task_complete\"", StringComparison.Ordinal) is var at and >= 0
                && text.AsSpan(at + 15).TrimStart().TrimStart(':').TrimStart().StartsWith("true", StringComparison.Ordinal);
            if (complete) calls.Add(new ToolCall { Tool = "mark_task_complete" });
            return calls;
        }
    }

    /// <summary>A V0 event's action from its <c>"action"</c>, <c>"args"</c> and <c>"function_name"</c> fields, found without parsing the rest.</summary>
    private static List<ToolCall>? OpenHandsV0Action(ReadOnlySpan<char> text)
    {
        var action = StringValue(text, "\"action\"");
        if (action is null) return null;
        var argsKey = text.IndexOf("\"args\"", StringComparison.Ordinal);
        if (argsKey < 0) return null;
        var open = text[argsKey..].IndexOf('{');
        if (open < 0) return null;
        var argsText = text[(argsKey + open)..];
        var length = JsonObjectScanner.MeasureObject(argsText);
        if (length <= 0) return null;
        using var args = TryParse(argsText[..length].ToString());
        if (args is null) return null;
        var tool = StringValue(text, "\"function_name\"") ?? action;
        return [new ToolCall { Tool = tool, Command = V0EventReader.RenderCommand(action, args.RootElement), Arguments = args.RootElement.GetRawText() }];
    }

    /// <summary>The string value of the first <c>"key": "value"</c> pair in JSON text (null when the value is not a string).</summary>
    private static string? StringValue(ReadOnlySpan<char> text, string key)
    {
        var at = text.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return null;
        var i = at + key.Length;
        while (i < text.Length && text[i] is ' ' or ':' or '\t' or '\r' or '\n') i++;
        if (i >= text.Length || text[i] != '"') return null;
        var end = i + 1;
        while (end < text.Length && text[end] != '"')
        {
            end += text[end] == '\\' ? 2 : 1;
        }
        if (end >= text.Length) return null;
        try
        {
            return JsonSerializer.Deserialize<string>(text[i..(end + 1)]);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A Terminus response object: read by the Terminus parser, not twice.</summary>
    private static bool LooksLikeTerminus(ReadOnlySpan<char> text)
    {
        var head = text[..Math.Min(text.Length, 400)];
        return head.Contains("\"analysis\"", StringComparison.Ordinal) || head.Contains("\"state_analysis\"", StringComparison.Ordinal)
            || head.Contains("\"commands\"", StringComparison.Ordinal);
    }

    /// <summary>The decoded value of the first <c>"content": "..."</c> string in a JSON fragment.</summary>
    private static string? ContentLiteral(string text) => StringValue(text, "\"content\"");

    private static JsonDocument? TryParse(string json)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, MaxDepth = 256 });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static List<ToolCall> FromMiniMessage(JsonElement message)
    {
        var calls = new List<ToolCall>();
        foreach (var call in message.Items("tool_calls"))
        {
            var function = call.Prop("function");
            var arguments = function?.Prop("arguments");
            var json = arguments is { ValueKind: JsonValueKind.String } s ? s.GetString() : arguments?.GetRawText();
            calls.Add(new ToolCall { Tool = function?.Str("name") ?? "bash", Arguments = json });
        }
        if (calls.Count > 0) return calls;
        return message.Str("content") is { } content ? FromFences(content) : [];
    }

    private static List<ToolCall> FromFences(string text)
    {
        var calls = new List<ToolCall>();
        var at = 0;
        while ((at = text.IndexOf("```bash", at, StringComparison.Ordinal)) >= 0)
        {
            var start = text.IndexOf('\n', at);
            if (start < 0) break;
            var end = text.IndexOf("```", start + 1, StringComparison.Ordinal);
            if (end < 0) break;
            calls.Add(new ToolCall { Tool = "bash", Command = text[(start + 1)..end].Trim() });
            at = end + 3;
        }
        return calls;
    }

    private static List<ToolCall> FromOpenHandsV0(JsonElement ev, string action)
    {
        if (ev.Prop("args") is not { ValueKind: JsonValueKind.Object } args) return [new ToolCall { Tool = action }];
        var tool = ev.Prop("tool_call_metadata")?.Str("function_name") ?? action;
        return [new ToolCall { Tool = tool, Command = V0EventReader.RenderCommand(action, args), Arguments = args.GetRawText() }];
    }

    private static List<ToolCall> FromOpenHandsV1(JsonElement ev)
    {
        var action = ev.Prop("action");
        var kind = action?.Str("kind");
        var tool = ev.Str("tool_name") ?? kind ?? "unknown";
        return [new ToolCall { Tool = tool, Command = action is { } a ? V1EventReader.RenderCommand(kind, a) : null, Arguments = action?.GetRawText() }];
    }
}
