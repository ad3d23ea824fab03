using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeTracer.Core.Import.Formats.Harness;

namespace CodeTracer.Core.Import.Formats.Terminus2;

/// <summary>One keystroke batch command of a Terminus response.</summary>
/// <param name="Keystrokes">The keys sent to tmux, as the model wrote them (<c>"ls -la\n"</c>).</param>
/// <param name="Duration">Seconds the harness waits after sending them (<c>duration</c>, Terminus 1 <c>timeout_sec</c>).</param>
/// <param name="ArgumentsJson">The command object as JSON.</param>
internal sealed record TerminusCommand(string Keystrokes, double? Duration, string ArgumentsJson);

/// <summary>What a Terminus 2 (or Terminus 1) model response says.</summary>
internal sealed class TerminusResponse
{
    public string? Analysis { get; init; }

    public string? Plan { get; init; }

    public List<TerminusCommand> Commands { get; } = [];

    public bool TaskComplete { get; init; }

    /// <summary><c>json</c> or <c>xml</c>.</summary>
    public string Parser { get; init; } = "json";

    /// <summary>The thought as Terminus 2's own ATIF writes it: <c>Analysis: ...\nPlan: ...</c>.</summary>
    public string? Thought =>
        (Analysis, Plan) switch
        {
            (null, null) => null,
            (not null, null) => "Analysis: " + Analysis,
            (null, not null) => "Plan: " + Plan,
            _ => "Analysis: " + Analysis + "\nPlan: " + Plan,
        };
}

/// <summary>
/// Reads a Terminus model response (<c>response.txt</c>) the way the harness's parsers do: a JSON object
/// <c>{"analysis","plan","commands":[{"keystrokes","duration"}],"task_complete"}</c> with any prose around it (or
/// Terminus 1's <c>state_analysis</c>/<c>explanation</c>/<c>is_task_complete</c>/<c>timeout_sec</c>), or the XML form
/// <c>&lt;response&gt;&lt;analysis&gt;…&lt;/analysis&gt;…&lt;keystrokes duration="0.1"&gt;…&lt;/keystrokes&gt;…&lt;/response&gt;</c>.
/// </summary>
internal static partial class TerminusResponseParser
{
    // A response with prose around the JSON may hold other braces first; trying every one is quadratic.
    private const int MaxObjectCandidates = 32;

    private static readonly string[] s_knownFields =
        ["analysis", "plan", "commands", "task_complete", "state_analysis", "explanation", "is_task_complete"];

    private static readonly JsonDocumentOptions s_jsonOptions = new() { AllowTrailingCommas = true, MaxDepth = 64 };

    [GeneratedRegex(@"<analysis>(?<v>.*?)</analysis>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex XmlAnalysis();

    [GeneratedRegex(@"<plan>(?<v>.*?)</plan>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex XmlPlan();

    [GeneratedRegex(@"<keystrokes(?<attrs>[^>]*)>(?<v>.*?)</keystrokes>", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex XmlKeystrokes();

    [GeneratedRegex(@"duration\s*=\s*[""'](?<v>[^""']*)[""']", RegexOptions.CultureInvariant)]
    private static partial Regex XmlDuration();

    [GeneratedRegex(@"<task_complete>\s*true\s*</task_complete>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex XmlTaskComplete();

    /// <summary>The parsed response, or null when the text holds neither form (a truncated or free-text answer).</summary>
    public static TerminusResponse? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return ParseJson(text) ?? ParseXml(text);
    }

    private static TerminusResponse? ParseJson(string text)
    {
        var start = text.IndexOf('{');
        for (var tries = 0; start >= 0 && tries < MaxObjectCandidates; tries++)
        {
            // A brace in the prose before the JSON may never close; the next one may still start the response.
            var length = JsonObjectScanner.MeasureObject(text.AsSpan(start));
            if (length > 0 && TryReadObject(text.AsMemory(start, length)) is { } response) return response;
            start = text.IndexOf('{', start + 1);
        }
        return null;
    }

    private static TerminusResponse? TryReadObject(ReadOnlyMemory<char> candidate)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(candidate, s_jsonOptions);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !s_knownFields.Any(field => root.TryGetProperty(field, out _))) return null;

            var response = new TerminusResponse
            {
                Analysis = root.Str("analysis") ?? root.Str("state_analysis"),
                Plan = root.Str("plan") ?? root.Str("explanation"),
                TaskComplete = IsTrue(root, "task_complete") || IsTrue(root, "is_task_complete"),
                Parser = "json",
            };
            foreach (var command in root.Items("commands"))
            {
                switch (command.ValueKind)
                {
                    case JsonValueKind.Object:
                        response.Commands.Add(new TerminusCommand(
                            command.Str("keystrokes") ?? "",
                            command.Double("duration") ?? command.Double("timeout_sec"),
                            command.GetRawText()));
                        break;
                    case JsonValueKind.String:
                        var keys = command.GetString() ?? "";
                        response.Commands.Add(new TerminusCommand(keys, null, Arguments(keys, null)));
                        break;
                }
            }
            return response;
        }
    }

    private static TerminusResponse? ParseXml(string text)
    {
        var analysis = XmlAnalysis().Match(text);
        var plan = XmlPlan().Match(text);
        var keystrokes = XmlKeystrokes().Matches(text);
        var complete = XmlTaskComplete().IsMatch(text);
        if (!analysis.Success && !plan.Success && keystrokes.Count == 0 && !complete) return null;

        var response = new TerminusResponse
        {
            Analysis = analysis.Success ? Decode(analysis.Groups["v"].Value.Trim()) : null,
            Plan = plan.Success ? Decode(plan.Groups["v"].Value.Trim()) : null,
            TaskComplete = complete,
            Parser = "xml",
        };
        foreach (Match match in keystrokes)
        {
            var keys = Decode(match.Groups["v"].Value);
            var durationText = XmlDuration().Match(match.Groups["attrs"].Value);
            double? duration = durationText.Success && double.TryParse(durationText.Groups["v"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
            response.Commands.Add(new TerminusCommand(keys, duration, Arguments(keys, duration)));
        }
        return response;
    }

    private static bool IsTrue(JsonElement root, string property) =>
        root.Bool(property) ?? (root.Str(property) is { } text && string.Equals(text.Trim(), "true", StringComparison.OrdinalIgnoreCase));

    private static string Decode(string xmlText) => xmlText.Contains('&', StringComparison.Ordinal) ? WebUtility.HtmlDecode(xmlText) : xmlText;

    private static string Arguments(string keystrokes, double? duration)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("keystrokes", keystrokes);
            if (duration is { } seconds) writer.WriteNumber("duration", seconds);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
