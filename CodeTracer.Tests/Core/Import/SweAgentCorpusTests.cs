using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Import;

/// <summary>The real SWE-agent runs in <c>../shared/traces/swe-agent</c>, with the outcomes PROVENANCE.md records.</summary>
public sealed class SweAgentCorpusTests
{
    /// <summary>
    /// From PROVENANCE.md. The three multi-swe-bench runs get their verdict from their run's results/results.json
    /// (3701 in <c>resolved</c>, 4304 in <c>unresolved_ids</c>, xml-531 in <c>empty_patch_ids</c>, core-922 in
    /// <c>incomplete_ids</c>). The SWE-agent repository's test run and demonstrations were never evaluated.
    /// </summary>
    private static readonly Dictionary<string, OutcomeStatus> s_expected = new(StringComparer.Ordinal)
    {
        ["fasterxml__jackson-databind-3701"] = OutcomeStatus.Resolved,
        ["fasterxml__jackson-databind-4304"] = OutcomeStatus.Unresolved,
        ["fasterxml__jackson-core-922"] = OutcomeStatus.Unresolved,
        ["fasterxml__jackson-dataformat-xml-531"] = OutcomeStatus.Unresolved,
        ["pydicom__pydicom-1458"] = OutcomeStatus.Unknown,
        ["marshmallow-code__marshmallow-1867"] = OutcomeStatus.Unknown,
        ["warmup"] = OutcomeStatus.Unknown,
    };

    private readonly ITestOutputHelper _output;

    public SweAgentCorpusTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static ImportBatch ParseCorpus()
    {
        TraceCorpus.EnsureAvailable();
        return TestServices.ImportService().Parse([TraceCorpus.Path("swe-agent")], CancellationToken.None);
    }

    [CorpusFact]
    public void Import_SweAgentCorpus_EveryRunImportsWithItsRecordedOutcome()
    {
        var batch = ParseCorpus();

        foreach (var run in batch.Runs.OrderBy(r => r.Task.Id, StringComparer.Ordinal))
        {
            _output.WriteLine($"{run.Task.Id,-40} {run.FormatVersion,-4} {run.Steps.Count,3} steps  {InspectName(run.Outcome.Status),-10} "
                + $"exit={run.ExitStatus ?? "-"}  model={run.Model ?? "-"}  {string.Join("; ", run.Outcome.Evidence.Select(e => e.Detail))}");
        }
        Assert.Empty(batch.Errors);
        Assert.Equal(s_expected.Keys.Order(StringComparer.Ordinal), batch.Runs.Select(r => r.Task.Id!).Order(StringComparer.Ordinal));
        foreach (var run in batch.Runs)
        {
            Assert.True(run.Steps.Count > 0, run.Task.Id);
            Assert.All(run.Steps.SelectMany(s => s.ToolCalls), c => Assert.False(string.IsNullOrWhiteSpace(c.Command), run.Task.Id));
            Assert.Equal(s_expected[run.Task.Id!], run.Outcome.Status);
            Assert.Equal(run.Outcome.Status != OutcomeStatus.Unknown, run.Outcome.Evidence.Count > 0);
            Assert.Empty(run.Warnings);
            Assert.Equal(Frameworks.SweAgent, run.Framework);
            Assert.Equal(RunFormats.SweAgentTraj, run.Format);
        }
    }

    [CorpusFact]
    public void Import_SweAgentCorpus_VersionsModelsAndCosts()
    {
        var runs = ParseCorpus().Runs.ToDictionary(r => r.Task.Id!, StringComparer.Ordinal);

        Assert.Equal("1.x", runs["marshmallow-code__marshmallow-1867"].FormatVersion);
        Assert.All(runs.Values.Where(r => r.Task.Id != "marshmallow-code__marshmallow-1867"), r => Assert.Equal("0.x", r.FormatVersion));
        Assert.Equal("doubao-pro-128k", runs["fasterxml__jackson-databind-4304"].Model);
        Assert.Equal("gpt-4o-mini-2024-07-18", runs["fasterxml__jackson-core-922"].Model);
        Assert.Equal("deepseek-chat-v2", runs["fasterxml__jackson-dataformat-xml-531"].Model);
        Assert.Equal("gpt4", runs["pydicom__pydicom-1458"].Model);
        // instance_cost, not the batch-cumulative total_cost (3.13).
        Assert.Equal(0.35922, runs["fasterxml__jackson-core-922"].Metrics.CostUsd!.Value, 5);
        Assert.Null(runs["fasterxml__jackson-core-922"].ExitStatus);
        Assert.Equal("submitted (exit_cost)", runs["fasterxml__jackson-databind-4304"].ExitStatus);
    }

    [CorpusFact]
    public void Import_SweAgentCorpus_HugeObservationKeptWholeAndToolCallsMatched()
    {
        var runs = ParseCorpus().Runs.ToDictionary(r => r.Task.Id!, StringComparer.Ordinal);

        var big = runs["fasterxml__jackson-databind-4304"];
        Assert.Equal(48, big.Steps.Count);
        Assert.Equal(666_756, big.Steps.SelectMany(s => s.ToolCalls).Max(c => c.Observation?.Length ?? 0));
        Assert.True(big.Steps[^1].IsMarker);

        var demo = runs["marshmallow-code__marshmallow-1867"];
        Assert.All(demo.Steps, s => Assert.StartsWith("call_", s.ToolCalls[0].CallId));
        Assert.Equal(["bash", "open", "bash", "create", "insert"], demo.Steps.Take(5).Select(s => s.ToolCalls[0].Tool));
        Assert.StartsWith("We're currently solving the following issue", demo.Task.Text);

        Assert.Equal("disassemble", runs["warmup"].Steps[0].ToolCalls[0].Tool);
    }

    private static string InspectName(OutcomeStatus status) => CodeTracer.Core.Export.InspectJson.OutcomeName(status);
}
