using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Rendering;

public enum FileEditKind
{
    /// <summary>Old text replaced by new text (str_replace, Edit, search/replace).</summary>
    Replace,
    /// <summary>A whole file written (create, Write).</summary>
    Create,
    /// <summary>New text inserted after a line.</summary>
    Insert,
    /// <summary>A line range replaced by new text, old text unknown (SWE-agent's <c>edit a:b</c>).</summary>
    ReplaceLines,
}

/// <summary>An edit a tool call made to a file, as far as its arguments or command tell.</summary>
public sealed class FileEdit
{
    public required FileEditKind Kind { get; init; }

    /// <summary>The file, when the call names it (SWE-agent's <c>edit</c> acts on the open file and does not).</summary>
    public string? Path { get; init; }

    public string OldText { get; init; } = "";

    public string NewText { get; init; } = "";

    /// <summary>First line the edit touches, when the call gives it (1-based).</summary>
    public int? StartLine { get; init; }

    /// <summary>Last line the edit replaces (inclusive), for <see cref="FileEditKind.ReplaceLines"/>.</summary>
    public int? EndLine { get; init; }

    /// <summary>The edit as a line diff; line numbers are the file's when known, else counted within the edit.</summary>
    public DiffDocument ToDiff(int context = 3) => UnifiedDiff.Build(OldText, NewText, context, StartLine ?? 1);

    /// <summary>A one-line description: "str_replace in src/app.py", "edit lines 12-14".</summary>
    public string Describe()
    {
        var where = Path is null ? "" : " " + Path;
        return Kind switch
        {
            FileEditKind.Create => "create" + where,
            FileEditKind.Insert => $"insert{where}{(StartLine is { } l ? " after line " + l.ToString(CultureInfo.InvariantCulture) : "")}",
            FileEditKind.ReplaceLines => $"replace lines {StartLine}-{EndLine}{(Path is null ? " of the open file" : " of" + where)}",
            _ => "replace in" + (Path is null ? " file" : where),
        };
    }
}

/// <summary>
/// Recognizes file edits in tool calls of every supported agent: <c>str_replace_editor</c> / <c>file_editor</c>
/// (OpenHands, SWE-agent 1.x, Anthropic's editor tool), Claude Code <c>Edit</c>/<c>MultiEdit</c>/<c>Write</c>,
/// SWE-agent function-calling <c>edit</c> (search/replace) and <c>insert</c>, and SWE-agent 0.x ACI <c>edit a:b … end_of_edit</c>.
/// </summary>
public static partial class FileEdits
{
    private const int MaxArgumentChars = 4 * 1024 * 1024;

    private static readonly JsonDocumentOptions s_jsonOptions = new() { MaxDepth = 64, AllowTrailingCommas = true };

    /// <summary>The edits a call made; empty when it is not an edit or its arguments cannot be read.</summary>
    public static IReadOnlyList<FileEdit> Extract(ToolCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!string.IsNullOrWhiteSpace(call.Arguments) && call.Arguments.Length <= MaxArgumentChars)
        {
            var fromArguments = FromArguments(call.Tool, call.Arguments);
            if (fromArguments.Count > 0) return fromArguments;
        }
        return FromCommand(call.Command);
    }

    private static List<FileEdit> FromArguments(string tool, string arguments)
    {
        var edits = new List<FileEdit>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(arguments, s_jsonOptions);
        }
        catch (JsonException)
        {
            return edits;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return edits;
            var path = Str(root, "path") ?? Str(root, "file_path") ?? Str(root, "filename") ?? Str(root, "notebook_path");
            var command = Str(root, "command");

            if (Str(root, "old_str") is not null || (command == "str_replace" && Has(root, "new_str")))
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Replace, Path = path, OldText = Str(root, "old_str") ?? "", NewText = Str(root, "new_str") ?? "" });
            }
            else if (command == "insert" && Str(root, "new_str") is { } inserted)
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Insert, Path = path, NewText = inserted, StartLine = Int(root, "insert_line") });
            }
            else if (command == "create" && Str(root, "file_text") is { } fileText)
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Create, Path = path, NewText = fileText });
            }
            else if (Str(root, "old_string") is { } oldString)
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Replace, Path = path, OldText = oldString, NewText = Str(root, "new_string") ?? "" });
            }
            else if (root.TryGetProperty("edits", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && Str(item, "old_string") is { } o)
                    {
                        edits.Add(new FileEdit { Kind = FileEditKind.Replace, Path = path, OldText = o, NewText = Str(item, "new_string") ?? "" });
                    }
                }
            }
            else if (Str(root, "search") is { } search && Has(root, "replace"))
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Replace, Path = path, OldText = search, NewText = Str(root, "replace") ?? "" });
            }
            else if (tool.Equals("Write", StringComparison.OrdinalIgnoreCase) && Str(root, "content") is { } content)
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Create, Path = path, NewText = content });
            }
            else if (tool.Equals("insert", StringComparison.OrdinalIgnoreCase) && Str(root, "text") is { } text)
            {
                edits.Add(new FileEdit { Kind = FileEditKind.Insert, Path = path, NewText = text, StartLine = Int(root, "line") });
            }
        }
        return edits;
    }

    private static List<FileEdit> FromCommand(string? command)
    {
        if (string.IsNullOrEmpty(command) || !command.TrimStart().StartsWith("edit", StringComparison.Ordinal)) return [];
        var match = AciEdit().Match(command);
        if (!match.Success) return [];
        var start = int.Parse(match.Groups["start"].Value, CultureInfo.InvariantCulture);
        var end = int.Parse(match.Groups["end"].Value, CultureInfo.InvariantCulture);
        return [new FileEdit { Kind = FileEditKind.ReplaceLines, NewText = match.Groups["text"].Value, StartLine = start, EndLine = end }];
    }

    [GeneratedRegex(@"^\s*edit\s+(?<start>\d{1,9})\s*:\s*(?<end>\d{1,9})[ \t]*\r?\n(?<text>.*?)\r?\n?end_of_edit\s*$", RegexOptions.Singleline | RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex AciEdit();

    private static bool Has(JsonElement element, string name) => element.TryGetProperty(name, out _);

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n)) return n;
        return value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : null;
    }
}
