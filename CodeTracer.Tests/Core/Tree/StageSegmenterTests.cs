using CodeTracer.Core.Model;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class StageSegmenterTests
{
    private static void AssertCovers(Run run)
    {
        var next = 1;
        for (var i = 0; i < run.Stages.Count; i++)
        {
            var stage = run.Stages[i];
            Assert.Equal(i + 1, stage.Id);
            Assert.Equal(next, stage.FirstStep);
            Assert.True(stage.LastStep >= stage.FirstStep);
            Assert.False(string.IsNullOrWhiteSpace(stage.Title));
            next = stage.LastStep + 1;
        }
        Assert.Equal(run.Steps.Count + 1, next);
    }

    private static string Describe(Run run) =>
        string.Join(" | ", run.Stages.Select(s => $"{s.FirstStep}-{s.LastStep} {s.Kind} {s.Title}"));

    [Fact]
    public void Segment_TypicalRepairRun_FollowsTheSubGoals()
    {
        var run = Index(RunOf(Frameworks.MiniSweAgent,
            Bash("ls -R"),
            Bash("grep -rn 'Content-Length' requests"),
            Bash("nl -ba requests/models.py | sed -n '380,420p'"),
            Bash("cat <<'EOF' > reproduce_issue.py\nimport requests\nprint(requests.Request('GET', 'http://x').prepare().headers)\nEOF"),
            Bash("python reproduce_issue.py", "Traceback (most recent call last):\n  File \"reproduce_issue.py\", line 2\nKeyError: 'x'", 1),
            Bash("sed -n '388,400p' requests/models.py"),
            Bash("sed -i '390s/x/y/' requests/models.py"),
            Bash("sed -i '395s/a/b/' requests/models.py"),
            Bash("python reproduce_issue.py", "{'Host': 'x'}"),
            Bash("python -m pytest test_requests.py -q", "....\n=== 1 failed, 40 passed in 3.2s ===", 1),
            Bash("rm reproduce_issue.py"),
            Bash("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A && git diff --cached")));
        AssertCovers(run);
        Assert.Equal(
            "1-3 Explore Explore repository | 4-5 Reproduce Reproduce the issue | 6-8 Edit Edit requests/models.py | 9-10 Verify Run tests: 1 failed | 11-12 Submit Clean up and submit",
            Describe(run));
    }

    [Fact]
    public void Segment_CloudProvisioningThenCleanup_AreNotCalledBuildOrEdit()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode,
            Tool("Bash", """{"command":"aws s3 mb s3://sample-bucket"}"""),
            Tool("Bash", """{"command":"aws s3api put-public-access-block --bucket sample-bucket --public-access-block-configuration BlockPublicPolicy=false"}"""),
            Tool("Write", """{"file_path":"/app/bucket-policy.json","content":"{}"}"""),
            Tool("Bash", """{"command":"aws s3api put-bucket-policy --bucket sample-bucket --policy file://bucket-policy.json"}"""),
            Tool("Bash", """{"command":"aws s3api get-bucket-policy --bucket sample-bucket"}"""),
            Tool("Bash", """{"command":"rm bucket-policy.json"}""")));
        AssertCovers(run);
        Assert.Equal("Provision with aws", run.Stages[0].Title);
        Assert.Equal(StepEffect.Change, run.Steps[0].Effect);
        Assert.Equal(StepKind.Read, run.Steps[4].Kind);
        Assert.Equal("Clean up", run.Stages[^1].Title);
    }

    [Fact]
    public void Segment_KillingBackgroundShells_IsNotCalledABuild()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode,
            Tool("Bash", """{"command":"ls -la /app"}"""),
            Tool("Bash", """{"command":"cd /app/frotz && ./frotz zork1.z5"}"""),
            Tool("KillShell", """{"shell_id":"4afe09"}"""),
            Tool("KillShell", """{"shell_id":"8f8326"}"""),
            Tool("Write", """{"file_path":"/app/frotz/play.txt","content":"open mailbox"}"""),
            Tool("Bash", """{"command":"cd /app/frotz && ./frotz zork1.z5 < play.txt > out.txt"}""")));
        AssertCovers(run);

        var kills = Assert.Single(run.Stages, st => st.Contains(3));
        Assert.Equal("Stop background processes", kills.Title);
        Assert.DoesNotContain(run.Stages, st => st.Title.StartsWith("Build", StringComparison.Ordinal));
    }

    [Fact]
    public void Segment_ClickingAndTypingInABrowser_IsNotCalledABuild()
    {
        var run = Index(RunOf(Frameworks.OpenHands,
            Tool("browser_navigate", """{"url":"http://the-agent-company.com:8092"}""", command: "goto http://the-agent-company.com:8092"),
            Tool("browser_type", """{"index":4,"text":"theagentcompany"}""", command: "type 4 theagentcompany"),
            Tool("browser_click", """{"index":7}""", command: "click 7"),
            Tool("browser_click", """{"index":12}""", command: "click 12")));
        AssertCovers(run);

        Assert.Contains(run.Stages, st => st.Title.StartsWith("Use the browser", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Stages, st => st.Title.StartsWith("Build", StringComparison.Ordinal));
    }

    [Fact]
    public void Segment_SetupThenExploreThenEdit_AreNamedForWhatTheyDid()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode,
            Tool("Bash", """{"command":"pip install grpcio==1.73.0"}"""),
            Tool("Bash", """{"command":"pip install grpcio-tools"}"""),
            Tool("Read", """{"file_path":"/app/src/lexer.py"}"""),
            Tool("Read", """{"file_path":"/app/src/lexer.py"}"""),
            Tool("Edit", """{"file_path":"/app/src/parser.py","old_string":"a","new_string":"b"}"""),
            Tool("Edit", """{"file_path":"/app/src/parser.py","old_string":"c","new_string":"d"}""")));
        AssertCovers(run);
        Assert.Equal(
            "1-2 Setup Install dependencies | 3-4 Explore Read src/lexer.py | 5-6 Edit Edit src/parser.py",
            Describe(run));
    }

    [Fact]
    public void Segment_LookingAtTheLinesAboutToChange_IsPartOfTheEdit()
    {
        var run = Index(Shell("ls", "grep -rn foo src", "cat README.md", "sed -n '1,20p' src/a.py", "sed -i 's/a/b/' src/a.py", "cat src/a.py", "python -m pytest"));
        AssertCovers(run);
        Assert.Equal("1-3 Explore Explore repository | 4-6 Edit Edit src/a.py | 7-7 Verify Run tests", Describe(run));
    }

    [Fact]
    public void Segment_TwoStepRun_HasOneOrTwoStages()
    {
        var explored = Index(Shell("ls", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"));
        AssertCovers(explored);
        Assert.Equal("1-1 Explore Explore repository | 2-2 Submit Submit", Describe(explored));

        var edited = Index(Shell("sed -i 's/a/b/' x.py", "sed -i 's/c/d/' x.py"));
        AssertCovers(edited);
        Assert.Equal("1-2 Edit Edit x.py", Describe(edited));
    }

    [Fact]
    public void Segment_OneStepRun_IsOneStage()
    {
        var run = Index(Shell("ls"));
        AssertCovers(run);
        Assert.Single(run.Stages);
    }

    [Fact]
    public void Segment_EmptyRun_HasNoStages()
    {
        var run = Index(new Run { Framework = Frameworks.OpenHands });
        Assert.Empty(run.Stages);
        Assert.Empty(run.StateTree!.Nodes);
    }

    [Fact]
    public void Segment_LongHomogeneousStretch_IsSplitNearTheTargetSize()
    {
        var commands = Enumerable.Range(1, 25).Select(i => $"cat src/module{i}.py").ToArray();
        var run = Index(Shell(commands));
        AssertCovers(run);
        Assert.True(run.Stages.Count >= 2, Describe(run));
        Assert.All(run.Stages, s => Assert.InRange(s.StepCount, 2, Options.MaxStageSteps));
        Assert.All(run.Stages, s => Assert.Equal(StageKind.Explore, s.Kind));
    }

    [Fact]
    public void Segment_LongStretch_PrefersCuttingWhereTheFileChanges()
    {
        var commands = Enumerable.Range(1, 9).Select(i => $"sed -n '{i},+10p' src/a.py")
            .Concat(Enumerable.Range(1, 9).Select(i => $"sed -n '{i},+10p' src/b.py")).ToArray();
        var run = Index(Shell(commands));
        AssertCovers(run);
        Assert.Equal("1-9 Explore Read src/a.py | 10-18 Explore Read src/b.py", Describe(run));
    }

    [Fact]
    public void Segment_EditRunLoop_GroupsEachEditWithItsRun()
    {
        var calls = new List<ToolCall>();
        for (var i = 0; i < 4; i++)
        {
            calls.Add(Bash($"sed -i 's/v{i}/v{i + 1}/' vm.js"));
            calls.Add(Bash("node vm.js", "Error: boom", 1));
        }
        var run = Index(RunOf(Frameworks.Terminus2, calls.ToArray()));
        AssertCovers(run);
        Assert.Equal(4, run.Stages.Count);
        Assert.All(run.Stages, s => Assert.Equal(2, s.StepCount));
    }

    [Fact]
    public void Segment_ThinkingStep_JoinsTheStageItLeadsInto()
    {
        var run = RunOf(Frameworks.ClaudeCode,
            Tool("Read", """{"file_path":"/app/a.py"}"""),
            Tool("TodoWrite", """{"todos":[]}"""),
            Tool("Edit", """{"file_path":"/app/a.py","old_string":"a","new_string":"b"}"""),
            Tool("Edit", """{"file_path":"/app/a.py","old_string":"c","new_string":"d"}"""));
        Index(run);
        AssertCovers(run);
        Assert.Equal(2, run.Stages[1].FirstStep);
        Assert.Equal(StageKind.Edit, run.Stages[1].Kind);
    }

    [Fact]
    public void Segment_ShippedRangesThatFit_AreUsedWithComputedTitles()
    {
        var run = Shell("ls", "cat a.py", "sed -i 's/a/b/' a.py", "python -m pytest");
        run.ShippedStages = [new() { Id = 1, FirstStep = 1, LastStep = 2 }, new() { Id = 2, FirstStep = 3, LastStep = 4 }];
        Index(run);
        AssertCovers(run);
        Assert.All(run.Stages, s => Assert.True(s.FromSource));
        Assert.Equal(StageKind.Explore, run.Stages[0].Kind);
        Assert.Empty(run.Warnings);
    }

    [Fact]
    public void Segment_ShippedRangePastTheLastStep_IsClippedWithAWarning()
    {
        var run = Shell("ls", "cat a.py", "sed -i 's/a/b/' a.py", "python -m pytest");
        run.ShippedStages = [new() { Id = 1, FirstStep = 1, LastStep = 2 }, new() { Id = 2, FirstStep = 3, LastStep = 9 }];
        Index(run);
        AssertCovers(run);
        Assert.Equal((3, 4), (run.Stages[1].FirstStep, run.Stages[1].LastStep));
        var warning = Assert.Single(run.Warnings);
        Assert.Equal("stage-range-clipped", warning.Code);
        Assert.Contains("stage 2 (steps 3\u20139) to 3\u20134 (the run has 4 steps)", warning.Message);
    }

    [Fact]
    public void Segment_ShippedRangesThatDoNotFit_AreDroppedAndTheGapSegmented()
    {
        var run = Shell("ls", "cat a.py", "sed -i 's/a/b/' a.py", "python -m pytest", "git diff");
        run.ShippedStages =
        [
            new() { Id = 1, FirstStep = 1, LastStep = 2 },
            new() { Id = 2, FirstStep = 2, LastStep = 2 },
            new() { Id = 3, FirstStep = 7, LastStep = 9 },
            new() { Id = 4, FirstStep = 5, LastStep = 4 },
        ];
        Index(run);
        AssertCovers(run);
        Assert.True(run.Stages[0].FromSource);
        Assert.All(run.Stages.Skip(1), s => Assert.False(s.FromSource));
        var warning = Assert.Single(run.Warnings);
        Assert.Equal("stage-ranges-dropped", warning.Code);
        Assert.Contains("3 shipped stage range(s) dropped", warning.Message);
        Assert.Contains("stage 3 (steps 7\u20139): starts after the last step (5)", warning.Message);
        Assert.Contains("lies inside the stage before it", warning.Message);
        Assert.Contains("ends before it starts", warning.Message);
    }

    [Fact]
    public void Segment_OverlappingShippedRange_IsClippedToStartAfterThePrevious()
    {
        var run = Shell("ls", "cat a", "cat b", "cat c", "cat d", "cat e");
        run.ShippedStages = [new() { Id = 1, FirstStep = 1, LastStep = 3 }, new() { Id = 2, FirstStep = 2, LastStep = 6 }];
        Index(run);
        AssertCovers(run);
        Assert.Equal((4, 6), (run.Stages[1].FirstStep, run.Stages[1].LastStep));
        Assert.Equal("stage-range-clipped", Assert.Single(run.Warnings).Code);
    }

    [Fact]
    public void Segment_SingleShippedRangeOverALongRun_IsIgnored()
    {
        var run = Shell(Enumerable.Range(1, 30).Select(i => $"cat f{i}.py").ToArray());
        run.ShippedStages = [new() { Id = 1, FirstStep = 1, LastStep = 30 }];
        Index(run);
        AssertCovers(run);
        Assert.True(run.Stages.Count > 1);
        Assert.Equal("stage-ranges-dropped", Assert.Single(run.Warnings).Code);
    }

    [Theory]
    [InlineData("pip install -r requirements.txt", "Install dependencies")]
    [InlineData("go test ./...", "Run tests")]
    public void Segment_StageTitles_SayWhatHappened(string command, string title)
    {
        var run = Index(Shell(command));
        Assert.Equal(title, Assert.Single(run.Stages).Title);
    }

    [Fact]
    public void Segment_TestStageTitle_CarriesTheResult()
    {
        var run = Index(Shell("sed -i 's/a/b/' src/parser.py", "pytest", "pytest -x"));
        run.Steps[1].ToolCalls[0].Observation = "=== 3 failed, 1 passed in 1s ===";
        run.Steps[2].ToolCalls[0].Observation = "=== 3 failed, 1 passed in 1s ===";
        Index(run);
        Assert.Equal("Edit src/parser.py", run.Stages[0].Title);
        Assert.Equal("Run tests: 3 failed", run.Stages[1].Title);
        Assert.Equal(StageKind.Verify, run.Stages[1].Kind);
    }

    [Fact]
    public void Segment_IsDeterministic()
    {
        Run Make() => Index(Shell("ls", "cat a.py", "sed -i 's/a/b/' a.py", "pytest", "cat b.py", "sed -i 's/c/d/' b.py", "pytest", "git diff"));
        Assert.Equal(Describe(Make()), Describe(Make()));
    }
}
