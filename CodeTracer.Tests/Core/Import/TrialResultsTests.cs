using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

/// <summary>Verdicts joined from Terminal-Bench and Harbor result files, on minimal trials written per test.</summary>
public sealed class TrialResultsTests
{
    private const string Response = "{\"analysis\": \"a\", \"plan\": \"p\", \"commands\": [{\"keystrokes\": \"ls\\n\"}], \"task_complete\": true}";

    [Theory]
    [InlineData("true", "unset", OutcomeStatus.Resolved, null)]
    [InlineData("false", "agent_timeout", OutcomeStatus.Unresolved, "agent_timeout")]
    [InlineData("null", "parse_error", OutcomeStatus.Unknown, "parse_error")]
    public void TerminalBenchResults_IsResolvedVariants(string isResolved, string failureMode, OutcomeStatus expected, string? expectedFailure)
    {
        using var dir = new TempDirectory();
        dir.Write("task.1-of-1.r/agent-logs/episode-0/response.txt", Response);
        var results = dir.Write("task.1-of-1.r/results.json",
            $"{{\"trial_name\": \"task.1-of-1.r\", \"task_id\": \"task\", \"is_resolved\": {isResolved}, \"failure_mode\": \"{failureMode}\", \"parser_results\": null}}");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(expected, run.Outcome.Status);
        Assert.Equal(expectedFailure, run.Outcome.FailureMode);
        Assert.Contains(run.Outcome.Evidence, e => e.File == results && e.Detail == $"is_resolved: {isResolved}");
        Assert.Empty(run.Outcome.TestResults);
    }

    [Theory]
    [InlineData("1\n", OutcomeStatus.Resolved)]
    [InlineData("0\n", OutcomeStatus.Unresolved)]
    [InlineData("1.0", OutcomeStatus.Resolved)]
    public void HarborRewardFileAlone_GivesTheVerdict(string reward, OutcomeStatus expected)
    {
        using var dir = new TempDirectory();
        dir.Write("task__AbC1234/agent/episode-0/response.txt", Response);
        var rewardFile = dir.Write("task__AbC1234/verifier/reward.txt", reward);

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(expected, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.Equal(rewardFile, evidence.File);
        Assert.StartsWith("reward.txt: ", evidence.Detail);
        Assert.Equal("task", run.Task.Id);
    }

    [Fact]
    public void HarborRewardJson_IsReadWhenThereIsNoRewardText()
    {
        using var dir = new TempDirectory();
        dir.Write("task__AbC1234/agent/episode-0/response.txt", Response);
        dir.Write("task__AbC1234/verifier/reward.json", "{\"reward\": 1}");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal("reward.json: 1", Assert.Single(run.Outcome.Evidence).Detail);
    }

    [Fact]
    public void HarborResultAndRewardFileDisagree_ResultKeptAndWarned()
    {
        using var dir = new TempDirectory();
        dir.Write("task__AbC1234/agent/episode-0/response.txt", Response);
        dir.Write("task__AbC1234/result.json", "{\"task_name\": \"task\", \"verifier_result\": {\"rewards\": {\"reward\": 0.0}}}");
        dir.Write("task__AbC1234/verifier/reward.txt", "1");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal(0.0, run.Outcome.Reward);
        Assert.Contains(run.Warnings, w => w.Code == "outcome-conflict");
    }

    [Fact]
    public void HarborVerifierNeverRan_UnknownWithFailureModeFromException()
    {
        using var dir = new TempDirectory();
        dir.Write("task__AbC1234/agent/episode-0/response.txt", Response);
        dir.Write("task__AbC1234/result.json", "{\"task_name\": \"task\", \"verifier_result\": null, \"exception_info\": null}");
        dir.Write("task__AbC1234/exception.txt", "Traceback (most recent call last):\n  ...\nharbor.errors.EnvironmentStartTimeoutError: docker compose up took too long\n");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Equal("EnvironmentStartTimeoutError", run.Outcome.FailureMode);
        Assert.Contains(run.Outcome.Evidence, e => e.Detail.Contains("docker compose up took too long", StringComparison.Ordinal));
    }

    [Fact]
    public void BrokenResultFiles_WarnWithoutLosingTheRun()
    {
        using var dir = new TempDirectory();
        dir.Write("run/task/task.1-of-1.r/agent-logs/episode-0/response.txt", Response);
        var runResults = dir.Write("run/results.json", "{\"results\": [ {\"trial_name\": ");
        dir.Write("run/task/task.1-of-1.r/verifier/reward.txt", "yes");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Single(run.Steps);
        var unreadable = Assert.Single(run.Warnings, w => w.Code == "run-results-unreadable");
        Assert.Equal(runResults, unreadable.File);
        Assert.StartsWith("line 1,", unreadable.Location);
        Assert.Contains(run.Warnings, w => w.Code == "reward-unreadable" && w.Message.Contains("\"yes\"", StringComparison.Ordinal));
    }

    [Fact]
    public void RunLevelResults_OnlyTheMatchingTrialIsUsed()
    {
        using var dir = new TempDirectory();
        dir.Write("run/task/task.1-of-1.r/agent-logs/episode-0/response.txt", Response);
        dir.Write("run/results.json", "{\"results\": [{\"trial_name\": \"other.1-of-1.r\", \"task_id\": \"other\", \"is_resolved\": true}]}");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Empty(run.Outcome.Evidence);
        Assert.Empty(run.Warnings);
    }
}
