using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Import;

/// <summary>The real OpenHands runs in <c>../shared/traces/openhands</c>, checked against PROVENANCE.md.</summary>
public sealed class OpenHandsCorpusTests
{
    private const string MultiSweBench = "OpenHands_OpenHands/evaluation/benchmarks/multi_swe_bench/examples/output.jsonl";
    private const string ProntoQa = "OpenHands_OpenHands/evaluation/evaluation_outputs/outputs/logic_reasoning/CodeActAgent/ProntoQA/gpt-4o-2024-05-13_maxiter_10_N_v1.5/output.jsonl";
    private const string Export = "OpenHands_OpenHands/tests/runtime/trajs/basic_gui_mode.json";
    private const string Session = "OpenHands_OpenHands/openhands-sessions/63b4315947a049e2b7a51249b3d4fcc3";
    private const string Critic = "OpenHands_benchmarks/benchmarks/openagentsafety/outputs/mgulavani__openagentsafety_full_updated-train/litellm_proxy/neulab/gpt-4o-2024-08-06_maxiter_100_N_initial/output.critic_attempt_1.jsonl";
    private const string Conversation = "OpenHands_benchmarks/workspace/conversations/40c95fc35bde4128a8802e7a40419901/event_service";

    // Two OpenAgentSafety instances have an empty history: the agent never acted, yet each has a score.
    private static readonly string[] s_runsWithoutActions = ["safety-flattening", "safety-delete-root"];

    private static readonly Lazy<ImportBatch> s_batch = new(() =>
    {
        TraceCorpus.EnsureAvailable();
        return TestServices.ImportService().Parse([TraceCorpus.Path("openhands")], CancellationToken.None);
    });

    private readonly ITestOutputHelper _output;

    public OpenHandsCorpusTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private static List<Run> RunsOf(string relative)
    {
        var path = Path.GetFullPath(TraceCorpus.Path("openhands", relative));
        return s_batch.Value.Runs.Where(r => r.Source.Path == path).ToList();
    }

    [CorpusFact]
    public void Corpus_EveryShape_ImportsWithExpectedRunCounts()
    {
        var batch = s_batch.Value;
        foreach (var group in batch.Runs.GroupBy(r => r.Source.Path))
        {
            var runs = group.ToList();
            _output.WriteLine(
                $"{Path.GetRelativePath(TraceCorpus.Root, group.Key)}: {runs[0].Format} {runs[0].FormatVersion}, {runs.Count} run(s), "
                + $"{runs.Sum(r => r.Steps.Count)} steps, {runs.Sum(r => r.ToolCallCount)} tool calls, "
                + $"resolved {runs.Count(r => r.Outcome.Status == OutcomeStatus.Resolved)} / unresolved {runs.Count(r => r.Outcome.Status == OutcomeStatus.Unresolved)} / unknown {runs.Count(r => r.Outcome.Status == OutcomeStatus.Unknown)}, "
                + $"model {runs[0].Model}");
        }
        foreach (var error in batch.Errors) _output.WriteLine("error: " + error);

        Assert.Empty(batch.Errors);
        Assert.Equal(3, RunsOf(MultiSweBench).Count);
        Assert.Equal(45, RunsOf(Critic).Count);
        Assert.Equal(6, RunsOf(ProntoQa).Count);
        Assert.Single(RunsOf(Export));
        Assert.Single(RunsOf(Session));
        Assert.Single(RunsOf(Conversation));
        Assert.Equal(57, batch.Runs.Count);
        Assert.Equal(batch.Runs.Count, batch.Runs.Select(r => r.Id).Distinct().Count());
    }

