using System.Text;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Tree;

/// <summary>Tree indexing over every real run in ../shared/traces.</summary>
public sealed class TreeCorpusTests(ITestOutputHelper output)
{
    private static readonly Lazy<ImportBatch> s_batch = new(() =>
    {
        TraceCorpus.EnsureAvailable();
        return TestServices.ImportService().Parse([TraceCorpus.Root], CancellationToken.None);
    });

    private static IReadOnlyList<Run> Runs => s_batch.Value.Runs;

    [CorpusFact]
    public void Corpus_Stages_CoverEveryStepOnceInOrder()
    {
        Assert.NotEmpty(Runs);
        var failures = new List<string>();
        foreach (var run in Runs)
        {
            var next = 1;
            foreach (var stage in run.Stages)
            {
                if (stage.FirstStep != next || stage.LastStep < stage.FirstStep || string.IsNullOrWhiteSpace(stage.Title))
                {
                    failures.Add($"{run.Source.Path} {run.Source.UnitKey}: stage {stage.Id} {stage.FirstStep}-{stage.LastStep} '{stage.Title}' after step {next - 1}");
                    break;
                }
                next = stage.LastStep + 1;
            }
            if (next != run.Steps.Count + 1) failures.Add($"{run.Source.Path} {run.Source.UnitKey}: stages end at {next - 1} of {run.Steps.Count} steps");
            Assert.Equal(Enumerable.Range(1, run.Stages.Count), run.Stages.Select(s => s.Id));
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [CorpusFact]
    public void Corpus_NoRunOfMoreThanTwentySteps_IsASingleStage()
    {
        var single = Runs.Where(r => r.Steps.Count > 20 && r.Stages.Count <= 1).Select(r => $"{r.Source.Path} ({r.Steps.Count} steps)").ToList();
        Assert.True(single.Count == 0, string.Join('\n', single));
    }

    [CorpusFact]
    public void Corpus_EditTools_AreChanges()
    {
        var checkedCalls = 0;
        var wrong = new List<string>();
        foreach (var run in Runs)
        {
            foreach (var step in run.Steps)
            {
                foreach (var call in step.ToolCalls)
                {
                    var sweAci = run.Framework == Frameworks.SweAgent && call.Command is { } c && (c.StartsWith("edit ", StringComparison.Ordinal) || c.StartsWith("create ", StringComparison.Ordinal));
                    var claude = call.Tool is "Edit" or "Write" or "MultiEdit";
                    if (!sweAci && !claude) continue;
                    checkedCalls++;
                    if (call.Effect != StepEffect.Change || call.Kind is not (StepKind.Edit or StepKind.Create) || step.Effect != StepEffect.Change)
                    {
                        wrong.Add($"{run.Source.Path} step {step.Id}: {call.Tool} {Short(call.Command)} is {call.Kind}/{call.Effect}");
                    }
                }
            }
        }
        output.WriteLine($"{checkedCalls} SWE-agent edit/create and Claude Code Edit/Write calls checked");
        Assert.True(checkedCalls > 20, $"only {checkedCalls} edit calls found in the corpus");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [CorpusFact]
    public void Corpus_TestRunnerCommands_AreTests()
    {
        var checkedCalls = 0;
        var wrong = new List<string>();
        foreach (var run in Runs)
        {
            foreach (var step in run.Steps)
            {
                foreach (var call in step.ToolCalls)
                {
                    if (call.Command is not { } command || !RunsATestRunner(command)) continue;
                    // A call that also installs, edits or builds is named by that change; the test run is what the rest is about.
                    if (call.Effect == StepEffect.Change) continue;
                    checkedCalls++;
                    if (call.Kind != StepKind.Test) wrong.Add($"{run.Source.Path} step {step.Id}: {Short(command)} is {call.Kind}");
                }
            }
        }
        output.WriteLine($"{checkedCalls} pytest / go test / npm test calls checked");
        Assert.True(checkedCalls > 0, $"only {checkedCalls} test-runner calls found in the corpus");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    /// <summary>The command line (not a heredoc body or a quoted string) starts pytest, go test or npm test.</summary>
    private static bool RunsATestRunner(string command)
    {
        foreach (var simple in ShellCommandReader.Read(command).Commands)
        {
            var words = simple.Words.SkipWhile(w => w.Contains('=') || w is "timeout" or "sudo" || w.All(char.IsAsciiDigit) || w.EndsWith('s') && w.TrimEnd('s').All(char.IsAsciiDigit)).ToList();
            if (words.Count == 0) continue;
            var name = Path.GetFileName(words[0]);
            if (name is "pytest" or "py.test") return true;
            if (name.StartsWith("python", StringComparison.Ordinal) && words.Count > 2 && words[1] == "-m" && words[2] == "pytest") return true;
            if (name == "go" && words.Count > 1 && words[1] == "test") return true;
            if (name == "npm" && words.Count > 1 && words[1] == "test") return true;
        }
        return false;
    }

    [CorpusFact]
    public void Corpus_Signals_NameTheirEvidenceAndStayCapped()
    {
        var options = new TreeOptions();
        foreach (var run in Runs)
        {
            foreach (var step in run.Steps)
            {
                Assert.True(step.Signals.Count <= options.MaxSignalsPerStep, $"{run.Source.Path} step {step.Id} has {step.Signals.Count} signals");
                foreach (var signal in step.Signals)
                {
                    Assert.False(string.IsNullOrWhiteSpace(signal.Message));
                    if (signal.EvidenceLine is { } line) Assert.DoesNotContain('\u001b', line);
                    if (signal.Kind is SignalKind.RepeatedAction or SignalKind.EditReverted)
                    {
                        Assert.NotNull(signal.RelatedStep);
                        Assert.InRange(signal.RelatedStep!.Value, 1, run.Steps.Count);
                    }
                    if (signal.Kind is SignalKind.ErrorText or SignalKind.TestsFailed or SignalKind.TestsPassed) Assert.NotNull(signal.EvidenceLineNumber);
                }
            }
        }
    }

    [CorpusFact]
    public void Corpus_StateTree_HasOneNodePerStepUnderAnEarlierStep()
    {
        foreach (var run in Runs)
        {
            var nodes = run.StateTree!.Nodes;
            Assert.Equal(run.Steps.Select(s => s.Id), nodes.Select(n => n.StepId));
            Assert.All(nodes, n => Assert.True(n.ParentStepId < n.StepId && n.Depth >= 1 && n.Label.Length > 0));
        }
    }

    [CorpusFact]
    public void Corpus_StageDistribution_IsPrinted()
    {
        var report = new StringBuilder();
        foreach (var group in Runs.GroupBy(r => r.Format).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var counts = group.Select(r => r.Stages.Count).Order().ToList();
            var kinds = group.SelectMany(r => r.Stages).GroupBy(s => s.Kind).OrderByDescending(g => g.Count())
                .Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}");
            var steps = group.Select(r => r.Steps.Count).Order().ToList();
            report.AppendLine($"{group.Key}: {group.Count()} runs; steps median {Median(steps)} (max {steps.Max()}); stages per run median {Median(counts)} (min {counts.Min()}, max {counts.Max()}): [{string.Join(", ", counts)}]");
            report.AppendLine($"    stage kinds: {string.Join(", ", kinds)}");
        }
        var typical = Runs.Where(r => r.Steps.Count >= 8).ToList();
        var inRange = typical.Count(r => r.Stages.Count is >= 3 and <= 15);
        report.AppendLine($"runs of 8+ steps with 3 to 15 stages: {inRange} of {typical.Count}");
        output.WriteLine(report.ToString());
        Assert.True(inRange * 2 > typical.Count, report.ToString());
    }

    private static int Median(List<int> sorted) => sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];

    private static string Short(string? text) => text is null ? "" : text.Length <= 80 ? text.ReplaceLineEndings(" ") : text[..80].ReplaceLineEndings(" ") + "…";
}
