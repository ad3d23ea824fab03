using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;
using Xunit.Abstractions;

namespace CodeTracer.Tests.Core.Import;

/// <summary>The real Terminus 2, Claude Code, Harbor ATIF and CodeTracer normalized runs in ../shared/traces.</summary>
public sealed class TerminalFormatsCorpusTests
{
    private readonly ITestOutputHelper _output;

    public TerminalFormatsCorpusTests(ITestOutputHelper output)
    {
        _output = output;
    }

    private List<Run> ImportCorpus(string folder, int expectedRuns)
    {
        TraceCorpus.EnsureAvailable();
        var batch = ImportAssert.Parse(TraceCorpus.Path(folder));
        Assert.Empty(batch.Errors);
        Assert.Equal(expectedRuns, batch.Runs.Count);

        var steps = batch.Runs.Sum(r => r.Steps.Count);
        var calls = batch.Runs.Sum(r => r.ToolCallCount);
        var outcomes = string.Join(", ", batch.Runs.GroupBy(r => r.Outcome.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
        _output.WriteLine($"{folder}: {batch.Runs.Count} runs, {steps} steps, {calls} tool calls, {batch.BytesRead:N0} bytes, parsed in {batch.ParseTime.TotalMilliseconds:N0} ms; {outcomes}");
        foreach (var run in batch.Runs)
        {
            _output.WriteLine($"  {run.Format,-24} {run.Task.Id,-55} {run.Model,-45} {run.Steps.Count,4} steps {run.ToolCallCount,4} calls  {run.Outcome.Status}  [{string.Join(", ", run.Warnings.Select(w => w.Code))}]");
        }

        foreach (var run in batch.Runs)
        {
            Assert.False(string.IsNullOrEmpty(run.Model), $"{run.Source.Path}: no model");
            Assert.False(string.IsNullOrEmpty(run.Task.Id), $"{run.Source.Path}: no task id");
            Assert.All(run.Steps.SelectMany(s => s.ToolCalls), call =>
                Assert.True(!string.IsNullOrEmpty(call.Command) || !string.IsNullOrEmpty(call.Arguments), $"{run.Source.Path}: a {call.Tool} call has neither command nor arguments"));
            Assert.All(run.Steps, step => Assert.NotNull(step.Provenance));
        }
        return batch.Runs;
    }

    private static Run ByTask(List<Run> runs, string taskId) => Assert.Single(runs, r => r.Task.Id == taskId);

    [CorpusFact]
    public void Terminus2_EveryTrialImportsWithOutcomeUnknown()
    {
        var runs = ImportCorpus("terminus-2", expectedRuns: 13);

        foreach (var run in runs)
        {
            Assert.Equal(RunFormats.Terminus2Episodes, run.Format);
            Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
            Assert.Empty(run.Outcome.Evidence);
            var responses = Directory.GetFiles(Path.Combine(run.Source.Path, "agent-logs"), "response.txt", SearchOption.AllDirectories).Length;
            Assert.Equal(responses, run.Steps.Count);
            Assert.All(run.Warnings, w => Assert.Contains(w.Code, new[] { "response-unparsed", "episode-without-response" }));
        }

        // Six responses in the corpus are truncated JSON that the harness itself rejected.
        Assert.Equal(6, runs.Sum(r => r.Warnings.Count(w => w.Code == "response-unparsed")));
        Assert.Equal("OpenAI/GPT-5", ByTask(runs, "port-compressor").Model);
        Assert.Equal("Anthropic/Claude-Sonnet-4-20250514-Thinking", ByTask(runs, "make-mips-interpreter").Model);
        Assert.Equal(61, ByTask(runs, "port-compressor").Steps.Count);

        // Every step but the last gets the next episode's prompt on its last call.
        foreach (var run in runs)
        {
            var answered = run.Steps.Take(run.Steps.Count - 1).Where(s => s.ToolCalls.Count > 0);
            Assert.All(answered, s => Assert.False(string.IsNullOrEmpty(s.ToolCalls[^1].Observation)));
        }
    }

    [CorpusFact]
    public void ClaudeCodeCasts_ImportWithTheirVerdicts()
    {
        var runs = ImportCorpus("claude-code-cast", expectedRuns: 6);

        Assert.All(runs, r => Assert.Equal(RunFormats.ClaudeCodeCast, r.Format));
        foreach (var task in new[] { "create-bucket", "qemu-startup", "hello-world" })
        {
            Assert.Equal(OutcomeStatus.Resolved, ByTask(runs, task).Outcome.Status);
        }
        foreach (var task in new[] { "crack-7z-hash.hard", "incompatible-python-fasttext", "play-zork" })
        {
            Assert.Equal(OutcomeStatus.Unresolved, ByTask(runs, task).Outcome.Status);
        }
        Assert.All(runs, r => Assert.Contains(r.Outcome.Evidence, e => e.Detail.StartsWith("is_resolved: ", StringComparison.Ordinal)));
        Assert.Equal("agent_timeout", ByTask(runs, "crack-7z-hash.hard").Outcome.FailureMode);
        Assert.Equal("agent_timeout", ByTask(runs, "play-zork").Outcome.FailureMode);

        var qemu = ByTask(runs, "qemu-startup");
        Assert.Empty(qemu.Steps);
        Assert.Equal(["no-steps", "model-from-run-metadata"], qemu.Warnings.Select(w => w.Code));
        Assert.All(runs.Where(r => r != qemu), r => Assert.NotEmpty(r.Steps));

        // The two timed-out agents never wrote Claude Code's final result event; the rest have no warnings.
        Assert.Equal(["no-final-result"], ByTask(runs, "crack-7z-hash.hard").Warnings.Select(w => w.Code));
        Assert.Equal(["no-final-result"], ByTask(runs, "play-zork").Warnings.Select(w => w.Code));
        foreach (var task in new[] { "create-bucket", "hello-world", "incompatible-python-fasttext" })
        {
            Assert.Empty(ByTask(runs, task).Warnings);
        }

        var crack = ByTask(runs, "crack-7z-hash.hard");
        Assert.Equal(309, crack.Steps.Count);
        // Every call but possibly the one the timeout cut off got its result.
        Assert.True(crack.Steps.SelectMany(s => s.ToolCalls).Count(c => c.Observation is null) <= 1);
        Assert.Equal("Bash", crack.Steps[0].ToolCalls[0].Tool);
    }

    [CorpusFact]
    public void HarborTrials_AtifWhenPresentElseStreamJson()
    {
        var runs = ImportCorpus("harbor-atif", expectedRuns: 3);

        var prove = ByTask(runs, "prove-plus-comm");
        Assert.Equal(RunFormats.HarborAtif, prove.Format);
        Assert.Equal(OutcomeStatus.Resolved, prove.Outcome.Status);
        Assert.Empty(prove.Warnings);

        var kv = ByTask(runs, "kv-store-grpc");
        Assert.Equal(RunFormats.HarborAtif, kv.Format);
        Assert.Equal(OutcomeStatus.Unresolved, kv.Outcome.Status);
        Assert.Equal(880472, kv.Metrics.PromptTokens);
        Assert.Contains(kv.Steps.SelectMany(s => s.ToolCalls), c => c.IsError);
        Assert.Empty(kv.Warnings);

        var polyglot = ByTask(runs, "polyglot-rust-c");
        Assert.Equal(RunFormats.ClaudeCodeStreamJson, polyglot.Format);
        Assert.Equal(OutcomeStatus.Unresolved, polyglot.Outcome.Status);
        Assert.Equal("AgentTimeoutError", polyglot.Outcome.FailureMode);
        Assert.Equal(["no-final-result"], polyglot.Warnings.Select(w => w.Code));

        Assert.All(runs, r =>
        {
            Assert.Equal("kimi-k2.5", r.Model);
            Assert.NotEmpty(r.Steps);
            Assert.Contains(r.Outcome.Evidence, e => e.Detail.StartsWith("reward.txt: ", StringComparison.Ordinal));
        });
    }

    [CorpusFact]
    public void CodeTracerNormalized_EveryCaseImportsWithShippedStages()
    {
        var runs = ImportCorpus("codetracer-normalized", expectedRuns: 39);

        Assert.Equal(13, runs.Count(r => r.Framework == Frameworks.MiniSweAgent));
        Assert.Equal(13, runs.Count(r => r.Framework == Frameworks.OpenHands));
        Assert.Equal(13, runs.Count(r => r.Framework == Frameworks.Terminus2));
        foreach (var run in runs)
        {
            Assert.Equal(RunFormats.CodeTracerNormalized, run.Format);
            Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
            Assert.NotEmpty(run.Steps);
            Assert.NotEmpty(run.ShippedStages);
            Assert.False(string.IsNullOrWhiteSpace(run.Task.Text));
            Assert.Empty(run.Warnings);
        }
        // The shipped ranges were cut at a finer step granularity and run past the last step.
        Assert.Contains(runs, r => r.ShippedStages.Max(s => s.LastStep) > r.Steps.Count);
    }
}
