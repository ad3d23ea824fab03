using System.Text;
using System.Text.Json;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;

namespace CodeTracer.Tests.Core.Diagnosis;

public sealed class DiagnosisExportTests
{
    private static JsonElement Parse(Action<Stream> write)
    {
        using var stream = new MemoryStream();
        write(stream);
        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }

    [Fact]
    public void WriteTracebench_PlantedRun_IsTheLabelProfileArray()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset());

        var json = Parse(s => DiagnosisExport.WriteTracebench(s, diagnosis));

        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        var stage2 = json.EnumerateArray().Single(e => e.GetProperty("stage_id").GetInt32() == 2);
        Assert.Equal([5], stage2.GetProperty("incorrect_step_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([8], stage2.GetProperty("unuseful_step_ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.False(string.IsNullOrWhiteSpace(stage2.GetProperty("reasoning").GetString()));
        Assert.Equal(["stage_id", "incorrect_step_ids", "unuseful_step_ids", "reasoning"], stage2.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void WriteDetailed_PlantedRun_HasEveryDetailedField()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset());

        var json = Parse(s => DiagnosisExport.WriteDetailed(s, diagnosis));

        Assert.Equal(["root_cause_chain", "critical_decision_points", "correct_strategy", "stage_labels", "summary"], json.EnumerateObject().Select(p => p.Name));
        var point = json.GetProperty("critical_decision_points").EnumerateArray().First();
        Assert.Equal(["step_id", "decision", "should_have"], point.EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.Array, json.GetProperty("stage_labels").ValueKind);
    }

    [Fact]
    public void WriteDiagnoseJson_Entries_HaveExactlyTheDocumentedShape()
    {
        var failed = Fixtures.PlantedOnset();
        var clean = Fixtures.CleanResolved();
        var localizer = Fixtures.Localizer();

        var json = Parse(s => DiagnosisExport.WriteDiagnoseJson(s, [new(failed, localizer.Diagnose(failed)), new(clean, localizer.Diagnose(clean))]));

        var runs = json.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["id", "stepCount", "outcome", "diagnosis"], runs[0].EnumerateObject().Select(p => p.Name));
        var d = runs[0].GetProperty("diagnosis");
        Assert.Equal(["method", "model", "onsetStep", "onsetStage", "recovered", "errorChain", "stageLabels", "summary", "tokens", "costUsd"], d.EnumerateObject().Select(p => p.Name));
        Assert.Equal(5, d.GetProperty("onsetStep").GetInt32());
        Assert.Equal(["step", "role", "why"], d.GetProperty("errorChain")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["prompt", "completion"], d.GetProperty("tokens").EnumerateObject().Select(p => p.Name));
        Assert.Equal("unresolved", runs[0].GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, runs[1].GetProperty("diagnosis").GetProperty("onsetStep").ValueKind);
    }

    [Fact]
    public void WriteDiagnoseJson_FailedDiagnosis_HasNullDiagnosisAndError()
    {
        var run = Fixtures.PlantedOnset();

        var json = Parse(s => DiagnosisExport.WriteDiagnoseJson(s, [new(run, null, "token budget reached")]));

        var entry = json.GetProperty("runs")[0];
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("diagnosis").ValueKind);
        Assert.Equal("token budget reached", entry.GetProperty("error").GetString());
    }

    [Fact]
    public void WriteRun_PlantedRun_KeepsObservationsAndKinds()
    {
        var run = Fixtures.PlantedOnset();

        var json = Parse(s => DiagnosisExport.WriteRun(s, run));

        Assert.Equal("planted", json.GetProperty("id").GetString());
        var step = json.GetProperty("steps")[8];
        Assert.Equal("test", step.GetProperty("kind").GetString());
        Assert.Contains("FAILED tests/test_parser.py", step.GetProperty("toolCalls")[0].GetProperty("observation").GetString(), StringComparison.Ordinal);
        Assert.Equal("tests-failed", step.GetProperty("signals")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public void ReplayBrief_FailedRun_KeepsThePrefixBeforeTheOnsetAndCarriesTheHint()
    {
        var run = Fixtures.PlantedOnset();
        var diagnosis = Fixtures.Localizer().Diagnose(run);

        var (brief, error) = ReplayBrief.Create(run, diagnosis);

        Assert.Null(error);
        Assert.Equal(5, brief!.TargetStep);
        Assert.Equal([1, 2, 3, 4], brief.KeepSteps);
        Assert.Contains("## Task", brief.Markdown, StringComparison.Ordinal);
        Assert.Contains("drops the last token", brief.Markdown, StringComparison.Ordinal);
        Assert.Contains("[Step 4]", brief.Markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("[Step 5]", brief.Markdown, StringComparison.Ordinal);
        Assert.Contains("What went wrong at step 5", brief.Markdown, StringComparison.Ordinal);
        Assert.Contains(diagnosis.CorrectStrategy!, brief.Markdown, StringComparison.Ordinal);

        var json = Parse(brief.WriteJson);
        Assert.Equal(ReplayBrief.FormatName, json.GetProperty("format").GetString());
        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Contains("before step 5", messages[1].GetProperty("content").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ReplayBrief_RunWithoutOnset_SaysThereIsNothingToReplay()
    {
        var run = Fixtures.CleanResolved();

        var (brief, error) = ReplayBrief.Create(run, Fixtures.Localizer().Diagnose(run));

        Assert.Null(brief);
        Assert.Contains("nothing to replay", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ReplayBrief_TaskWithBackticks_CannotCloseTheFence()
    {
        var run = Fixtures.PlantedOnset();
        run.Task.Text = "Fix it.\n```\n# injected heading\n```";

        var (brief, _) = ReplayBrief.Create(run, Fixtures.Localizer().Diagnose(run));

        Assert.Contains("````text", brief!.Markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void TracebenchString_IsUtf8Json()
    {
        var text = DiagnosisExport.TracebenchString(Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset()));

        Assert.StartsWith("[", text, StringComparison.Ordinal);
        Assert.NotNull(JsonDocument.Parse(Encoding.UTF8.GetBytes(text)));
    }
}
