using CodeTracer.Core.Model;
using CodeTracer.Web.Components.Controls;
using CodeTracer.Web.Components.Pages;
using CodeTracer.Web.Model;
using CodeTracer.Web.Utils;

namespace CodeTracer.Tests.Web;

public sealed class RunUrlsTests
{
    [Theory]
    [InlineData("run-1", null, null, null, null, null, "/runs/run-1")]
    [InlineData("run-1", 4, null, null, null, null, "/runs/run-1?step=4")]
    [InlineData("run-1", 4, 2, "a b&c", "state", "d1", "/runs/run-1?step=4&call=2&q=a%20b%26c&tab=state&diagnosis=d1")]
    [InlineData("a/b c", null, null, null, "tree", null, "/runs/a%2Fb%20c")]
    [InlineData("run-1", null, 3, null, "diagram", null, "/runs/run-1?tab=diagram")]
    public void Run_BuildsEscapedUrl(string id, int? step, int? call, string? q, string? tab, string? diagnosis, string expected)
    {
        Assert.Equal(expected, RunUrls.Run(id, step, call, q, tab, diagnosis));
    }

    [Theory]
    [InlineData("run-1", 7, 1, "needle & thread", RunUrls.DiagramTab, "diag")]
    [InlineData("weird id/?#", null, null, null, RunUrls.TreeTab, null)]
    [InlineData("x", 1, 0, "50% done", RunUrls.StateTab, null)]
    public void TryParseRun_RoundTripsWhatRunBuilds(string id, int? step, int? call, string? q, string tab, string? diagnosis)
    {
        var link = new RunLink(id, step, call, q, tab, diagnosis);

        Assert.True(RunUrls.TryParseRun("http://localhost:5000" + RunUrls.Run(link), out var parsed));
        Assert.Equal(link, parsed);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/runs/")]
    [InlineData("/import")]
    public void TryParseRun_OtherPages_AreNotRunLinks(string url)
    {
        Assert.False(RunUrls.TryParseRun(url, out _));
    }

    [Fact]
    public void TryParseRun_BadNumbersAndTabs_AreDropped()
    {
        Assert.True(RunUrls.TryParseRun("/runs/r?step=0&call=-1&tab=bogus", out var link));
        Assert.Null(link.Step);
        Assert.Null(link.Call);
        Assert.Equal(RunUrls.TreeTab, link.Tab);
    }
}

public sealed class StepTreeModelTests
{
    private static RunPageViewModel Small() => RunPageViewModel.Create(TestRuns.Small());

    [Fact]
    public void Create_SmallRun_FlattensStagesStepsAndMultiCallSteps()
    {
        var vm = Small();

        // 3 stages + 9 steps + the 2 calls of step 4 (single-call steps are one row).
        Assert.Equal(14, vm.Tree.AllRows.Count);
        var step4Calls = vm.Tree.AllRows.Where(r => r.Kind == TreeRowKind.Call).ToList();
        Assert.Equal([0, 1], step4Calls.Select(r => r.CallIndex));
        Assert.All(step4Calls, r => Assert.Equal(2, r.Depth));
        Assert.True(vm.Tree.AllRows.Single(r => r.Key == "p1").IsMergedCall);
        Assert.Equal("ls -la /repo", vm.Tree.AllRows.Single(r => r.Key == "p1").Label);
    }

    [Fact]
    public void Filter_KeepsMatchingStepsWithTheirStagePath()
    {
        var vm = Small();

        vm.Tree.SetFilter(vm.Search("python --version"));

        Assert.Equal(["s2", "p4", "c4.1"], vm.Tree.VisibleRows.Select(r => r.Key));
    }

    [Fact]
    public void Filter_ThoughtMatch_ShowsAllCallsOfTheStep()
    {
        var vm = Small();

        vm.Tree.SetFilter(vm.Search("both checks"));

        Assert.Equal(["s2", "p4", "c4.0", "c4.1"], vm.Tree.VisibleRows.Select(r => r.Key));
    }

    [Fact]
    public void Filter_CollapsedStage_StaysCollapsedUntilRevealed()
    {
        var vm = Small();
        vm.Tree.Toggle("s3");

        vm.Tree.SetFilter(vm.Search("pytest"));

        Assert.Equal(["s2", "p6", "s3"], vm.Tree.VisibleRows.Select(r => r.Key));
        vm.Tree.Reveal(8, null);
        Assert.Equal(["s2", "p6", "s3", "p8"], vm.Tree.VisibleRows.Select(r => r.Key));
    }

