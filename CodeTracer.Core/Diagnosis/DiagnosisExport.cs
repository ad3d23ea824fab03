using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CodeTracer.Core.Export;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// Writes diagnoses in CodeTracer's label profiles (<c>tracebench</c>: <c>[{stage_id, incorrect_step_ids,
/// unuseful_step_ids, reasoning}]</c>; <c>detailed</c>: <c>{root_cause_chain, critical_decision_points, correct_strategy,
/// stage_labels, summary}</c>), the <c>diagnose --json</c> shape, and a run as full JSON.
/// </summary>
public static class DiagnosisExport
{
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Indented = true,
        // Trajectory text and model text are data: escaping keeps them inert if the output lands in a page.
        Encoder = JavaScriptEncoder.Default,
    };

    private static readonly JsonSerializerOptions s_runOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.Default,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The <c>tracebench</c> profile: one entry per labeled stage.</summary>
    public static void WriteTracebench(Stream output, RunDiagnosis diagnosis)
    {
        using var writer = new Utf8JsonWriter(output, s_writerOptions);
        WriteStageLabels(writer, diagnosis.StageLabels);
        writer.Flush();
    }

    /// <summary>The <c>detailed</c> profile.</summary>
    public static void WriteDetailed(Stream output, RunDiagnosis diagnosis)
    {
        using var writer = new Utf8JsonWriter(output, s_writerOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("root_cause_chain");
        foreach (var line in diagnosis.RootCauseChain) writer.WriteStringValue(line);
        writer.WriteEndArray();
        writer.WriteStartArray("critical_decision_points");
        foreach (var point in diagnosis.DecisionPoints)
        {
            writer.WriteStartObject();
            writer.WriteNumber("step_id", point.StepId);
            writer.WriteString("decision", point.Decision);
            writer.WriteString("should_have", point.ShouldHave);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteString("correct_strategy", diagnosis.CorrectStrategy ?? "");
        writer.WritePropertyName("stage_labels");
        WriteStageLabels(writer, diagnosis.StageLabels);
        writer.WriteString("summary", diagnosis.Summary);
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>
    /// What <c>diagnose --json</c> prints: <c>{"runs":[{id, stepCount, outcome, diagnosis:{method, model, onsetStep,
    /// onsetStage, recovered, errorChain:[{step, role, why}], stageLabels:[...], summary, tokens:{prompt, completion},
    /// costUsd}}]}</c>. A run whose diagnosis failed has <c>diagnosis: null</c> and an <c>error</c>.
    /// </summary>
    public static void WriteDiagnoseJson(Stream output, IReadOnlyList<DiagnoseJsonEntry> entries)
    {
        using var writer = new Utf8JsonWriter(output, s_writerOptions);
        writer.WriteStartObject();
        writer.WriteStartArray("runs");
        foreach (var entry in entries)
        {
            writer.WriteStartObject();
            writer.WriteString("id", entry.Run.Id);
            writer.WriteNumber("stepCount", entry.Run.StepCount);
            writer.WriteString("outcome", InspectJson.OutcomeName(entry.Run.Outcome.Status));
            if (entry.Diagnosis is { } d)
            {
                writer.WriteStartObject("diagnosis");
                writer.WriteString("method", d.Method);
                if (d.Model is null) writer.WriteNull("model"); else writer.WriteString("model", d.Model);
                if (d.OnsetStep is { } onset) writer.WriteNumber("onsetStep", onset); else writer.WriteNull("onsetStep");
                if (d.OnsetStage is { } stage) writer.WriteNumber("onsetStage", stage); else writer.WriteNull("onsetStage");
                writer.WriteBoolean("recovered", d.Recovered);
                writer.WriteStartArray("errorChain");
                foreach (var link in d.ErrorChain)
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("step", link.Step);
                    writer.WriteString("role", link.Role);
                    writer.WriteString("why", link.Why);
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WritePropertyName("stageLabels");
                WriteStageLabels(writer, d.StageLabels);
                writer.WriteString("summary", d.Summary);
                writer.WriteStartObject("tokens");
                writer.WriteNumber("prompt", d.PromptTokens);
                writer.WriteNumber("completion", d.CompletionTokens);
                writer.WriteEndObject();
                writer.WriteNumber("costUsd", Math.Round(d.CostUsd, 6));
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteNull("diagnosis");
                writer.WriteString("error", entry.Error ?? "no diagnosis");
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    /// <summary>The whole run (task, outcome, steps with every tool call and observation, stages, state tree) as JSON.</summary>
    public static void WriteRun(Stream output, Run run) => JsonSerializer.Serialize(output, run, s_runOptions);

    /// <summary>A <c>tracebench</c> profile as a string (used by tests and the panel's copy button).</summary>
    public static string TracebenchString(RunDiagnosis diagnosis) => ToText(s => WriteTracebench(s, diagnosis));

    public static string DetailedString(RunDiagnosis diagnosis) => ToText(s => WriteDetailed(s, diagnosis));

    private static string ToText(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteStageLabels(Utf8JsonWriter writer, IEnumerable<StageLabel> labels)
    {
        writer.WriteStartArray();
        foreach (var label in labels)
        {
            writer.WriteStartObject();
            writer.WriteNumber("stage_id", label.StageId);
            writer.WriteStartArray("incorrect_step_ids");
            foreach (var id in label.IncorrectStepIds) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteStartArray("unuseful_step_ids");
            foreach (var id in label.UnusefulStepIds) writer.WriteNumberValue(id);
            writer.WriteEndArray();
            writer.WriteString("reasoning", label.Reasoning);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}

/// <summary>One run in <c>diagnose --json</c>: its diagnosis, or why there is none.</summary>
public sealed record DiagnoseJsonEntry(Run Run, RunDiagnosis? Diagnosis, string? Error = null);
