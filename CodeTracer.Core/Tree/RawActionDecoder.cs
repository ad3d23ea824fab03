using System.Text.Json;
using CodeTracer.Core.Import;
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
        if (trimmed.Length > 0 && trimmed[0] == '{' && TryParse(trimmed.ToString()) is { } document)
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

    /// <summary>The decoded value of the first <c>"content": "..."</c> string in a JSON fragment.</summary>
    private static string? ContentLiteral(string text)
    {
        var key = text.IndexOf("\"content\"", StringComparison.Ordinal);
        if (key < 0) return null;
        var i = key + 9;
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
            return JsonSerializer.Deserialize<string>(text.AsSpan(i, end - i + 1));
        }
        catch (JsonException)
        {
            return null;
        }
    }

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
