using System.Text.Encodings.Web;
using System.Text.Json;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Export;

/// <summary>
/// Writes runs in the shape <c>inspect --json</c> prints:
/// <c>{"runs":[{id, source, format, framework, model, task, outcome, stepCount, toolCallCount, steps:[...], stages:[...], warnings:[...]}], "errors":[...]}</c>.
/// </summary>
public static class InspectJson
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        // Trajectory text is printed as data; escaping keeps it from being read as markup if the output lands in a page.
        Encoder = JavaScriptEncoder.Default,
    };

    public static void Write(Stream output, IReadOnlyList<Run> runs, IReadOnlyList<ImportError> errors)
    {
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("runs");
        foreach (var run in runs) WriteRun(writer, run);
        writer.WriteEndArray();
        writer.WriteStartArray("errors");
        foreach (var error in errors)
        {
            writer.WriteStartObject();
            writer.WriteString("file", error.File);
            if (error.Location is null) writer.WriteNull("location"); else writer.WriteString("location", error.Location);
            writer.WriteString("reason", error.Reason);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    public static string OutcomeName(OutcomeStatus status) => status switch
    {
        OutcomeStatus.Resolved => "resolved",
        OutcomeStatus.Unresolved => "unresolved",
        _ => "unknown",
    };

    public static string KindName(StepKind kind) => kind.ToString().ToLowerInvariant();

    public static string EffectName(StepEffect effect) => effect == StepEffect.Change ? "change" : "explore";

    public static string StageKindName(StageKind kind) => kind.ToString().ToLowerInvariant();

    public static string SignalKindName(SignalKind kind) => JsonNamingPolicy.KebabCaseLower.ConvertName(kind.ToString());

    private static void WriteRun(Utf8JsonWriter writer, Run run)
    {
        writer.WriteStartObject();
        writer.WriteString("id", run.Id);
        writer.WriteString("source", run.Source.Path);
        if (run.Source.UnitKey is not null) writer.WriteString("unitKey", run.Source.UnitKey);
        writer.WriteString("format", run.Format);
        WriteNullable(writer, "formatVersion", run.FormatVersion);
        writer.WriteString("framework", run.Framework);
        WriteNullable(writer, "model", run.Model);

        writer.WriteStartObject("task");
        WriteNullable(writer, "id", run.Task.Id);
        writer.WriteString("title", run.Task.Title);
        writer.WriteEndObject();

        writer.WriteString("outcome", OutcomeName(run.Outcome.Status));
        writer.WriteStartArray("outcomeEvidence");
        foreach (var evidence in run.Outcome.Evidence)
        {
            writer.WriteStringValue(evidence.File is null ? evidence.Detail : $"{evidence.File}: {evidence.Detail}");
        }
        writer.WriteEndArray();
        WriteNullable(writer, "exitStatus", run.ExitStatus);
        writer.WriteNumber("stepCount", run.StepCount);
        writer.WriteNumber("toolCallCount", run.ToolCallCount);

        var stateParents = run.StateTree?.Nodes.ToDictionary(n => n.StepId, n => n.ParentStepId);
        writer.WriteStartArray("steps");
        foreach (var step in run.Steps)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", step.Id);
            writer.WriteString("kind", KindName(step.Kind));
            writer.WriteString("effect", EffectName(step.Effect));
            // The step's parent in the change/explore state tree (0 = the root).
            if (stateParents is not null && stateParents.TryGetValue(step.Id, out var parent)) writer.WriteNumber("stateParent", parent);
            if (step.IsMarker) writer.WriteBoolean("marker", true);
            writer.WriteStartArray("toolCalls");
            foreach (var call in step.ToolCalls)
            {
                writer.WriteStartObject();
                writer.WriteString("tool", call.Tool);
                WriteNullable(writer, "command", call.Command);
                if (call.DecodedAction is not null) writer.WriteString("decodedAction", call.DecodedAction);
                if (call.ExitCode is { } exit) writer.WriteNumber("exitCode", exit); else writer.WriteNull("exitCode");
                writer.WriteBoolean("isError", call.IsError);
                writer.WriteString("kind", KindName(call.Kind));
                writer.WriteString("effect", EffectName(call.Effect));
                if (call.FilesTouched.Count > 0)
                {
                    writer.WriteStartArray("files");
                    foreach (var file in call.FilesTouched) writer.WriteStringValue(file);
                    writer.WriteEndArray();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteStartArray("signals");
            foreach (var signal in step.Signals)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", SignalKindName(signal.Kind));
                writer.WriteString("message", signal.Message);
                if (signal.ToolCallIndex is { } callIndex) writer.WriteNumber("toolCall", callIndex);
                if (signal.EvidenceLine is not null) writer.WriteString("evidence", signal.EvidenceLine);
                if (signal.EvidenceLineNumber is { } line) writer.WriteNumber("line", line);
                if (signal.RelatedStep is { } related) writer.WriteNumber("relatedStep", related);
                if (signal.Tests is { } tests)
                {
                    writer.WriteStartObject("tests");
                    writer.WriteNumber("passed", tests.Passed);
                    writer.WriteNumber("failed", tests.Failed);
                    writer.WriteNumber("errors", tests.Errors);
                    writer.WriteNumber("skipped", tests.Skipped);
                    writer.WriteEndObject();
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WriteStartArray("stages");
        foreach (var stage in run.Stages)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", stage.Id);
            writer.WriteString("kind", StageKindName(stage.Kind));
            writer.WriteString("title", stage.Title);
            writer.WriteNumber("firstStep", stage.FirstStep);
            writer.WriteNumber("lastStep", stage.LastStep);
            if (stage.FromSource) writer.WriteBoolean("fromSource", true);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();

        writer.WriteStartArray("warnings");
        foreach (var warning in run.Warnings) writer.WriteStringValue(warning.ToString());
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null) writer.WriteNull(name); else writer.WriteString(name, value);
    }
}
