using Bunit;
using CodeTracer.Core.Model;
using CodeTracer.Core.Rendering;
using CodeTracer.Web.Components.Controls;
using CodeTracer.Web.Components.Graph;
using CodeTracer.Web.Model;

namespace CodeTracer.Tests.Web;

public sealed class ControlsTests : RunPageTestContext
{
    [Fact]
    public void MarkdownView_HostileMarkdown_IsInert()
    {
        var cut = Render<MarkdownView>(p => p.Add(x => x.Text,
            "**bold** <script>window.__pwned=1</script>\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1)) [ok](https://example.com)"));

        Assert.Empty(cut.FindAll("script"));
        Assert.Empty(cut.FindAll("img"));
        Assert.Equal("https://example.com/", new Uri(Assert.Single(cut.FindAll("a")).GetAttribute("href")!).ToString());
        Assert.Equal("bold", cut.Find("strong").TextContent);
        Assert.Contains("<script>", cut.Find(".ct-markdown").TextContent);
    }

    [Fact]
    public void MarkdownView_LongText_ShowsTheRestOnDemand()
    {
        var cut = Render<MarkdownView>(p => p.Add(x => x.Text, new string('a', 1500) + " END").Add(x => x.MaxChars, 1000));

        Assert.DoesNotContain("END", cut.Markup);
        cut.Find("button.ct-fold").Click();

        Assert.Contains("END", cut.Markup);
    }

    [Fact]
    public void TerminalView_AnsiColours_BecomeSpansWithoutEscapes()
    {
        var cut = Render<TerminalView>(p => p.Add(x => x.Text, $"{TestRuns.Esc}[1;31mFAIL{TestRuns.Esc}[0m test_a\r\n50%\r100%\n"));

        var red = cut.Find("span.ansi-fg-1");
        Assert.Equal("FAIL", red.TextContent);
        Assert.Contains("ansi-bold", red.ClassList);
        Assert.DoesNotContain('\u001b', cut.Markup);
        Assert.Equal("FAIL test_a\n100%\n", cut.Find("pre").TextContent);
    }

    [Fact]
    public void TerminalView_LongOutput_FoldsAndShowsAll()
    {
        var text = string.Join('\n', Enumerable.Range(1, 500).Select(i => $"line {i}"));
        var cut = Render<TerminalView>(p => p.Add(x => x.Text, text).Add(x => x.HeadLines, 10).Add(x => x.TailLines, 5));

        Assert.Equal(2, cut.FindAll("pre").Count);
        Assert.DoesNotContain("line 100\n", cut.Markup);
        Assert.Contains("485 more lines", cut.Find("button.ct-fold").TextContent);

        cut.Find("button.ct-fold").Click();

        Assert.Contains("line 250\n", cut.Markup);
    }

    [Fact]
    public void TerminalView_Query_MarksMatches()
    {
        var cut = Render<TerminalView>(p => p.Add(x => x.Text, "one Error two error").Add(x => x.Query, "error"));

        Assert.Equal(["Error", "error"], cut.FindAll("mark").Select(m => m.TextContent));
    }

    [Fact]
    public void DiffView_StrReplace_ShowsColouredLines()
    {
        var edit = Assert.Single(FileEdits.Extract(new ToolCall
        {
            Tool = "str_replace_editor",
            Arguments = """{"command":"str_replace","path":"/r/a.py","old_str":"a = 1\nb = 2\n","new_str":"a = 1\nb = 3\n"}""",
        }));

        var cut = Render<DiffView>(p => p.Add(x => x.Edit, edit));

        Assert.Equal("-b = 2", cut.Find(".ct-diff-del .ct-diff-text").TextContent);
        Assert.Equal("+b = 3", cut.Find(".ct-diff-add .ct-diff-text").TextContent);
        Assert.Single(cut.FindAll(".ct-diff-ctx"));
        Assert.Contains("/r/a.py", cut.Find(".ct-diff-title").TextContent);
    }

    [Fact]
    public void StepDetail_EditStep_ShowsDiffCommandAndRawProvenance()
    {
        var run = TestRuns.Small();
        var cut = Render<StepDetail>(p => p.Add(x => x.Step, run.Steps[6]).Add(x => x.SourcePath, run.Source.Path));

        Assert.Equal("7", cut.Find("#ct-step-detail").GetAttribute("data-step"));
        Assert.Contains("Fix the regex.", cut.Find(".ct-thought").TextContent);
        Assert.Contains("str_replace", cut.Find(".ct-command").TextContent);
        Assert.Contains("re.fullmatch", cut.Find(".ct-diff .ct-diff-add").TextContent);
        Assert.Empty(cut.FindAll(".ct-raw"));

        cut.Find("#ct-raw-toggle").Click();

        var raw = cut.Find(".ct-raw").TextContent;
        Assert.Contains("/data/run.traj", raw);
        Assert.Contains("/trajectory/6", raw);
        Assert.Contains("\"old_str\"", raw);
    }

