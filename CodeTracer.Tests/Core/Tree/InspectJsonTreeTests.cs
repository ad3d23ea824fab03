using System.Text.Json;
using CodeTracer.Core.Export;
using CodeTracer.Core.Model;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class InspectJsonTreeTests
{
    [Fact]
    public void Write_IndexedRun_PrintsKindsSignalsStagesAndStateParents()
    {
        var run = Shell("ls", "sed -i 's/a/b/' src/x.py", "python -m pytest", "python -m pytest");
        run.Steps[2].ToolCalls[0].Observation = "collected 2 items\n=== 1 failed, 1 passed in 0.1s ===";
        run.Steps[2].ToolCalls[0].ExitCode = 1;
        run.ShippedStages = [new() { Id = 1, FirstStep = 1, LastStep = 2 }];
        Index(run);

        using var stream = new MemoryStream();
        InspectJson.Write(stream, [run], []);
        using var document = JsonDocument.Parse(stream.ToArray());
        var printed = document.RootElement.GetProperty("runs")[0];

        var steps = printed.GetProperty("steps");
        Assert.Equal("edit", steps[1].GetProperty("kind").GetString());
        Assert.Equal("change", steps[1].GetProperty("effect").GetString());
        Assert.Equal(1, steps[1].GetProperty("stateParent").GetInt32());
        var call = steps[1].GetProperty("toolCalls")[0];
        Assert.Equal("edit", call.GetProperty("kind").GetString());
        Assert.Equal("src/x.py", call.GetProperty("files")[0].GetString());
        Assert.Equal("test", steps[2].GetProperty("kind").GetString());
        Assert.Equal("explore", steps[2].GetProperty("effect").GetString());

        var failed = steps[2].GetProperty("signals")[0];
        Assert.Equal("tests-failed", failed.GetProperty("kind").GetString());
        Assert.Equal("1 failed, 1 passed", failed.GetProperty("message").GetString());
        Assert.Equal(2, failed.GetProperty("line").GetInt32());
        Assert.Equal(0, failed.GetProperty("toolCall").GetInt32());
        Assert.Equal(1, failed.GetProperty("tests").GetProperty("failed").GetInt32());
        var repeated = steps[3].GetProperty("signals")[0];
        Assert.Equal("repeated-action", repeated.GetProperty("kind").GetString());
        Assert.Equal(3, repeated.GetProperty("relatedStep").GetInt32());

        var stages = printed.GetProperty("stages");
        Assert.True(stages[0].GetProperty("fromSource").GetBoolean());
        Assert.Equal(1, stages[0].GetProperty("firstStep").GetInt32());
        Assert.Equal("verify", stages[1].GetProperty("kind").GetString());
        Assert.Equal("Run tests: 1 failed", stages[1].GetProperty("title").GetString());
        Assert.False(stages[1].TryGetProperty("fromSource", out _));
    }
}
