using System.Text.Encodings.Web;
using System.Text.Json;
using CodeTracer.Core.Model;
using CodeTracer.Core.Rendering;
using CodeTracer.Web.Model;
using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// One step in full: thought as Markdown, each tool call's command (highlighted), edit diffs and terminal output, its
/// signals with evidence, and a raw view with where the step sits in the source file and the calls' raw arguments.
/// </summary>
public sealed partial class StepDetail
{
    private const int MaxPrettyJsonChars = 200_000;

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<int, IReadOnlyList<FileEdit>> _edits = [];
    private Step? _shownStep;
    private bool _showRaw;

    [Parameter, EditorRequired] public Step Step { get; set; } = null!;

    [Parameter] public StageViewModel? Stage { get; set; }

    [Parameter] public int? SelectedCall { get; set; }

    /// <summary>Search text to mark in commands and outputs.</summary>
    [Parameter] public string? Query { get; set; }

    /// <summary>The run's source, shown as the file when the step has no provenance of its own.</summary>
    [Parameter] public string? SourcePath { get; set; }

    [Parameter] public RunPageOptions Options { get; set; } = new();

    [Parameter] public EventCallback OnCopyLink { get; set; }

    [Parameter] public EventCallback<int> OnSelectCall { get; set; }

    private string KindName => TracePresentation.KindName(Step.Kind);

    private IReadOnlyList<SignalBadge> Badges { get; set; } = [];

    private string RawFile => Step.Provenance?.File is { Length: > 0 } file ? file
        : !string.IsNullOrEmpty(SourcePath) ? SourcePath
        : "(not recorded)";

    private string? Duration => Step.StartedAtUtc is { } start && Step.EndedAtUtc is { } end && end >= start
        ? TracePresentation.FormatDuration((end - start).TotalSeconds)
        : null;

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Step, _shownStep)) return;
        _shownStep = Step;
        _edits.Clear();
        Badges = TracePresentation.Badges(Step);
    }

    private IReadOnlyList<FileEdit> EditsOf(int callIndex)
    {
        if (!_edits.TryGetValue(callIndex, out var edits))
        {
            edits = FileEdits.Extract(Step.ToolCalls[callIndex]);
            _edits[callIndex] = edits;
        }
        return edits;
    }

    /// <summary>Arguments re-indented for reading; shown as they are when they are not JSON or too large.</summary>
    private static string PrettyJson(string arguments)
    {
        if (arguments.Length > MaxPrettyJsonChars) return arguments[..MaxPrettyJsonChars] + $"\n… {arguments.Length - MaxPrettyJsonChars:N0} more characters";
        try
        {
            using var document = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = 64 });
            return JsonSerializer.Serialize(document.RootElement, s_indented);
        }
        catch (JsonException)
        {
            return arguments;
        }
    }
}