    [Fact]
    public void StepDetail_RawArtifactStep_ShowsTheDecodedActionAboveTheRawText()
    {
        var step = new Step { Id = 3, Kind = StepKind.Run };
        step.ToolCalls.Add(new ToolCall
        {
            Tool = "shell",
            Command = """{"id": 71, "source": "agent", "action": "run", "args": {"command": "genisoimage -o /tmp/tcc.iso /tmp/iso"}}""",
            DecodedAction = "genisoimage -o /tmp/tcc.iso /tmp/iso",
            Kind = StepKind.Run,
        });

        var cut = Render<StepDetail>(p => p.Add(x => x.Step, step));

        Assert.Contains("genisoimage -o /tmp/tcc.iso /tmp/iso", cut.Find(".ct-decoded-action").TextContent);
        Assert.Contains("\"id\": 71", cut.FindAll(".ct-command")[^1].TextContent);
    }

    [Fact]
    public void StepDetail_SignalsWithEvidence_AreListed()
    {
        var run = TestRuns.Small();
        var cut = Render<StepDetail>(p => p.Add(x => x.Step, run.Steps[4]));

        Assert.Contains("ValueError: bad input", cut.Find(".ct-signals").TextContent);
        Assert.Equal(2, cut.FindAll(".ct-signals .ct-badge-error").Count);
        Assert.Contains("exit 1", cut.Find(".ct-call-header").TextContent);
    }

    [Fact]
    public void CommandView_Shell_IsHighlightedAsText()
    {
        var cut = Render<CommandView>(p => p.Add(x => x.Text, "grep -rn '<b>' src | head"));

        Assert.Equal("grep", cut.Find(".sh-cmd").TextContent);
        Assert.Equal("'<b>'", cut.Find(".sh-str").TextContent);
        Assert.Empty(cut.FindAll("b"));
    }

    [Fact]
    public void StageFlowDiagram_RendersOneNodePerStageAndReportsClicks()
    {
        var vm = RunPageViewModel.Create(TestRuns.Large(100));
        int? clicked = null;

        var cut = Render<StageFlowDiagram>(p => p
            .Add(x => x.Stages, vm.Stages)
            .Add(x => x.SelectedStage, 2)
            .Add(x => x.OnSelectStage, stage => clicked = stage));

        Assert.Equal(5, cut.FindAll(".ct-diagram-node[data-stage]").Count);
        Assert.Equal(4, cut.Instance.Diagram.Links.Count);
        Assert.Equal("true", cut.Find(".ct-diagram-node[data-stage='2']").GetAttribute("data-selected"));

        cut.Find(".ct-diagram-node[data-stage='4']").Click();
        Assert.Equal(4, clicked);
    }

    [Fact]
    public void StageFlowDiagram_NodesFitTheWidthInAlternatingRows()
    {
        var vm = RunPageViewModel.Create(TestRuns.Large(200));

        var cut = Render<StageFlowDiagram>(p => p.Add(x => x.Stages, vm.Stages));

        var nodes = cut.Instance.Diagram.Nodes.Cast<StageNodeModel>().ToList();
        Assert.All(nodes, n => Assert.InRange(n.Position.X + StageNodeModel.NodeWidth, 0, 800));
        // Row two runs right to left, so the stage after a row's last node sits straight below it.
        var perRow = nodes.Count(n => n.Position.Y == nodes[0].Position.Y);
        Assert.Equal(nodes[perRow - 1].Position.X, nodes[perRow].Position.X);
        Assert.True(nodes[perRow].Position.Y > nodes[0].Position.Y);
    }

    [Fact]
    public void StageFlowDiagram_Prerendering_DoesNotCreateTheCanvas()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));
        var vm = RunPageViewModel.Create(TestRuns.Small());

        var cut = Render<StageFlowDiagram>(p => p.Add(x => x.Stages, vm.Stages));

        Assert.Empty(cut.FindAll(".diagram-canvas"));
        Assert.NotNull(cut.Find("#ct-diagram"));
    }
}