    [Fact]
    public void Search_CoversObservationsArgumentsAndReasoning()
    {
        var vm = Small();

        var result = vm.Search("FULLMATCH");

        Assert.Equal([7], result.MatchedSteps);
        Assert.Equal("arguments", result.WhereFor(7));
    }

    [Fact]
    public void CollapseAll_LeavesStageRows()
    {
        var vm = Small();

        vm.Tree.CollapseAll();

        Assert.Equal(["s1", "s2", "s3"], vm.Tree.VisibleRows.Select(r => r.Key));
        vm.Tree.ExpandAll();
        Assert.Equal(14, vm.Tree.VisibleRows.Count);
    }

    [Fact]
    public void Create_RunWithoutStages_PutsEveryStepInOneStage()
    {
        var run = TestRuns.Small();
        run.Stages.Clear();

        var vm = RunPageViewModel.Create(run);

        var stage = Assert.Single(vm.Stages);
        Assert.Equal((1, 9), (stage.FirstStep, stage.LastStep));
        Assert.Equal("All steps", stage.Title);
    }

    [Fact]
    public void Create_StagesWithGapsAndOverlaps_CoverEveryStepOnce()
    {
        var run = TestRuns.Small();
        run.Stages =
        [
            new Stage { Id = 5, Kind = StageKind.Explore, Title = "a", FirstStep = 2, LastStep = 4 },
            new Stage { Id = 9, Kind = StageKind.Edit, Title = "b", FirstStep = 3, LastStep = 6 },
        ];

        var vm = RunPageViewModel.Create(run);

        Assert.Equal([(1, 1), (2, 4), (5, 6), (7, 9)], vm.Stages.Select(s => (s.FirstStep, s.LastStep)));
        Assert.Equal([1, 2, 3, 4], vm.Stages.Select(s => s.Id));
        Assert.Equal(9, vm.Tree.AllRows.Count(r => r.Kind == TreeRowKind.Step));
    }

    [Fact]
    public void Create_UnindexedFailedCall_StillCountsAsAnError()
    {
        var run = TestRuns.Small();
        foreach (var step in run.Steps) step.Signals.Clear();

        var vm = RunPageViewModel.Create(run);

        Assert.Equal([5], vm.ErrorSteps);
        Assert.True(vm.Tree.AllRows.Single(r => r.Key == "p5").HasError);
    }

    [Theory]
    [InlineData(null, 1, 1)]
    [InlineData(null, -1, 9)]
    [InlineData(3, 1, 5)]
    [InlineData(4, 1, 5)]
    [InlineData(4, -1, 3)]
    [InlineData(9, 1, null)]
    public void Neighbour_FindsTheNextIdWithoutWrapping(int? current, int direction, int? expected)
    {
        Assert.Equal(expected, RunDetail.Neighbour([1, 3, 5, 9], current, direction, wrap: false));
    }

    [Fact]
    public void StateTree_Flatten_IsPreOrderAndKeepsOrphans()
    {
        var tree = new StateTree
        {
            Nodes =
            [
                new StateTreeNode { StepId = 1, ParentStepId = 0 },
                new StateTreeNode { StepId = 3, ParentStepId = 1 },
                new StateTreeNode { StepId = 2, ParentStepId = 1 },
                new StateTreeNode { StepId = 4, ParentStepId = 2 },
                new StateTreeNode { StepId = 7, ParentStepId = 42 },
            ],
        };

        var rows = StateTreeView.Flatten(tree);

        Assert.Equal([(1, 0), (2, 1), (4, 2), (3, 1), (7, 0)], rows.Select(r => (r.Node.StepId, r.Depth)));
    }
}

public sealed class SignalBadgeTests
{
    [Theory]
    [InlineData(SignalKind.BrokenEdit, "left src/a.py broken: SyntaxError (step 4)", "broke file", true)]
    [InlineData(SignalKind.EditReverted, "undone by step 7", "reverted", false)]
    [InlineData(SignalKind.TestsPassed, "12 passed", "tests passed", false)]
    public void Badge_SignalKinds_ShortTextAndWhetherItIsAnError(SignalKind kind, string message, string text, bool isError)
    {
        var badge = TracePresentation.Badge(new Signal { Kind = kind, Message = message, EvidenceLine = "SyntaxError: invalid syntax" });

        Assert.Equal(text, badge.Text);
        Assert.Equal(isError, badge.IsError);
        Assert.StartsWith(message, badge.Tooltip, StringComparison.Ordinal);
    }
}
