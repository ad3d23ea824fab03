using CodeTracer.Core.Import;
using CodeTracer.Core.Import.Formats.SweAgent;
using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class SweAgentImporterTests
{
    private static readonly string s_batch = TestData.Path("swe-agent", "batch-0x", "20240825_SWE-agent_tiny-coder-7b");

    private static Run ReadOne(string path)
    {
        var batch = TestServices.ImportService().Parse([path], CancellationToken.None);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Runs);
    }

    [Fact]
    public void Parse_Version0Traj_OneStepPerTrajectoryEntryWithAciToolNames()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-101.traj"));

        Assert.Equal(Frameworks.SweAgent, run.Framework);
        Assert.Equal(RunFormats.SweAgentTraj, run.Format);
        Assert.Equal("0.x", run.FormatVersion);
        Assert.Equal([1, 2, 3, 4, 5], run.Steps.Select(s => s.Id));
        Assert.All(run.Steps, s => Assert.Single(s.ToolCalls));
        Assert.Equal(["create", "edit", "bash", "search_dir", "submit"], run.Steps.Select(s => s.ToolCalls[0].Tool));
        Assert.Equal("create reproduce.py", run.Steps[0].ToolCalls[0].Command);
        Assert.Equal("edit 1:1\nfrom widgets import Gear\nprint(Gear(3).teeth())\nend_of_edit", run.Steps[1].ToolCalls[0].Command);
        Assert.Equal("python reproduce.py && echo done", run.Steps[2].ToolCalls[0].Command);
        Assert.Null(run.Steps[2].ToolCalls[0].ExitCode);
    }

    [Fact]
    public void Parse_Version0Traj_KeepsObservationsAndThoughts()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-101.traj"));

        // Terminal output keeps its CRLFs; the "DISCUSSION" heading of 0.x is not part of the thought.
        Assert.Equal("Traceback (most recent call last):\r\n  File \"reproduce.py\", line 2, in <module>\r\nZeroDivisionError: division by zero",
            run.Steps[2].ToolCalls[0].Observation);
        Assert.Equal("First I will reproduce the bug with a small script.", run.Steps[0].Thought);
        // An empty thought falls back to the response without its fenced command.
        Assert.Equal("Now the script body.", run.Steps[1].Thought);
        Assert.Equal("/trajectory/2", run.Steps[2].Provenance!.JsonPointer);
        Assert.EndsWith("acme__widgets-101.traj", run.Steps[2].Provenance!.File);
    }

    [Fact]
    public void Parse_Version0Traj_TaskSkipsDemonstration()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-101.traj"));

        Assert.Equal("acme__widgets-101", run.Task.Id);
        Assert.StartsWith("We're currently solving the following issue", run.Task.Text);
        Assert.Contains("Gear.teeth() divides by zero", run.Task.Text);
        Assert.DoesNotContain("DEMONSTRATION", run.Task.Text);
    }

    [Fact]
    public void Parse_Version0Traj_MetricsUseInstanceCostNotBatchTotal()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-101.traj"));

        Assert.Equal("submitted", run.ExitStatus);
        Assert.Equal(0.25, run.Metrics.CostUsd);
        Assert.Equal(12000, run.Metrics.PromptTokens);
        Assert.Equal(340, run.Metrics.CompletionTokens);
        Assert.Equal(5, run.Metrics.ApiCalls);
    }

    [Fact]
    public void Parse_Version0Traj_ModelFromRunFolderMetadata()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-101.traj"));
        Assert.Equal("tiny-coder-7b", run.Model);
    }

    [Fact]
    public void Parse_ModelOnlyInFolderName_ReadsFolderName()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("20250101_SWE-agent_folder-model/trajs/x__y-1.traj", File.ReadAllText(Path.Combine(s_batch, "trajs", "acme__widgets-104.traj")));
        Assert.Equal("folder-model", ReadOne(path).Model);
    }

    [Fact]
    public void Parse_Version1WithInstanceConfig_ReadsModelFromConfigYaml()
    {
        using var dir = new TempDirectory();
        var traj = File.ReadAllText(TestData.Path("swe-agent", "run-1x", "acme__gadget-7", "acme__gadget-7.traj"));
        // Without replay_config the model comes from the per-instance config 1.x writes beside the trajectory.
        traj = traj[..traj.IndexOf("\"replay_config\"", StringComparison.Ordinal)] + "\"environment\": \"main\"\n}";
        var path = dir.Write("default__run/acme__gadget-8/acme__gadget-8.traj", traj);
        dir.Write("default__run/acme__gadget-8/acme__gadget-8.config.yaml",
            "env:\n  deployment:\n    image: python:3.11\nagent:\n  templates:\n    system_template: hi\n  model:\n    name: claude-test-1\n    per_instance_cost_limit: 3.0\n");

        var run = ReadOne(path);

        Assert.Equal("1.x", run.FormatVersion);
        Assert.Equal("claude-test-1", run.Model);
    }

    [Fact]
    public void Parse_HarnessExitAction_IsKeptAsMarkedStep()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-102.traj"));

        Assert.Equal("exit_cost", run.ExitStatus);
        Assert.Equal(2, run.Steps.Count);
        Assert.False(run.Steps[0].IsMarker);
        var exit = run.Steps[1];
        Assert.True(exit.IsMarker);
        Assert.Equal("exit_cost", exit.ToolCalls[0].Tool);
        Assert.Equal("Exited (autosubmitted)", exit.ToolCalls[0].Observation);
        Assert.Equal("Exit due to cost limit", exit.Thought);
    }

    [Fact]
    public void Parse_InfoWithoutExitStatus_LeavesExitStatusNull()
    {
        var run = ReadOne(Path.Combine(s_batch, "trajs", "acme__widgets-104.traj"));
        Assert.Null(run.ExitStatus);
        Assert.Equal(0.4, run.Metrics.CostUsd);
    }

    [Fact]
    public void Parse_Version1Traj_KeepsToolCallIdsArgumentsAndDurations()
    {
        var run = ReadOne(TestData.Path("swe-agent", "run-1x", "acme__gadget-7", "acme__gadget-7.traj"));

        Assert.Equal("1.x", run.FormatVersion);
        Assert.Equal(4, run.Steps.Count);
        Assert.Equal(["bash", "open", "edit", "submit"], run.Steps.Select(s => s.ToolCalls[0].Tool));
        var open = run.Steps[1].ToolCalls[0];
        Assert.Equal("call_bbb2", open.CallId);
        Assert.Equal("{\"path\":\"src/gadget.py\", \"line_number\":10}", open.Arguments);
        Assert.Equal("open \"src/gadget.py\" 10", open.Command);
        Assert.Equal(0.5, open.DurationSeconds);
        Assert.Equal("call_ddd4", run.Steps[3].ToolCalls[0].CallId);
        Assert.Equal("Open the module.", run.Steps[1].Thought);
    }

    [Fact]
    public void Parse_Version1Traj_TaskFromContentPartsAndModelFromReplayConfig()
    {
        var run = ReadOne(TestData.Path("swe-agent", "run-1x", "acme__gadget-7", "acme__gadget-7.traj"));

        Assert.Equal("acme__gadget-7", run.Task.Id);
        Assert.EndsWith("ISSUE:\nspin() divides by zero", run.Task.Text);
        Assert.Equal("gpt-4o-test", run.Model);
        Assert.Equal(0.12, run.Metrics.CostUsd);
    }

    [Fact]
    public void Parse_HugeObservation_IsKeptWhole()
    {
        using var dir = new TempDirectory();
        var observation = new string('x', 700_000) + "\nEND";
        var json = "{\"environment\":\"swe_main\",\"trajectory\":[{\"action\":\"cat big.log\\n\",\"observation\":\"" + observation.Replace("\n", "\\n")
            + "\",\"response\":\"\",\"thought\":\"Read the log.\",\"state\":\"{}\"}],\"history\":[],\"info\":{}}";
        var path = dir.Write("big__log-1.traj", json);

        var call = ReadOne(path).Steps[0].ToolCalls[0];
        Assert.Equal(observation, call.Observation);
        Assert.Equal("bash", call.Tool);
    }

    [Fact]
    public void Parse_TruncatedTraj_ReportsFileAndLine()
    {
        var path = TestData.Path("swe-agent", "bad", "truncated.traj");
        var batch = TestServices.ImportService().Parse([path], CancellationToken.None);

        Assert.Empty(batch.Runs);
        var error = Assert.Single(batch.Errors);
        Assert.Equal(path, error.File);
        Assert.StartsWith("line 13", error.Location);
        Assert.Contains("truncated", error.Reason);
    }

    [Fact]
    public void Parse_TrajectoryIsString_NamesJsonPath()
    {
        var path = TestData.Path("swe-agent", "bad", "trajectory-string.traj");
        var error = Assert.Single(TestServices.ImportService().Parse([path], CancellationToken.None).Errors);

        Assert.Equal(path, error.File);
        Assert.Equal("$.trajectory", error.Location);
        Assert.Contains("found a string", error.Reason);
    }

    [Fact]
    public void Parse_BadFileBesideGoodOne_KeepsTheGoodRun()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(s_batch, "trajs", "acme__widgets-104.traj"), dir.File("good__one-1.traj"));
        File.Copy(TestData.Path("swe-agent", "bad", "truncated.traj"), dir.File("bad__one-2.traj"));

        var batch = TestServices.ImportService().Parse([dir.Path], CancellationToken.None);

        Assert.Equal("good__one-1", Assert.Single(batch.Runs).Task.Id);
        Assert.EndsWith("bad__one-2.traj", Assert.Single(batch.Errors).File);
    }

    [Fact]
    public void CanRead_TrajectoryKeyOnlyInsideString_IsNotClaimed()
    {
        var sniff = Sniff("{\"notes\": \"a log line said {\\\"trajectory\\\": [1]}\", \"info\": {}}");
        Assert.False(new SweAgentTrajImporter().CanRead(sniff));
    }

    [Fact]
    public void CanRead_MiniSweAgentFile_IsNotClaimed()
    {
        var sniff = Sniff("{\"info\": {\"exit_status\": \"Submitted\"}, \"messages\": [], \"trajectory_format\": \"mini-swe-agent-1\"}");
        Assert.False(new SweAgentTrajImporter().CanRead(sniff));
    }

    [Fact]
    public void CanRead_StepsBeforeOtherKeys_IsClaimedByContent()
    {
        // 1.x writes trajectory[] first; with a long first step only the step's own keys are in the sniffed head.
        var sniff = Sniff("{\"trajectory\": [{\"action\": \"ls\", \"observation\": \"" + new string('a', 1000), name: "run.json");
        Assert.True(new SweAgentTrajImporter().CanRead(sniff));
    }

    private static FileSniff Sniff(string head, string name = "x.traj") => new()
    {
        Path = "/tmp/" + name,
        Length = head.Length,
        Head = head,
        LooksBinary = false,
    };
}
