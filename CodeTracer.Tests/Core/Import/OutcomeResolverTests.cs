using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Outcomes;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class OutcomeResolverTests
{
    private const string MiniRun = "{\"info\": {\"exit_status\": \"Submitted\"}, \"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\", \"content\": \"task\"},"
        + " {\"role\": \"assistant\", \"content\": \"THOUGHT: go\\n\\n```bash\\nls\\n```\"}, {\"role\": \"user\", \"content\": \"<returncode>0</returncode>\\n<output>\\n</output>\"}],"
        + " \"trajectory_format\": \"mini-swe-agent-1\", \"instance_id\": \"ID\"}";

    private static Run ReadOne(string path)
    {
        var batch = TestServices.ImportService().Parse([path], CancellationToken.None);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Runs);
    }

    private static Run ReadTask(string folder, string taskId) =>
        Assert.Single(TestServices.ImportService().Parse([folder], CancellationToken.None).Runs, r => r.Task.Id == taskId);

    /// <summary>Runs the resolver alone over a run that sits at <paramref name="sourcePath"/>, searching at most two levels up (temp folders must not see /tmp).</summary>
    private static Run Resolve(string sourcePath, string taskId, ImportContext? context = null)
    {
        var run = new Run { Task = new TaskInfo { Id = taskId }, Source = new RunSource { Path = sourcePath } };
        new BatchOutcomeResolver().Resolve(run, context ?? NewContext());
        return run;
    }

    private static ImportContext NewContext() => new(new ImportOptions { OutcomeSearchLevels = 2 });

    [Fact]
    public void Resolve_ListedInResolved_IsResolvedWithEvidence()
    {
        var run = ReadTask(TestData.Path("swe-agent", "batch-0x"), "acme__widgets-101");

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.Equal(TestData.Path("swe-agent", "batch-0x", "20240825_SWE-agent_tiny-coder-7b", "results", "results.json"), evidence.File);
        Assert.Equal("listed in resolved", evidence.Detail);
    }

    [Fact]
    public void Resolve_ListedInResolvedIds_IsResolvedWithEvidence()
    {
        var run = ReadTask(TestData.Path("mini-swe-agent", "run-v11"), "acme__lib-9");

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.EndsWith("openai__tiny-model.run_a.json", evidence.File);
        Assert.Equal("listed in resolved_ids", evidence.Detail);
    }

    [Fact]
    public void Resolve_ListedInEmptyPatchIds_IsUnresolved()
    {
        var run = ReadTask(TestData.Path("swe-agent", "batch-0x"), "acme__widgets-102");

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("listed in empty_patch_ids (the run produced no patch)", Assert.Single(run.Outcome.Evidence).Detail);
        Assert.Equal("empty patch", run.Outcome.FailureMode);
    }

    [Fact]
    public void Resolve_ListedInIncompleteIds_IsUnresolvedAndSaysItWasNotEvaluated()
    {
        var run = ReadTask(TestData.Path("swe-agent", "batch-0x"), "acme__widgets-104");

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Contains("never evaluated", Assert.Single(run.Outcome.Evidence).Detail);
    }

    [Fact]
    public void Resolve_ListedInUnresolvedIds_IsUnresolved()
    {
        var run = ReadOne(TestData.Path("swe-agent", "run-1x", "acme__gadget-7", "acme__gadget-7.traj"));

        Assert.Equal("submitted", run.ExitStatus);
        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("listed in unresolved_ids", Assert.Single(run.Outcome.Evidence).Detail);
    }

    [Fact]
    public void Resolve_FlatReport_IsResolvedWithTestResults()
    {
        var run = ReadOne(TestData.Path("mini-swe-agent", "run-v1", "trajs", "acme__lib-5", "acme__lib-5.traj.json"));

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.Equal(TestData.Path("mini-swe-agent", "run-v1", "logs", "acme__lib-5", "report.json"), evidence.File);
        Assert.Equal("resolved: true (FAIL_TO_PASS 1/1 passed, PASS_TO_PASS 2/2 passed)", evidence.Detail);
        Assert.Equal(3, run.Outcome.TestResults.Count);
        Assert.Equal("passed", run.Outcome.TestResults["tests/test_parse.py::test_last_field"]);
    }

    [Fact]
    public void Resolve_ReportNestedUnderInstanceId_IsUnresolvedWithFailingTest()
    {
        var run = ReadOne(TestData.Path("mini-swe-agent", "nested", "trajs", "acme__lib-11", "acme__lib-11.traj.json"));

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        var evidence = Assert.Single(run.Outcome.Evidence);
        Assert.Contains(Path.Combine("logs", "run_evaluation", "run_b", "tiny-model", "acme__lib-11", "report.json"), evidence.File);
        Assert.Equal("acme__lib-11.resolved: false (FAIL_TO_PASS 0/1 passed, PASS_TO_PASS 1/1 passed)", evidence.Detail);
        Assert.Equal("failed", run.Outcome.TestResults["tests/test_fmt.py::test_none"]);
        Assert.Equal("passed", run.Outcome.TestResults["tests/test_fmt.py::test_pad"]);
    }

    [Fact]
    public void Resolve_SummaryOfAnotherRunListingTheId_IsNotUsed()
    {
        // openai__other-model.run_z.json lists acme__lib-10 as resolved, but neither its model nor its run id is this run's.
        var run = ReadOne(TestData.Path("mini-swe-agent", "run-v11", "run_a", "acme__lib-10", "acme__lib-10.traj.json"));

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Empty(run.Outcome.Evidence);
    }

    [Fact]
    public void Resolve_ResultsSummaryInstances_UsesTheInstanceEntry()
    {
        using var dir = new TempDirectory();
        dir.Write("results_summary.json", "{\"total\": 2, \"instances\": [{\"instance_id\": \"acme__x-1\", \"resolved\": true, \"patch_applied\": true},"
            + " {\"instance_id\": \"acme__x-2\", \"resolved\": false, \"patch_applied\": false}]}");
        var source = dir.Write("trajs/acme__x-2/acme__x-2.traj.json", MiniRun.Replace("ID", "acme__x-2", StringComparison.Ordinal));

        var run = Resolve(source, "acme__x-2");

        Assert.Equal(OutcomeStatus.Unresolved, run.Outcome.Status);
        Assert.Equal("instances[1].resolved: false", Assert.Single(run.Outcome.Evidence).Detail);
        Assert.Equal("patch did not apply", run.Outcome.FailureMode);
    }

    [Fact]
    public void Resolve_RunAbsentFromEveryList_StaysUnknown()
    {
        using var dir = new TempDirectory();
        dir.Write("results.json", "{\"resolved\": [\"other-1\"], \"unresolved_ids\": [\"other-2\"], \"submitted_ids\": [\"acme__x-3\"]}");
        var source = dir.Write("trajs/acme__x-3.traj", "{}");

        var run = Resolve(source, "acme__x-3");

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Empty(run.Outcome.Evidence);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Resolve_SubmittedRunWithoutEvaluation_IsNeverResolved()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("out/acme__x-4/acme__x-4.traj.json", MiniRun.Replace("ID", "acme__x-4", StringComparison.Ordinal));
        var services = TestServices.Create(settings: new Dictionary<string, string?> { ["Import:OutcomeSearchLevels"] = "2" });

        var run = Assert.Single(TestServices.ImportService(services).Parse([path], CancellationToken.None).Runs);

        Assert.Equal("Submitted", run.ExitStatus);
        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
    }

    [Fact]
    public void Resolve_FlatReportInFolderNotNamedForInstance_IsNotUsed()
    {
        using var dir = new TempDirectory();
        dir.Write("batch/report.json", "{\"resolved\": true}");
        var source = dir.Write("batch/acme__x-5.traj", "{}");

        Assert.Equal(OutcomeStatus.Unknown, Resolve(source, "acme__x-5").Outcome.Status);
    }

    [Fact]
    public void Resolve_BrokenResultsFile_WarnsWithLocationAndStaysUnknown()
    {
        using var dir = new TempDirectory();
        var results = dir.Write("results.json", "{\n  \"resolved\": [\"acme__x-6\",\n");
        var source = dir.Write("trajs/acme__x-6.traj", "{}");

        var run = Resolve(source, "acme__x-6");

        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        var warning = Assert.Single(run.Warnings);
        Assert.Equal("outcome-file-unreadable", warning.Code);
        Assert.Equal(results, warning.File);
        Assert.StartsWith("line ", warning.Location);
    }

    [Fact]
    public void Resolve_ResolvedAndUnresolvedBothListIt_ResolvedWinsAndEvidenceSaysBoth()
    {
        using var dir = new TempDirectory();
        dir.Write("results.json", "{\"resolved_ids\": [\"acme__x-7\"], \"unresolved_ids\": [\"acme__x-7\"]}");
        var source = dir.Write("trajs/acme__x-7.traj", "{}");

        var run = Resolve(source, "acme__x-7");

        Assert.Equal(OutcomeStatus.Resolved, run.Outcome.Status);
        Assert.Equal("listed in resolved_ids (also listed in unresolved_ids)", Assert.Single(run.Outcome.Evidence).Detail);
    }

    [Fact]
    public void Resolve_TwoRunsOfOneBatch_ReadTheResultsFileOnce()
    {
        using var dir = new TempDirectory();
        var results = dir.Write("results.json", "{\"resolved_ids\": [\"acme__a-1\"], \"unresolved_ids\": [\"acme__a-2\"]}");
        var context = NewContext();

        Assert.Equal(OutcomeStatus.Resolved, Resolve(dir.File("a1.traj"), "acme__a-1", context).Outcome.Status);
        // Were the file read again, the second run would now be resolved.
        File.WriteAllText(results, "{\"resolved_ids\": [\"acme__a-1\", \"acme__a-2\"]}");
        Assert.Equal(OutcomeStatus.Unresolved, Resolve(dir.File("a2.traj"), "acme__a-2", context).Outcome.Status);
        // A fresh import reads it afresh.
        Assert.Equal(OutcomeStatus.Resolved, Resolve(dir.File("a2.traj"), "acme__a-2").Outcome.Status);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("..")]
    public void Resolve_InstanceIdThatClimbsFolders_IsNeverUsedAsAPath(string taskId)
    {
        using var dir = new TempDirectory();
        // logs/../etc/report.json and logs/../report.json would be these files (a path through logs/ needs it to exist).
        dir.Write("run/logs/readme.txt", "evaluation logs");
        dir.Write("run/etc/report.json", "{\"resolved\": true}");
        dir.Write("run/report.json", "{\"resolved\": true}");
        var source = dir.Write("run/x.traj", "{}");

        Assert.Equal(OutcomeStatus.Unknown, Resolve(source, taskId).Outcome.Status);
    }

    [Fact]
    public void Resolve_InstanceIdWithSlash_IsStillMatchedInLists()
    {
        using var dir = new TempDirectory();
        dir.Write("results.json", "{\"resolved_ids\": [\"owner/repo#12\"]}");

        Assert.Equal(OutcomeStatus.Resolved, Resolve(dir.File("x.traj"), "owner/repo#12").Outcome.Status);
    }

    [Fact]
    public void Resolve_NoInstanceId_IsLeftAlone()
    {
        using var dir = new TempDirectory();
        dir.Write("results.json", "{\"resolved_ids\": [\"\"]}");

        Assert.Equal(OutcomeStatus.Unknown, Resolve(dir.File("x.traj"), "").Outcome.Status);
    }

    [Fact]
    public void Resolve_SearchLevelsZero_LooksOnlyInTheRunFolder()
    {
        using var dir = new TempDirectory();
        dir.Write("results.json", "{\"resolved_ids\": [\"acme__z-1\"]}");
        var source = dir.Write("trajs/acme__z-1.traj", "{}");
        var context = new ImportContext(new ImportOptions { OutcomeSearchLevels = 0 });

        Assert.Equal(OutcomeStatus.Unknown, Resolve(source, "acme__z-1", context).Outcome.Status);
        Assert.Equal(OutcomeStatus.Resolved, Resolve(source, "acme__z-1").Outcome.Status);
    }
}
