using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Formats.MiniSweAgent;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Import;

/// <summary>The real mini-SWE-agent runs in <c>../shared/traces/mini-swe-agent</c>, with the outcomes PROVENANCE.md records.</summary>
public sealed class MiniSweAgentCorpusTests
{
    /// <summary>
    /// From PROVENANCE.md. The gemini-3-pro runs have their own SWE-bench report.json; django-13265 is in the
    /// deepseek-chat run summary's <c>unresolved_ids</c>. The deepseek-reasoner runs (pvlib, astroid) stopped on API
    /// errors and were never evaluated: only exit_statuses_*.yaml sits beside them, which gives stop reasons, not
    /// verdicts, and the deepseek-chat summary above them belongs to another run and does not list them.
    /// </summary>
    private static readonly Dictionary<string, OutcomeStatus> s_expected = new(StringComparer.Ordinal)
    {
        ["psf__requests-1142"] = OutcomeStatus.Resolved,
        ["django__django-16255"] = OutcomeStatus.Resolved,
        ["sympy__sympy-18211"] = OutcomeStatus.Unresolved,
        ["django__django-13265"] = OutcomeStatus.Unresolved,
        ["pvlib__pvlib-python-1606"] = OutcomeStatus.Unknown,
        ["pylint-dev__astroid-1978"] = OutcomeStatus.Unknown,
    };

    /// <summary>The only warnings the corpus should give: the two runs that stopped on an exception, one before any turn.</summary>
    private static readonly Dictionary<string, string[]> s_expectedWarnings = new(StringComparer.Ordinal)
    {
        ["pvlib__pvlib-python-1606"] = ["agent-exception"],
        ["pylint-dev__astroid-1978"] = ["agent-exception", "no-steps"],
    };

    private readonly ITestOutputHelper _output;

    public MiniSweAgentCorpusTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static ImportBatch ParseCorpus()
    {
        TraceCorpus.EnsureAvailable();
        return TestServices.ImportService().Parse([TraceCorpus.Path("mini-swe-agent")], CancellationToken.None);
    }

    [CorpusFact]
    public void Import_MiniSweAgentCorpus_EveryRunImportsWithItsRecordedOutcome()
    {
        var batch = ParseCorpus();

        foreach (var run in batch.Runs.OrderBy(r => r.Task.Id, StringComparer.Ordinal))
        {
            _output.WriteLine($"{run.Task.Id,-30} v{run.FormatVersion,-4} {run.Steps.Count,3} steps  {CodeTracer.Core.Export.InspectJson.OutcomeName(run.Outcome.Status),-10} "
                + $"exit={run.ExitStatus ?? "-"}  model={run.Model ?? "-"}  {string.Join("; ", run.Outcome.Evidence.Select(e => e.Detail))}"
                + (run.Warnings.Count > 0 ? "  warnings: " + string.Join(", ", run.Warnings.Select(w => w.Code)) : ""));
        }
        Assert.Empty(batch.Errors);
        Assert.Equal(s_expected.Keys.Order(StringComparer.Ordinal), batch.Runs.Select(r => r.Task.Id!).Order(StringComparer.Ordinal));
        foreach (var run in batch.Runs)
        {
            var id = run.Task.Id!;
            if (id == "pylint-dev__astroid-1978") Assert.Empty(run.Steps);
            else Assert.True(run.Steps.Count > 0, id);
            Assert.All(run.Steps.SelectMany(s => s.ToolCalls), c => Assert.False(string.IsNullOrWhiteSpace(c.Command), id));
            Assert.Equal(s_expected[id], run.Outcome.Status);
            Assert.Equal(run.Outcome.Status != OutcomeStatus.Unknown, run.Outcome.Evidence.Count > 0);
            Assert.Equal(s_expectedWarnings.GetValueOrDefault(id, []), run.Warnings.Select(w => w.Code).Order(StringComparer.Ordinal));
            Assert.Equal(Frameworks.MiniSweAgent, run.Framework);
        }
    }

    [CorpusFact]
    public void Import_MiniSweAgentCorpus_StepsFollowTheMessages()
    {
        var runs = ParseCorpus().Runs.ToDictionary(r => r.Task.Id!, StringComparer.Ordinal);

        // One step per assistant message: 71 in requests-1142 (v1), 156 in django-13265 (v1.1).
        Assert.Equal(71, runs["psf__requests-1142"].Steps.Count);
        Assert.Equal(156, runs["django__django-13265"].Steps.Count);
        Assert.Equal("1", runs["psf__requests-1142"].FormatVersion);
        Assert.Equal("1.1", runs["django__django-13265"].FormatVersion);

        // Two turns of requests-1142 held two bash blocks; the harness rejected them and said so.
        var rejected = runs["psf__requests-1142"].Steps.SelectMany(s => s.ToolCalls).Where(c => c.Tool == MiniSweAgentTrajImporter.FormatErrorTool).ToList();
        Assert.Equal(2, rejected.Count);
        Assert.All(rejected, c => Assert.StartsWith("Please always provide EXACTLY ONE action", c.Observation));

        // The 868 KB submitted diff is the last command's output, kept whole.
        Assert.True(runs["psf__requests-1142"].Steps[^1].ToolCalls[0].Observation!.Length > 860_000);

        var exitCodes = runs["django__django-13265"].Steps.SelectMany(s => s.ToolCalls).Select(c => c.ExitCode).ToList();
        Assert.Contains(2, exitCodes);
        Assert.Contains(1, exitCodes);

        var pvlib = runs["pvlib__pvlib-python-1606"];
        Assert.Equal("InternalServerError", pvlib.ExitStatus);
        Assert.All(pvlib.Steps, s => Assert.False(string.IsNullOrEmpty(s.Reasoning)));
        Assert.Equal("deepseek/deepseek-reasoner", pvlib.Model);
        Assert.Equal("Timeout", runs["pylint-dev__astroid-1978"].ExitStatus);
        Assert.Equal("google/gemini-3-pro-preview", runs["sympy__sympy-18211"].Model);
    }

    [CorpusFact]
    public void Import_MiniSweAgentCorpus_ReportTestsJoined()
    {
        var sympy = ParseCorpus().Runs.Single(r => r.Task.Id == "sympy__sympy-18211");

        Assert.Equal("failed", sympy.Outcome.TestResults["test_issue_18188"]);
        Assert.EndsWith(Path.Combine("logs", "sympy__sympy-18211", "report.json"), Assert.Single(sympy.Outcome.Evidence).File);
    }
}
