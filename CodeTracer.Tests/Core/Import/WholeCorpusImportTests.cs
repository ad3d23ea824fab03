using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Import;

/// <summary>
/// Imports every run under ../shared/traces in one pass, as a user pointing CodeTracer at the whole folder would,
/// and checks each run against what PROVENANCE.md records about it.
/// </summary>
public sealed class WholeCorpusImportTests(ITestOutputHelper output)
{
    // Runs PROVENANCE.md (or FORMATS.md) describes as holding no agent turn, keyed by a fragment of their source path.
    private static readonly string[] s_expectedEmpty =
    [
        "pylint-dev__astroid-1978",      // mini-SWE-agent: Timeout after 3 messages, no assistant turn
        "qemu-startup",                  // Terminal-Bench trial without a sessions/ recording
        "safety-flattening",             // OpenAgentSafety lines with an empty history
        "safety-delete-root",
    ];

    // Verdicts PROVENANCE.md records, keyed by a fragment of the task id or source path.
    private static readonly (string Fragment, OutcomeStatus Status)[] s_expectedOutcomes =
    [
        ("jackson-databind-4304", OutcomeStatus.Unresolved),
        ("jackson-databind-3701", OutcomeStatus.Resolved),
        ("jackson-core-922", OutcomeStatus.Unresolved),
        ("jackson-dataformat-xml-531", OutcomeStatus.Unresolved),
        ("psf__requests-1142", OutcomeStatus.Resolved),
        ("django__django-16255", OutcomeStatus.Resolved),
        ("sympy__sympy-18211", OutcomeStatus.Unresolved),
        ("django__django-13265", OutcomeStatus.Unresolved),
        ("crack-7z-hash", OutcomeStatus.Unresolved),
        ("create-bucket", OutcomeStatus.Resolved),
        ("qemu-startup", OutcomeStatus.Resolved),
        ("hello-world.1-of-1", OutcomeStatus.Resolved),
        ("incompatible-python-fasttext.1-of-1", OutcomeStatus.Unresolved),
        ("play-zork", OutcomeStatus.Unresolved),
        ("prove-plus-comm", OutcomeStatus.Resolved),
        ("kv-store-grpc", OutcomeStatus.Unresolved),
        ("polyglot-rust-c", OutcomeStatus.Unresolved),
    ];

    // Calls that record the harness talking back (a rejected, unparsable turn), not a tool that ran.
    private static readonly HashSet<string> s_harnessOnlyTools = new(StringComparer.Ordinal) { "format_error", "harness_message", "error" };

    // Warnings that real data explains (PROVENANCE.md / FORMATS.md): listed so that any new kind fails the test.
    private static readonly HashSet<string> s_explainedWarnings = new(StringComparer.Ordinal)
    {
        "no-steps", "agent-exception", "run-error", "response-unparsed", "episode-without-response", "no-final-result",
        "model-from-run-metadata", "stage-range-clipped", "stage-ranges-dropped",
    };

    [CorpusFact]
    public void ImportWholeCorpus_EveryRunReadsAndMatchesProvenance()
    {
        TraceCorpus.EnsureAvailable();
        var batch = TestServices.ImportService().Parse([TraceCorpus.Root], CancellationToken.None);

        Assert.Empty(batch.Errors);
        Assert.True(batch.Runs.Count >= 130, $"expected every run of the corpus, got {batch.Runs.Count}");
        Assert.Equal(batch.Runs.Count, batch.Runs.Select(r => r.Id).Distinct().Count());

        foreach (var group in batch.Runs.GroupBy(r => r.Format).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(
                $"{group.Key,-32} runs {group.Count(),3}  steps {group.Sum(r => r.StepCount),5}  calls {group.Sum(r => r.ToolCallCount),5}  " +
                $"resolved {group.Count(r => r.Outcome.Status == OutcomeStatus.Resolved),2}  unresolved {group.Count(r => r.Outcome.Status == OutcomeStatus.Unresolved),2}  " +
                $"unknown {group.Count(r => r.Outcome.Status == OutcomeStatus.Unknown),2}");
        }

        var problems = new List<string>();
        foreach (var run in batch.Runs)
        {
            var where = run.Source.Path + (run.Source.UnitKey is null ? "" : "#" + run.Source.UnitKey);
            var expectEmpty = s_expectedEmpty.Any(f => where.Contains(f, StringComparison.Ordinal));
            if (run.StepCount == 0 && !expectEmpty) problems.Add($"{where}: no steps");
            if (run.StepCount > 0 && expectEmpty) problems.Add($"{where}: expected no steps, got {run.StepCount}");

            foreach (var step in run.Steps)
            {
                foreach (var call in step.ToolCalls.Where(c => !s_harnessOnlyTools.Contains(c.Tool)))
                {
                    if (string.IsNullOrWhiteSpace(call.Command) && string.IsNullOrWhiteSpace(call.Arguments))
                    {
                        problems.Add($"{where}: step {step.Id} call {call.Tool} has neither command nor arguments");
                    }
                }
            }

            foreach (var (fragment, status) in s_expectedOutcomes)
            {
                if (where.Contains(fragment, StringComparison.Ordinal) && run.Outcome.Status != status)
                {
                    problems.Add($"{where}: outcome {run.Outcome.Status}, PROVENANCE.md says {status}");
                }
            }
            if (run.Outcome.Status != OutcomeStatus.Unknown && run.Outcome.Evidence.Count == 0)
            {
                problems.Add($"{where}: verdict {run.Outcome.Status} without evidence");
            }

            foreach (var warning in run.Warnings.Where(w => !s_explainedWarnings.Contains(w.Code)))
            {
                problems.Add($"{where}: unexpected warning {warning}");
            }
        }

        // OpenAgentSafety's 45 lines: 13 scored in full, 28 not, 4 ended in an error with no score.
        var safety = batch.Runs.Where(r => r.Source.Path.EndsWith("output.critic_attempt_1.jsonl", StringComparison.Ordinal)).ToList();
        Assert.Equal(45, safety.Count);
        Assert.Equal(13, safety.Count(r => r.Outcome.Status == OutcomeStatus.Resolved));
        Assert.Equal(28, safety.Count(r => r.Outcome.Status == OutcomeStatus.Unresolved));

        foreach (var problem in problems) output.WriteLine("PROBLEM " + problem);
        Assert.Empty(problems);
    }
}
