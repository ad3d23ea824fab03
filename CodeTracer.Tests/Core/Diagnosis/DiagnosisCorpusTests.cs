using System.Diagnostics;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Diagnosis;

/// <summary>The heuristic over every real run in <c>../shared/traces</c>.</summary>
public sealed class DiagnosisCorpusTests(ITestOutputHelper output)
{
    private static bool IsErrorSignal(Signal signal) =>
        signal.Kind is not (SignalKind.TestsPassed or SignalKind.HugeObservation or SignalKind.RepeatedAction);

    [CorpusFact]
    public void Diagnose_EveryCorpusRun_FailedRunsGetAnOnsetInsideTheRunAndCleanResolvedRunsNone()
    {
        TraceCorpus.EnsureAvailable();
        using var services = TestServices.Create();
        var batch = TestServices.ImportService(services).Parse([TraceCorpus.Root], CancellationToken.None);
        var localizer = services.GetRequiredService<HeuristicLocalizer>();
        Assert.NotEmpty(batch.Runs);

        var problems = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (var run in batch.Runs.OrderBy(r => r.Source.Path, StringComparer.Ordinal).ThenBy(r => r.Source.UnitKey, StringComparer.Ordinal))
        {
            var diagnosis = localizer.Diagnose(run);
            var n = run.Steps.Count;
            var chain = string.Join(" → ", diagnosis.ErrorChain.Select(l => $"{l.Step}{l.Role[0]}"));
            output.WriteLine($"{run.Format,-28} {Path.GetFileName(run.Source.Path.TrimEnd('/')),-44} {run.Source.UnitKey,-6} "
                + $"{InspectJsonOutcome(run),-10} n={n,-4} onset={diagnosis.OnsetStep?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",-4} "
                + $"{(diagnosis.Recovered ? "recovered " : "")}{diagnosis.ErrorKind ?? ""} [{chain}]");

            if (run.Outcome.Status == OutcomeStatus.Unresolved && n > 0)
            {
                if (diagnosis.OnsetStep is not { } onset || onset < 1 || onset > n) problems.Add($"{run.Id} ({run.Source.Path}): failed run without an onset in 1..{n}");
                if (diagnosis.ErrorChain.Count == 0) problems.Add($"{run.Id}: failed run without an error chain");
                if (diagnosis.ErrorChain.Any(l => l.Step < 1 || l.Step > n)) problems.Add($"{run.Id}: chain step outside 1..{n}");
            }
            if (run.Outcome.Status == OutcomeStatus.Resolved && !run.Steps.Any(s => s.Signals.Any(IsErrorSignal)) && diagnosis.OnsetStep is not null)
            {
                problems.Add($"{run.Id} ({run.Source.Path}): resolved run without error signals got onset {diagnosis.OnsetStep}");
            }
            if (diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds.Concat(l.UnusefulStepIds)).Any(id => id < 1 || id > n))
            {
                problems.Add($"{run.Id}: a labeled step is outside 1..{n}");
            }
        }
        output.WriteLine($"{batch.Runs.Count} runs diagnosed in {clock.ElapsedMilliseconds} ms");
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    private static string InspectJsonOutcome(Run run) => CodeTracer.Core.Export.InspectJson.OutcomeName(run.Outcome.Status);
}
