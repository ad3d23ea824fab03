using CodeTracer.Core.Model;
using CodeTracer.Tests.Shared;

namespace CodeTracer.Tests.Core.Import;

public sealed class CodeTracerNormalizedImporterTests
{
    private static readonly string s_case = TestData.Path("codetracer-normalized", "terminus2-OpenAI__GPT-5-hello-world-0a1b2c3d");

    [Fact]
    public void Read_CaseFolder_OneStepPerEntry()
    {
        var run = ImportAssert.Single(s_case);

        Assert.Equal(RunFormats.CodeTracerNormalized, run.Format);
        Assert.Equal(Frameworks.Terminus2, run.Framework);
        Assert.Equal("OpenAI/GPT-5", run.Model);
        Assert.Equal("hello-world", run.Task.Id);
        Assert.Equal("Create a file called hello.txt in /app holding the text \"hi\".", run.Task.Text);
        Assert.Equal(4, run.Steps.Count);
        Assert.Equal(OutcomeStatus.Unknown, run.Outcome.Status);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Read_CaseFolder_CommandsAndObservationsFromFieldsOrRefs()
    {
        var run = ImportAssert.Single(s_case);

        var fromRefs = Assert.Single(run.Steps[0].ToolCalls);
        Assert.Equal("shell", fromRefs.Tool);
        Assert.StartsWith("{\"analysis\": \"Empty /app.\"", fromRefs.Command);
        Assert.Equal("New Terminal Output:\n\nroot@box:/app# echo hi > hello.txt\n", fromRefs.Observation);
        Assert.Equal("terminus2/OpenAI__GPT-5/terminus2-gpt5/hello-world/hello-world.1-of-1.2025-12-30__12-34-36/agent-logs/episode-0/response.txt", run.Steps[0].Provenance!.File);
        Assert.Equal(1, run.Steps[0].Provenance!.LineStart);
        Assert.Equal(6, run.Steps[0].Provenance!.LineEnd);

        var inline = Assert.Single(run.Steps[1].ToolCalls);
        Assert.Equal("bash", inline.Tool);
        Assert.Equal("cat hello.txt", inline.Command);
        Assert.Equal("hi", inline.Observation);
        Assert.Equal("Check what was written.", run.Steps[1].Thought);

        // A parallel group stays as separate steps, in step-id order.
        Assert.Equal(["ls -la", "wc -c hello.txt"], run.Steps.Skip(2).Select(s => Assert.Single(s.ToolCalls).Command));
    }

    [Fact]
    public void Read_StageRangesPastTheLastStep_AreShippedRaw()
    {
        var run = ImportAssert.Single(s_case);

        Assert.Equal(
            [(1, 1, 2), (2, 3, 9), (3, 10, 14)],
            run.ShippedStages.Select(s => (s.Id, s.FirstStep, s.LastStep)));
        Assert.All(run.ShippedStages, s => Assert.True(s.FromSource));
    }

    [Fact]
    public void Read_StepsOutOfOrder_SortedAndWarned()
    {
        using var dir = new TempDirectory();
        dir.Write("miniswe-DeepSeek__DeepSeek-V3.2-sort-me-12345678/steps.json",
            "[{\"step_id\": 2, \"action\": \"b\"}, {\"step_id\": 1, \"action\": \"a\"}, {\"step_id\": 5, \"action\": \"c\"}, {\"oops\": true}]");

        var run = ImportAssert.Single(dir.Path);

        Assert.Equal(Frameworks.MiniSweAgent, run.Framework);
        Assert.Equal(["a", "b", "c"], run.Steps.Select(s => s.ToolCalls[0].Command));
        Assert.Contains("step-ids-renumbered", ImportAssert.WarningCodes(run));
        Assert.Contains(run.Warnings, w => w.Code == "step-skipped" && w.Location == "$[3]");
        Assert.Empty(run.ShippedStages);
    }

    [Fact]
    public void ClaimsDirectory_StepsJsonThatIsNotAStepList_NotClaimed()
    {
        using var dir = new TempDirectory();
        dir.Write("case/steps.json", "{\"steps\": []}");

        var error = Assert.Single(ImportAssert.Parse(dir.Path).Errors);
        Assert.Contains("no agent run found", error.Reason);
    }
}