    [CorpusFact]
    public void Corpus_FormatsAndModels_AreRecognised()
    {
        Assert.All(RunsOf(MultiSweBench), r => Assert.Equal((RunFormats.OpenHandsEvalJsonl, "V0", "openai/openrouter-llama-4-maverick"), (r.Format, r.FormatVersion, r.Model)));
        Assert.All(RunsOf(Critic), r => Assert.Equal((RunFormats.OpenHandsV1EvalJsonl, "V1", "litellm_proxy/neulab/gpt-4o-2024-08-06"), (r.Format, r.FormatVersion, r.Model)));
        Assert.All(RunsOf(ProntoQa), r => Assert.Equal((RunFormats.OpenHandsPairList, "v1.5", "gpt-4o-2024-05-13"), (r.Format, r.FormatVersion, r.Model)));
        var export = Assert.Single(RunsOf(Export));
        Assert.Equal((RunFormats.OpenHandsEventArray, "claude-3-5-sonnet-20241022"), (export.Format, export.Model));
        var session = Assert.Single(RunsOf(Session));
        Assert.Equal((RunFormats.OpenHandsSessionDir, "anthropic/claude-3-7-sonnet-20250219", "Coin Flip Simulation", "Flip a coin!"), (session.Format, session.Model, session.Task.Title, session.Task.Text));
        var conversation = Assert.Single(RunsOf(Conversation));
        Assert.Equal((RunFormats.OpenHandsV1ConversationDir, "litellm_proxy/anthropic/claude-sonnet-4-20250514"), (conversation.Format, conversation.Model));
        Assert.All(s_batch.Value.Runs, r => Assert.Equal(Frameworks.OpenHands, r.Framework));
    }

    [CorpusFact]
    public void Corpus_EveryRunWithAnAgentAction_HasSteps()
    {
        var empty = s_batch.Value.Runs.Where(r => r.Steps.Count == 0).Select(r => r.Task.Id).Order(StringComparer.Ordinal).ToArray();

        Assert.Equal(s_runsWithoutActions.Order(StringComparer.Ordinal), empty);
    }

    [CorpusFact]
    public void Corpus_EveryToolCall_HasCommandOrArguments()
    {
        var calls = s_batch.Value.Runs.SelectMany(r => r.Steps).SelectMany(s => s.ToolCalls).ToList();
        var rejected = calls.Where(c => c.IsError && c.Tool == "error").ToList();
        _output.WriteLine($"{calls.Count} tool calls, {rejected.Count} rejected by the harness before running");

        Assert.All(calls.Except(rejected), c => Assert.True(c.Command is not null || c.Arguments is not null, c.Tool));
        Assert.All(rejected, c => Assert.False(string.IsNullOrEmpty(c.Observation)));
        // The two multi_swe_bench runs where the editor refused an invalid 'command' parameter.
        Assert.Equal(2, rejected.Count);
    }

    [CorpusFact]
    public void Corpus_Outcomes_MatchProvenance()
    {
        var critic = RunsOf(Critic);
        Assert.Equal(13, critic.Count(r => r.Outcome.Status == OutcomeStatus.Resolved));
        Assert.Equal(28, critic.Count(r => r.Outcome.Status == OutcomeStatus.Unresolved));
        Assert.Equal(4, critic.Count(r => r.Outcome.Status == OutcomeStatus.Unknown));
        Assert.Equal(4, critic.Count(r => r.Outcome.Evidence.Any(e => e.Detail.Contains("final_score 0/0: no checkpoint passed", StringComparison.Ordinal))));
        Assert.All(critic.Where(r => r.Outcome.Status != OutcomeStatus.Unknown), r => Assert.Equal(Path.GetFullPath(TraceCorpus.Path("openhands", Critic)), Assert.Single(r.Outcome.Evidence).File));
        Assert.All(critic.Where(r => r.Outcome.Status == OutcomeStatus.Unknown), r => Assert.Contains(r.Warnings, w => w.Code == "run-error"));

        var prontoQa = RunsOf(ProntoQa);
        Assert.Equal(5, prontoQa.Count(r => r.Outcome.Status == OutcomeStatus.Resolved));
        Assert.Equal("ProntoQA_1", Assert.Single(prontoQa, r => r.Outcome.Status == OutcomeStatus.Unresolved).Task.Id);

        // A git patch and a finish action are not a verdict; a proxy that priced nothing is no cost, not zero cost.
        Assert.All(RunsOf(MultiSweBench), r => Assert.Null(r.Metrics.CostUsd));
        Assert.All(RunsOf(MultiSweBench), r => Assert.Equal(OutcomeStatus.Unknown, r.Outcome.Status));
        var maxed = Assert.Single(RunsOf(MultiSweBench), r => r.Task.Id == "ponylang__ponyc-4588");
        Assert.Contains("maximum iteration", maxed.ExitStatus);
        Assert.Equal(OutcomeStatus.Unknown, Assert.Single(RunsOf(Export)).Outcome.Status);
        Assert.Equal(OutcomeStatus.Unknown, Assert.Single(RunsOf(Session)).Outcome.Status);
        Assert.Equal(OutcomeStatus.Unknown, Assert.Single(RunsOf(Conversation)).Outcome.Status);
    }

