using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class StepClassifierTests
{
    private static Run Classified(Run run)
    {
        new StepClassifier(Options).Classify(run);
        return run;
    }

    private static ToolCall One(string framework, ToolCall call) => Classified(RunOf(framework, call)).Steps[0].ToolCalls[0];

    [Theory]
    [InlineData("Read", """{"file_path":"/app/x.py"}""", StepKind.Read, StepEffect.Explore, "/app/x.py")]
    [InlineData("Edit", """{"file_path":"/app/x.py","old_string":"a","new_string":"b"}""", StepKind.Edit, StepEffect.Change, "/app/x.py")]
    [InlineData("MultiEdit", """{"file_path":"/app/x.py","edits":[{"old_string":"a","new_string":"b"}]}""", StepKind.Edit, StepEffect.Change, "/app/x.py")]
    [InlineData("Write", """{"file_path":"/app/new.py","content":"print(1)"}""", StepKind.Create, StepEffect.Change, "/app/new.py")]
    [InlineData("NotebookEdit", """{"notebook_path":"/app/n.ipynb","new_source":"x"}""", StepKind.Edit, StepEffect.Change, "/app/n.ipynb")]
    [InlineData("Grep", """{"pattern":"foo","path":"/app"}""", StepKind.Search, StepEffect.Explore, null)]
    [InlineData("Glob", """{"pattern":"**/*.py"}""", StepKind.Search, StepEffect.Explore, null)]
    [InlineData("LS", """{"path":"/app"}""", StepKind.Search, StepEffect.Explore, null)]
    [InlineData("Bash", """{"command":"pytest -q","description":"Run tests"}""", StepKind.Test, StepEffect.Explore, null)]
    [InlineData("Bash", """{"command":"pip install grpcio==1.73.0","timeout":120000}""", StepKind.Install, StepEffect.Change, null)]
    [InlineData("TodoWrite", """{"todos":[]}""", StepKind.Think, StepEffect.Explore, null)]
    [InlineData("BashOutput", """{"bash_id":"1"}""", StepKind.Read, StepEffect.Explore, null)]
    [InlineData("WebFetch", """{"url":"https://x"}""", StepKind.Read, StepEffect.Explore, null)]
    public void Classify_ClaudeCodeTools_UseTheirArguments(string tool, string arguments, StepKind kind, StepEffect effect, string? file)
    {
        var call = One(Frameworks.ClaudeCode, Tool(tool, arguments));
        Assert.Equal((kind, effect), (call.Kind, call.Effect));
        if (file is not null) Assert.Equal([file], call.FilesTouched);
    }

    [Theory]
    [InlineData("open \"src/main/java/Foo.java\"", StepKind.Read, StepEffect.Explore)]
    [InlineData("goto 120", StepKind.Read, StepEffect.Explore)]
    [InlineData("scroll_down", StepKind.Read, StepEffect.Explore)]
    [InlineData("search_dir \"JsonTypeInfo\" src", StepKind.Search, StepEffect.Explore)]
    [InlineData("search_file \"foo\"", StepKind.Search, StepEffect.Explore)]
    [InlineData("find_file \"Foo.java\"", StepKind.Search, StepEffect.Explore)]
    [InlineData("create reproduce.py", StepKind.Create, StepEffect.Change)]
    [InlineData("edit 12:12\n        x = 1\nend_of_edit", StepKind.Edit, StepEffect.Change)]
    [InlineData("submit", StepKind.Submit, StepEffect.Explore)]
    [InlineData("exit_cost", StepKind.Submit, StepEffect.Explore)]
    [InlineData("python reproduce.py", StepKind.Run, StepEffect.Explore)]
    [InlineData("ls -a | grep README", StepKind.Search, StepEffect.Explore)]
    [InlineData("str_replace_editor view /repo/x.py", StepKind.Read, StepEffect.Explore)]
    [InlineData("str_replace_editor str_replace /repo/x.py --old_str a --new_str b", StepKind.Edit, StepEffect.Change)]
    public void Classify_SweAgentAci_IsReadFromTheCommand(string action, StepKind kind, StepEffect effect)
    {
        var call = One(Frameworks.SweAgent, new ToolCall { Tool = "", Command = action });
        Assert.Equal((kind, effect), (call.Kind, call.Effect));
    }

    [Fact]
    public void Classify_SweAgentEdit_TouchesTheOpenFile()
    {
        var run = Classified(RunOf(Frameworks.SweAgent,
            new ToolCall { Command = "open src/Foo.java" },
            new ToolCall { Command = "edit 3:3\n  int x;\nend_of_edit" },
            new ToolCall { Command = "create Repro.java" },
            new ToolCall { Command = "edit 1:1\nclass Repro {}\nend_of_edit" }));
        Assert.Equal(["src/Foo.java"], run.Steps[0].ToolCalls[0].FilesTouched);
        Assert.Equal(["src/Foo.java"], run.Steps[1].ToolCalls[0].FilesTouched);
        Assert.Equal(["Repro.java"], run.Steps[3].ToolCalls[0].FilesTouched);
    }

    [Fact]
    public void Classify_AciWordsOutsideSweAgent_AreShell()
    {
        // "open" is xdg-open outside the SWE-agent ACI: a run, not a file read.
        var call = One(Frameworks.MiniSweAgent, Bash("open index.html"));
        Assert.Equal(StepKind.Run, call.Kind);
    }

    [Theory]
    [InlineData("execute_bash", """{"command":"python -m pytest tests/"}""", StepKind.Test, StepEffect.Explore)]
    [InlineData("run", """{"command":"git checkout -- a.py"}""", StepKind.Git, StepEffect.Change)]
    [InlineData("str_replace_editor", """{"command":"view","path":"/workspace/a.py"}""", StepKind.Read, StepEffect.Explore)]
    [InlineData("str_replace_editor", """{"command":"create","path":"/workspace/b.py","file_text":"x"}""", StepKind.Create, StepEffect.Change)]
    [InlineData("str_replace_editor", """{"command":"str_replace","path":"/workspace/a.py","old_str":"a","new_str":"b"}""", StepKind.Edit, StepEffect.Change)]
    [InlineData("str_replace_editor", """{"command":"insert","path":"/workspace/a.py","insert_line":3,"new_str":"b"}""", StepKind.Edit, StepEffect.Change)]
    [InlineData("str_replace_editor", """{"command":"undo_edit","path":"/workspace/a.py"}""", StepKind.Edit, StepEffect.Change)]
    [InlineData("edit", """{"command":"str_replace","path":"/workspace/a.py","old_str":"a","new_str":"b"}""", StepKind.Edit, StepEffect.Change)]
    [InlineData("read", """{"path":"/workspace/a.py"}""", StepKind.Read, StepEffect.Explore)]
    [InlineData("think", """{"thought":"hmm"}""", StepKind.Think, StepEffect.Explore)]
    [InlineData("finish", """{"message":"done"}""", StepKind.Submit, StepEffect.Explore)]
    [InlineData("run_ipython", """{"code":"print(1)"}""", StepKind.Run, StepEffect.Explore)]
    [InlineData("run_ipython", """{"code":"!pip install numpy"}""", StepKind.Install, StepEffect.Change)]
    [InlineData("run_ipython", """{"code":"open('a.txt','w').write('x')"}""", StepKind.Run, StepEffect.Change)]
    [InlineData("browser", """{"code":"goto('http://x')"}""", StepKind.Read, StepEffect.Explore)]
    [InlineData("ExecuteBashAction", """{"command":"ls"}""", StepKind.Search, StepEffect.Explore)]
    [InlineData("FileEditorAction", """{"command":"view","path":"/w/a.py"}""", StepKind.Read, StepEffect.Explore)]
    [InlineData("ThinkAction", """{"thought":"x"}""", StepKind.Think, StepEffect.Explore)]
    [InlineData("FinishAction", """{"message":"x"}""", StepKind.Submit, StepEffect.Explore)]
    [InlineData("BrowserNavigateAction", """{"url":"http://x"}""", StepKind.Read, StepEffect.Explore)]
    [InlineData("BrowserClickAction", """{"index":3}""", StepKind.Run, StepEffect.Change)]
    public void Classify_OpenHandsActions_AreReadByTool(string tool, string arguments, StepKind kind, StepEffect effect)
    {
        var call = One(Frameworks.OpenHands, Tool(tool, arguments));
        Assert.Equal((kind, effect), (call.Kind, call.Effect));
    }

    [Theory]
    [InlineData("keystrokes", "cat > vm.js << 'EOF'\nconsole.log(1)\nEOF\n", StepKind.Create, StepEffect.Change)]
    [InlineData("keystrokes", "node vm.js\n", StepKind.Run, StepEffect.Explore)]
    [InlineData("keystrokes", "C-c", StepKind.Run, StepEffect.Explore)]
    [InlineData("keystrokes", "", StepKind.Run, StepEffect.Explore)]
    [InlineData("bash_command", "ls -la\n", StepKind.Search, StepEffect.Explore)]
    [InlineData("mark_task_complete", null, StepKind.Submit, StepEffect.Explore)]
    public void Classify_TerminusKeystrokes_AreWhatWasTyped(string tool, string? keys, StepKind kind, StepEffect effect)
    {
        var call = One(Frameworks.Terminus2, new ToolCall { Tool = tool, Command = keys });
        Assert.Equal((kind, effect), (call.Kind, call.Effect));
    }

    [Fact]
    public void Classify_Step_TakesItsMostSignificantCallAndAnyChange()
    {
        var run = new Run { Framework = Frameworks.ClaudeCode };
        run.Steps.Add(new Step
        {
            Id = 1,
            ToolCalls =
            [
                Tool("Read", """{"file_path":"/a.py"}"""),
                Tool("Bash", """{"command":"pytest"}"""),
                Tool("Edit", """{"file_path":"/a.py","old_string":"x","new_string":"y"}"""),
            ],
        });
        run.Steps.Add(new Step { Id = 2, ToolCalls = [Tool("Grep", """{"pattern":"x"}"""), Tool("Bash", """{"command":"pytest"}""")] });
        run.Steps.Add(new Step { Id = 3, Thought = "All done." });
        Classified(run);
        Assert.Equal((StepKind.Edit, StepEffect.Change), (run.Steps[0].Kind, run.Steps[0].Effect));
        Assert.Equal((StepKind.Test, StepEffect.Explore), (run.Steps[1].Kind, run.Steps[1].Effect));
        Assert.Equal((StepKind.Message, StepEffect.Explore), (run.Steps[2].Kind, run.Steps[2].Effect));
    }

    [Fact]
    public void Classify_BadArgumentsJson_FallsBackToTheCommand()
    {
        var call = One(Frameworks.ClaudeCode, Tool("Bash", "{not json", command: "git diff"));
        Assert.Equal((StepKind.Git, StepEffect.Explore), (call.Kind, call.Effect));
    }

    [Fact]
    public void Classify_UnknownToolWithoutCommand_IsARun()
    {
        var call = One(Frameworks.ClaudeCode, Tool("mcp__weird__thing", """{"x":1}"""));
        Assert.Equal((StepKind.Run, StepEffect.Explore), (call.Kind, call.Effect));
    }

    [Fact]
    public void Classify_NormalizedStepWhoseCommandIsARawEvent_KeepsTheActionReadOutOfIt()
    {
        var run = RunOf(Frameworks.OpenHands,
            Bash("""{"id": 71, "timestamp": "2026-01-01T20:05:04", "source": "agent", "action": "run", "args": {"command": "genisoimage -o /tmp/tcc.iso -R /tmp/tcc-iso", "thought": "Build the ISO."}}"""),
            Bash("""{"role": "assistant", "content": "THOUGHT: look\n\n```bash\nls -la /app\n```"}"""),
            Bash("ls -la /tmp"));
        run.Format = RunFormats.CodeTracerNormalized;

        Index(run);

        Assert.Equal("genisoimage -o /tmp/tcc.iso -R /tmp/tcc-iso", run.Steps[0].ToolCalls[0].DecodedAction);
        Assert.Equal("ls -la /app", run.Steps[1].ToolCalls[0].DecodedAction);
        Assert.Null(run.Steps[2].ToolCalls[0].DecodedAction);
        Assert.Equal("genisoimage -o /tmp/tcc.iso -R /tmp/tcc-iso", run.Steps[0].ToolCalls[0].ActionText());
        Assert.StartsWith("{\"id\": 71", run.Steps[0].ToolCalls[0].Command, StringComparison.Ordinal);
        Assert.Equal("genisoimage -o /tmp/tcc.iso -R /tmp/tcc-iso", CodeTracer.Web.Model.TracePresentation.CallLabel(run.Steps[0].ToolCalls[0]));
        Assert.Contains("| ls -la /app", new CodeTracer.Core.Diagnosis.DiagnosisPrompts(new CodeTracer.Core.Diagnosis.DiagnosisOptions()).IndexLine(run.Steps[1]), StringComparison.Ordinal);
    }
}
