using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// The verdicts OpenHands eval records carry about themselves. There is no standard success field: each benchmark
/// writes its own (FORMATS.md §3.8). A finish action or a git patch is never read as success.
/// </summary>
internal static class OpenHandsOutcome
{
    /// <summary>Sets the run's outcome from the record's own verdict fields; leaves it unknown when there is none.</summary>
    /// <param name="where">Prefix for evidence, e.g. <c>line 3: </c>, so the verdict can be found in a many-run file.</param>
    public static void Apply(Run run, JsonElement record, string file, string where)
    {
        var testResult = record.Prop("test_result");
        if (testResult is { ValueKind: JsonValueKind.Object } tests)
        {
            // ProntoQA and other logic-reasoning benchmarks: {"result": true}.
            if (tests.Bool("result") is { } result)
            {
                Set(run, result, file, $"{where}test_result.result = {Lower(result)}");
                return;
            }

            // OpenAgentSafety: {"checkpoints": [...], "final_score": {"total": N, "result": M}}.
            if (tests.Prop("final_score") is { ValueKind: JsonValueKind.Object } score && Number(score, "total") is { } total)
            {
                var passed = Number(score, "result") ?? 0;
                var figures = $"{Format(passed)}/{Format(total)}";
                run.Outcome.Reward = total > 0 ? passed / total : 0;
                if (total > 0 && passed >= total)
                {
                    Set(run, true, file, $"{where}test_result.final_score {figures}: every checkpoint passed");
                }
                else if (total <= 0)
                {
                    Set(run, false, file, $"{where}test_result.final_score {figures}: no checkpoint passed (the evaluator scored none)");
                }
                else
                {
                    Set(run, false, file, $"{where}test_result.final_score {figures}: not every checkpoint passed");
                }
                return;
            }

            // SWE-bench style evaluation merged back into the record: {"git_patch": ..., "report": {"resolved": bool}}.
            if (tests.Prop("report")?.Bool("resolved") is { } resolved)
            {
                Set(run, resolved, file, $"{where}test_result.report.resolved = {Lower(resolved)}");
                return;
            }
        }

        // OpenHands resolver output.
        if (record.Bool("success") is { } success)
        {
            var detail = $"{where}success = {Lower(success)}";
            if (OpenHandsJson.NonEmpty(record.Str("result_explanation")) is { } explanation)
            {
                detail += " (" + OpenHandsJson.FirstLine(explanation, 200) + ")";
            }
            Set(run, success, file, detail);
            return;
        }

        // Gorilla APIBench.
        if (record.Bool("correct") is { } correct)
        {
            Set(run, correct, file, $"{where}correct = {Lower(correct)}");
        }
    }

    private static void Set(Run run, bool resolved, string file, string detail)
    {
        run.Outcome.Status = resolved ? OutcomeStatus.Resolved : OutcomeStatus.Unresolved;
        run.Outcome.Evidence.Add(new OutcomeEvidence { File = file, Detail = detail });
    }

    /// <summary>A score that may be written as a number or a boolean (<c>"result": false</c> appears beside numbers).</summary>
    private static double? Number(JsonElement element, string property) => element.Prop(property) switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
        { ValueKind: JsonValueKind.True } => 1,
        { ValueKind: JsonValueKind.False } => 0,
        _ => null,
    };

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Lower(bool value) => value ? "true" : "false";
}