    [CorpusFact]
    public void Corpus_Warnings_AreOnlyTheExpectedOnes()
    {
        var warnings = s_batch.Value.Runs.SelectMany(r => r.Warnings.Select(w => (Run: r.Task.Id ?? r.Task.Title, Warning: w))).ToList();
        foreach (var (run, warning) in warnings) _output.WriteLine($"{run}: {warning}");

        // The harness errors (max iterations once, the evaluator four times) and the two runs with no action.
        Assert.Equal(5, warnings.Count(w => w.Warning.Code == "run-error"));
        Assert.Equal(2, warnings.Count(w => w.Warning.Code == "no-steps"));
        Assert.Equal(7, warnings.Count);
    }

    [CorpusFact]
    public void Corpus_V1Conversation_GivesSensibleSteps()
    {
        var run = Assert.Single(RunsOf(Conversation));
        var eventFiles = Directory.GetFiles(TraceCorpus.Path("openhands", Conversation, "events"), "event-*.json");
        Assert.Equal(238, eventFiles.Length);

        // 238 events: a system prompt, the user's task, 116 actions with 116 observations, 4 condensations.
        var markers = run.Steps.Where(s => s.IsMarker).ToList();
        Assert.Equal(4, markers.Count);
        Assert.All(markers, m => Assert.StartsWith("Context condensed: ", m.Thought));
        Assert.Equal(116, run.Steps.Count(s => !s.IsMarker));
        Assert.Equal(116, run.ToolCallCount);
        Assert.All(run.Steps.SelectMany(s => s.ToolCalls), c => Assert.NotNull(c.Observation));
        Assert.Equal("think", run.Steps[0].ToolCalls[0].Tool);
        Assert.Equal("finish", run.Steps[^1].ToolCalls[0].Tool);
        Assert.Contains("MatrixSymbol", run.Task.Text);
        Assert.Equal("finished", run.ExitStatus);

        var bash = run.Steps.SelectMany(s => s.ToolCalls).Where(c => c.Tool == "execute_bash").ToList();
        Assert.Equal(61, bash.Count);
        Assert.All(bash, c => Assert.False(string.IsNullOrWhiteSpace(c.Command)));
        Assert.All(bash, c => Assert.NotNull(c.ExitCode));
        Assert.Contains(bash, c => c.ExitCode != 0);

        // Steps stay in event order and carry their event file.
        Assert.All(run.Steps, s => Assert.StartsWith("event-", Path.GetFileName(s.Provenance!.File)));
        var started = run.Steps.Select(s => s.StartedAtUtc!.Value).ToList();
        Assert.Equal(started.Order(), started);
        Assert.True(run.Steps.Count(s => s.Tokens?.Prompt is not null) >= 100);
        Assert.Equal(2.19180585, run.Metrics.CostUsd!.Value, 6);
        _output.WriteLine($"{run.Steps.Count} steps ({markers.Count} markers), {bash.Count(c => c.ExitCode != 0)} failing shell commands, cost {run.Metrics.CostUsd:0.###}");
    }

    [CorpusFact]
    public void Corpus_ParallelCallsOfOneResponse_ShareAStep()
    {
        // OpenAgentSafety: 16 responses made two calls at once (e.g. typing a user name and a password).
        var parallel = RunsOf(Critic).SelectMany(r => r.Steps).Where(s => s.ToolCalls.Count > 1).ToList();

        Assert.Equal(16, parallel.Count);
        Assert.All(parallel, s => Assert.Equal(2, s.ToolCalls.Count));
        Assert.All(parallel.SelectMany(s => s.ToolCalls), c => Assert.NotNull(c.CallId));
    }
}
