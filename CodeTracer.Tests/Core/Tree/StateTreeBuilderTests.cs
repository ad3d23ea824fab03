using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;
using CodeTracer.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class StateTreeBuilderTests
{
    [Fact]
    public void Build_ChangeOpensAStateUnderThePreviousStep_ExploreHangsUnderTheCurrentState()
    {
        var run = Index(Shell(
            "ls",                                   // 1 explore -> root
            "cat a.py",                             // 2 explore -> root
            "sed -i 's/a/b/' a.py",                 // 3 change  -> under 2
            "python -m pytest",                     // 4 explore -> under 3
            "cat b.py",                             // 5 explore -> under 3
            "echo x > b.py",                        // 6 change  -> under 5
            "git diff"));                           // 7 explore -> under 6
        var nodes = run.StateTree!.Nodes;
        Assert.Equal([0, 0, 2, 3, 3, 5, 6], nodes.Select(n => n.ParentStepId));
        Assert.Equal([1, 1, 2, 3, 3, 4, 5], nodes.Select(n => n.Depth));
        Assert.Equal(
            [StepEffect.Explore, StepEffect.Explore, StepEffect.Change, StepEffect.Explore, StepEffect.Explore, StepEffect.Change, StepEffect.Explore],
            nodes.Select(n => n.Effect));
    }

    [Fact]
    public void Build_FirstStepChange_HangsUnderTheRoot()
    {
        var run = Index(Shell("mkdir out", "ls out"));
        Assert.Equal([0, 1], run.StateTree!.Nodes.Select(n => n.ParentStepId));
    }

    [Fact]
    public void Build_Labels_AreTheFirstLineShortened()
    {
        var run = Index(RunOf(Frameworks.MiniSweAgent,
            Bash("cat > fix.py <<'EOF'\nprint(1)\nEOF"),
            Bash("python -c '" + new string('x', 200) + "'")));
        run.Steps.Add(new Step { Id = 3, Thought = "\n\nI am done here.\nMore." });
        Index(run);
        var labels = run.StateTree!.Nodes.Select(n => n.Label).ToList();
        Assert.Equal("cat > fix.py <<'EOF'", labels[0]);
        Assert.Equal(new TreeOptions().LabelChars, labels[1].Length);
        Assert.EndsWith("\u2026", labels[1]);
        Assert.Equal("I am done here.", labels[2]);
    }

    [Fact]
    public void Build_ToolWithoutCommand_IsLabelledByToolAndFile()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode, Tool("Read", """{"file_path":"/app/x.py"}""")));
        Assert.Equal("Read /app/x.py", run.StateTree!.Nodes[0].Label);
    }
}

public sealed class TreeRegistrationTests
{
    [Fact]
    public void AddCodeTracerCore_RegistersTheTraceIndexerOnce()
    {
        using var provider = TestServices.Create();
        var indexer = Assert.Single(provider.GetServices<ITraceIndexer>());
        Assert.IsType<TraceIndexer>(indexer);
    }

    [Fact]
    public void TreeOptions_Defaults_AreValid()
    {
        using var provider = TestServices.Create();
        var options = provider.GetRequiredService<IOptions<TreeOptions>>().Value;
        Assert.Equal(100_000, options.HugeObservationChars);
    }

    [Theory]
    [InlineData("Tree:HugeObservationChars", "5")]
    [InlineData("Tree:MaxSignalsPerStep", "0")]
    [InlineData("Tree:MaxStageSteps", "1")]
    [InlineData("Tree:TargetStageSteps", "500")]
    public void TreeOptions_BadValues_FailValidationNamingTheSetting(string key, string value)
    {
        using var provider = TestServices.Create(settings: new Dictionary<string, string?> { [key] = value });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TreeOptions>>().Value);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void IndexRun_RegisteredIndexer_ClassifiesSegmentsAndBuildsTheTree()
    {
        var run = new Run { Id = "r", Framework = Frameworks.MiniSweAgent };
        run.Steps.Add(new Step { Id = 1, ToolCalls = [Bash("ls")] });
        var service = TestServices.ImportService();
        service.IndexRun(run);
        Assert.Equal(StepKind.Search, run.Steps[0].Kind);
        Assert.Single(run.Stages);
        Assert.Single(run.StateTree!.Nodes);
        Assert.Empty(run.Warnings);
    }
}
