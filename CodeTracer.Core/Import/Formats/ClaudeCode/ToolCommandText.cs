using System.Globalization;
using System.Text.Json;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

/// <summary>
/// A readable one-line command for a tool call given by name and JSON input: Claude Code's tools, Terminus 2's
/// <c>bash_command</c> / <c>mark_task_complete</c> (as ATIF writes them), and a best guess for anything else.
/// </summary>
internal static class ToolCommandText
{
    private const int MaxFallbackLength = 200;

    // Argument names that hold the one thing a tool call acts on, in the order they are preferred.
    private static readonly string[] s_primaryArguments =
        ["command", "cmd", "keystrokes", "file_path", "path", "notebook_path", "pattern", "query", "url", "code", "description", "prompt"];

    /// <summary>The command text, or null when the call has nothing to show beyond its name (e.g. <c>mark_task_complete</c>).</summary>
    public static string? Render(string tool, JsonElement input)
    {
        if (input.ValueKind != JsonValueKind.Object)
        {
            return input.ValueKind == JsonValueKind.String ? input.GetString() : null;
        }

        switch (tool)
        {
            case "Bash":
            case "bash":
            case "execute_bash":
                return input.Str("command");
            case "bash_command":
                // Terminus keystrokes end with the Enter they send; the command is the text before it.
                return input.Str("keystrokes")?.TrimEnd('\n');
            case "Read":
            case "Edit":
            case "MultiEdit":
            case "Write":
                return input.Str("file_path");
            case "NotebookEdit":
            case "NotebookRead":
                return input.Str("notebook_path");
            case "Grep":
            case "Glob":
                return WithPath(input.Str("pattern"), input.Str("path"));
            case "LS":
                return input.Str("path");
            case "TodoWrite":
                return SummarizeTodos(input);
            case "BashOutput":
                return input.Str("bash_id") is { } bashId ? "output of shell " + bashId : null;
            case "KillShell":
            case "KillBash":
                return (input.Str("shell_id") ?? input.Str("bash_id")) is { } shellId ? "kill shell " + shellId : null;
            case "WebFetch":
                return input.Str("url");
            case "WebSearch":
                return input.Str("query");
            case "Task":
            case "Agent":
                return input.Str("description") ?? input.Str("prompt");
            case "mark_task_complete":
                return null;
        }

        foreach (var name in s_primaryArguments)
        {
            if (input.Str(name) is { Length: > 0 } value) return value;
        }
        var raw = input.GetRawText();
        if (raw is "{}") return null;
        return raw.Length <= MaxFallbackLength ? raw : raw[..MaxFallbackLength] + "...";
    }

    private static string? WithPath(string? pattern, string? path) =>
        pattern is null ? path : string.IsNullOrEmpty(path) ? pattern : $"{pattern} in {path}";

    /// <summary>"3 todos: 1 completed, 1 in progress, 1 pending": what the list is, not every item.</summary>
    private static string SummarizeTodos(JsonElement input)
    {
        var total = 0;
        var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var todo in input.Items("todos"))
        {
            total++;
            var status = (todo.Str("status") ?? "unknown").Replace('_', ' ');
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
        }
        var counts = string.Join(", ", byStatus.Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Value} {pair.Key}")));
        return total == 0 ? "update todo list" : string.Create(CultureInfo.InvariantCulture, $"update todo list: {total} todos ({counts})");
    }
}
