using System.Text;
using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;
using static CodeTracer.Tests.Core.Tree.TreeFixtures;

namespace CodeTracer.Tests.Core.Tree;

public sealed class SignalDetectorTests
{
    private static List<Signal> SignalsOf(ToolCall call, string framework = Frameworks.MiniSweAgent) =>
        Index(RunOf(framework, call)).Steps[0].Signals;

    private static Signal Only(List<Signal> signals, SignalKind kind) => Assert.Single(signals, s => s.Kind == kind);

    [Fact]
    public void Detect_NonZeroExitWithTraceback_NamesTheExceptionLine()
    {
        var observation = "Running\nTraceback (most recent call last):\n  File \"x.py\", line 3, in <module>\n    foo()\nValueError: bad value\n";
        var signal = Only(SignalsOf(Bash("python x.py", observation, exitCode: 1)), SignalKind.ErrorExit);
        Assert.Equal("exit code 1: ValueError", signal.Message);
        Assert.Equal("ValueError: bad value", signal.EvidenceLine);
        Assert.Equal(5, signal.EvidenceLineNumber);
        Assert.Equal(0, signal.ToolCallIndex);
    }

    [Fact]
    public void Detect_NonZeroExitWithoutKnownText_UsesTheLastLine()
    {
        var signal = Only(SignalsOf(Bash("./build.sh", "step 1\nstep 2\nsomething odd happened\n\n", exitCode: 2)), SignalKind.ErrorExit);
        Assert.Equal("exit code 2", signal.Message);
        Assert.Equal("something odd happened", signal.EvidenceLine);
        Assert.Equal(3, signal.EvidenceLineNumber);
    }

    [Fact]
    public void Detect_GrepWithNoMatch_IsNotAnError()
    {
        Assert.Empty(SignalsOf(Bash("grep -rn nothing src", "", exitCode: 1)));
    }

    [Fact]
    public void Detect_ToolErrorFlag_IsAnErrorExit()
    {
        var call = Tool("Edit", """{"file_path":"/a.py","old_string":"x","new_string":"y"}""",
            observation: "<tool_use_error>String to replace not found in file.</tool_use_error>", isError: true);
        var signal = Only(SignalsOf(call, Frameworks.ClaudeCode), SignalKind.ErrorExit);
        Assert.Equal("the tool reported an error: tool error", signal.Message);
        Assert.Equal(1, signal.EvidenceLineNumber);
    }

    [Theory]
    [InlineData("/bin/bash: line 34643: javac: command not found", "command not found")]
    [InlineData("ls: cannot access '/usr/bin/java': No such file or directory", "missing file or directory")]
    [InlineData("bash: ./run.sh: Permission denied", "permission denied")]
    [InlineData("ModuleNotFoundError: No module named 'numpy'", "missing module")]
    [InlineData("src/main.rs:3:5: error[E0425]: cannot find value `x`", "compiler error")]
    [InlineData("error[E0425]: cannot find value `x` in this scope", "compiler error")]
    [InlineData("main.c:3:5: error: expected ';' before '}' token", "compiler error")]
    [InlineData("  File \"x.py\", line 1\nSyntaxError: invalid syntax", "SyntaxError")]
    [InlineData("FAILED tests/test_a.py::test_one - AssertionError", "failing test")]
    [InlineData("ERROR tests/test_b.py - ImportError", "error")]
    [InlineData("fatal: not a git repository", "fatal error")]
    [InlineData("Segmentation fault (core dumped)", "crash")]
    [InlineData("\u001b[31mnpm ERR!\u001b[0m code ENOENT", "npm error")]
    public void Detect_ErrorTextWithoutExitCode_IsFound(string observation, string category)
    {
        // SWE-agent keeps no exit codes: the text is all there is.
        var signal = Only(SignalsOf(new ToolCall { Tool = "", Command = "make all", Observation = "ok\n" + observation + "\n" }, Frameworks.SweAgent), SignalKind.ErrorText);
        Assert.Equal(category, signal.Message);
        Assert.False(signal.EvidenceLine!.Contains('\u001b'));
        Assert.True(signal.EvidenceLineNumber >= 2);
    }

    [Fact]
    public void Detect_NumbersAndWordsThatAreNotErrors_AreIgnored()
    {
        Assert.Empty(SignalsOf(Bash("python run.py", "0 errors, 0 warnings\nerror_handler installed\nno Exception here really\n")));
    }

    [Fact]
    public void Detect_FileViewContent_IsNotReadAsErrors()
    {
        var call = new ToolCall { Command = "open src/errors.py", Observation = "[File: src/errors.py (3 lines total)]\n1:class ValueError: pass\n2:raise ValueError: boom\n3:print('error: x')\n" };
        Assert.Empty(SignalsOf(call, Frameworks.SweAgent));
    }

    [Fact]
    public void Detect_AciEditRejectedForSyntax_IsAnErrorText()
    {
        var call = new ToolCall
        {
            Command = "edit 3:3\n  x = (\nend_of_edit",
            Observation = "Your proposed edit has introduced new syntax error(s). Please read this error message carefully and then retry editing the file.\n\nERRORS:\n- E999 SyntaxError: '(' was never closed\n",
        };
        var signal = Only(SignalsOf(call, Frameworks.SweAgent), SignalKind.ErrorText);
        Assert.Equal(1, signal.EvidenceLineNumber);
    }

    [Theory]
    [InlineData("pytest", "....F\n=========================== short test summary info ============================\nFAILED t.py::test_x\n===== 3 failed, 10 passed, 1 skipped in 1.23s =====", SignalKind.TestsFailed, 10, 3, 0, 1, "3 failed, 10 passed, 1 skipped")]
    [InlineData("pytest -q", "..........\n10 passed in 0.12s", SignalKind.TestsPassed, 10, 0, 0, 0, "10 passed")]
    [InlineData("pytest", "\u001b[31m\u001b[1m=== \u001b[31m2 failed\u001b[0m, \u001b[32m5 passed\u001b[0m\u001b[31m in 0.50s ===\u001b[0m", SignalKind.TestsFailed, 5, 2, 0, 0, "2 failed, 5 passed")]
    [InlineData("pytest", "==== 1 error in 0.30s ====", SignalKind.TestsFailed, 0, 0, 1, 0, "1 error")]
    [InlineData("go test ./...", "--- FAIL: TestAdd (0.00s)\n    add_test.go:9: want 3\nFAIL\nFAIL\texample.com/calc\t0.004s\nok  \texample.com/util\t0.002s", SignalKind.TestsFailed, 0, 1, 0, 0, "1 failed")]
    [InlineData("go test ./...", "ok  \texample.com/calc\t0.004s\nok  \texample.com/util\t(cached)", SignalKind.TestsPassed, 2, 0, 0, 0, "2 passed")]
    [InlineData("cargo test", "running 3 tests\ntest result: FAILED. 1 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s", SignalKind.TestsFailed, 1, 2, 0, 0, "2 failed, 1 passed")]
    [InlineData("npx jest", "Test Suites: 1 failed, 1 total\nTests:       1 failed, 4 passed, 5 total\nTime: 1s", SignalKind.TestsFailed, 4, 1, 0, 0, "1 failed, 4 passed")]
    [InlineData("mvn test", "[INFO] Tests run: 3, Failures: 0, Errors: 0, Skipped: 0\n[INFO] Results:\n[ERROR] Tests run: 5, Failures: 1, Errors: 0, Skipped: 0\n[INFO] BUILD FAILURE", SignalKind.TestsFailed, 4, 1, 0, 0, "1 failed, 4 passed")]
    [InlineData("python -m unittest", "F.\n------\nRan 5 tests in 0.01s\n\nFAILED (failures=2)", SignalKind.TestsFailed, 3, 2, 0, 0, "2 failed, 3 passed")]
    [InlineData("python -m unittest", "..\n------\nRan 2 tests in 0.01s\n\nOK", SignalKind.TestsPassed, 2, 0, 0, 0, "2 passed")]
    [InlineData("npx mocha", "  3 passing (20ms)\n  1 failing\n", SignalKind.TestsFailed, 3, 1, 0, 0, "1 failed, 3 passed")]
    public void Detect_TestSummaries_GiveCounts(string command, string observation, SignalKind kind, int passed, int failed, int errors, int skipped, string message)
    {
        var signals = SignalsOf(Bash(command, observation, exitCode: kind == SignalKind.TestsFailed ? 1 : 0));
        var signal = Only(signals, kind);
        Assert.Equal(message, signal.Message);
        Assert.Equal((passed, failed, errors, skipped), (signal.Tests!.Passed, signal.Tests.Failed, signal.Tests.Errors, signal.Tests.Skipped));
        Assert.NotNull(signal.EvidenceLine);
        Assert.DoesNotContain(signals, s => s.Kind == SignalKind.ErrorExit);
    }

    [Fact]
    public void Detect_TestSummaryEvidence_IsTheSummaryLine()
    {
        var signal = Only(SignalsOf(Bash("pytest", "collected 2 items\n\nt.py .F\n\n=== 1 failed, 1 passed in 0.1s ===\n", 1)), SignalKind.TestsFailed);
        Assert.Equal("=== 1 failed, 1 passed in 0.1s ===", signal.EvidenceLine);
        Assert.Equal(5, signal.EvidenceLineNumber);
    }

    [Fact]
    public void Detect_RunThatPrintsATestSummary_BecomesATest()
    {
        var printed = RunOf(Frameworks.MiniSweAgent, Bash("./check_everything", "....\nRan 4 tests in 0.2s\n\nOK\n"));
        Index(printed);
        Assert.Equal(StepKind.Test, printed.Steps[0].Kind);
        Assert.Equal(StepKind.Test, printed.Steps[0].ToolCalls[0].Kind);
        Assert.Equal(SignalKind.TestsPassed, Assert.Single(printed.Steps[0].Signals).Kind);
    }

    [Fact]
    public void Detect_ReadingATestLog_DoesNotCountAsATestRun()
    {
        Assert.Empty(SignalsOf(Bash("cat old_results.txt", "=== 3 failed, 1 passed in 2s ===")));
    }

    [Fact]
    public void Detect_RepeatedCommandWithNothingChanged_PointsAtTheFirst()
    {
        var run = Index(Shell("ls -la", "cat a.py", "ls   -la", "cat a.py", "ls -la"));
        var third = Only(run.Steps[2].Signals, SignalKind.RepeatedAction);
        Assert.Equal(1, third.RelatedStep);
        Assert.Equal("ls   -la", third.EvidenceLine);
        Assert.Equal(2, Only(run.Steps[3].Signals, SignalKind.RepeatedAction).RelatedStep);
        Assert.Contains("3rd time", Only(run.Steps[4].Signals, SignalKind.RepeatedAction).Message);
    }

    [Fact]
    public void Detect_RerunAfterAChange_IsVerificationNotARepeat()
    {
        var run = Index(Shell("python repro.py", "sed -i 's/a/b/' x.py", "python repro.py"));
        Assert.DoesNotContain(run.Steps[2].Signals, s => s.Kind == SignalKind.RepeatedAction);
    }

    [Fact]
    public void Detect_RepeatedChangeWithNothingInBetween_IsARepeat()
    {
        var run = Index(Shell("pip install foo", "pip install foo", "sed -i 's/a/b/' x.py", "make", "sed -i 's/a/b/' y.py", "make"));
        Assert.Equal(1, Only(run.Steps[1].Signals, SignalKind.RepeatedAction).RelatedStep);
        Assert.DoesNotContain(run.Steps[5].Signals, s => s.Kind == SignalKind.RepeatedAction);
    }

    [Fact]
    public void Detect_WaitingIsNotLooping()
    {
        var run = Index(RunOf(Frameworks.Terminus2,
            new ToolCall { Tool = "keystrokes", Command = "" }, new ToolCall { Tool = "keystrokes", Command = "" },
            Bash("sleep 5"), Bash("sleep 5")));
        Assert.All(run.Steps, s => Assert.Empty(s.Signals));
    }

    [Fact]
    public void Detect_GitCheckoutOfAnEditedFile_MarksTheEditReverted()
    {
        var run = Index(Shell("sed -i 's/a/b/' src/x.py", "python -m pytest", "git checkout -- src/x.py"));
        var signal = Only(run.Steps[0].Signals, SignalKind.EditReverted);
        Assert.Equal(3, signal.RelatedStep);
        Assert.Contains("git checkout -- src/x.py", signal.Message);
        Assert.Equal(0, signal.ToolCallIndex);
    }

    [Fact]
    public void Detect_EditCommittedBeforeTheReset_IsNotReverted()
    {
        var run = Index(Shell("sed -i 's/a/b/' x.py", "git commit -am wip", "sed -i 's/c/d/' y.py", "git reset --hard"));
        Assert.DoesNotContain(run.Steps[0].Signals, s => s.Kind == SignalKind.EditReverted);
        Assert.Equal(4, Only(run.Steps[2].Signals, SignalKind.EditReverted).RelatedStep);
    }

    [Fact]
    public void Detect_UndoEdit_RevertsTheLastEditOfThatFile()
    {
        var edit = """{"command":"str_replace","path":"/w/a.py","old_str":"x","new_str":"y"}""";
        var run = Index(RunOf(Frameworks.OpenHands,
            Tool("str_replace_editor", edit),
            Tool("str_replace_editor", """{"command":"str_replace","path":"/w/a.py","old_str":"p","new_str":"q"}"""),
            Tool("str_replace_editor", """{"command":"undo_edit","path":"/w/a.py"}""")));
        Assert.DoesNotContain(run.Steps[0].Signals, s => s.Kind == SignalKind.EditReverted);
        Assert.Equal(3, Only(run.Steps[1].Signals, SignalKind.EditReverted).RelatedStep);
    }

    [Fact]
    public void Detect_ReversedReplacement_MarksTheFirstEditReverted()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode,
            Tool("Edit", """{"file_path":"/app/a.py","old_string":"return 1","new_string":"return 2"}"""),
            Tool("Bash", """{"command":"pytest"}"""),
            Tool("Edit", """{"file_path":"/app/a.py","old_string":"return 2","new_string":"return 1"}""")));
        Assert.Equal(3, Only(run.Steps[0].Signals, SignalKind.EditReverted).RelatedStep);
        Assert.DoesNotContain(run.Steps[2].Signals, s => s.Kind == SignalKind.EditReverted);
    }

    [Fact]
    public void Detect_FileWrittenBackToAnEarlierContent_MarksTheEditsInBetween()
    {
        var run = Index(RunOf(Frameworks.ClaudeCode,
            Tool("Write", """{"file_path":"/app/a.py","content":"v1"}"""),
            Tool("Edit", """{"file_path":"/app/a.py","old_string":"v1","new_string":"v2"}"""),
            Tool("Write", """{"file_path":"/app/a.py","content":"v1"}""")));
        Assert.Equal(3, Only(run.Steps[1].Signals, SignalKind.EditReverted).RelatedStep);
    }

    [Theory]
    [InlineData("timeout 60 python slow.py", "", 124, "timed out (exit code 124)")]
    [InlineData("python slow.py", "partial output\n[The command timed out after 120.0 seconds. You may wait longer]", -1, "the command timed out")]
    [InlineData("python slow.py", "The last command <command>python slow.py</command> timed out and has been killed.", null, "the command timed out")]
    public void Detect_Timeouts_AreSignalledOnce(string command, string observation, int? exitCode, string message)
    {
        var signals = SignalsOf(Bash(command, observation, exitCode));
        var signal = Only(signals, SignalKind.Timeout);
        Assert.Equal(message, signal.Message);
        Assert.DoesNotContain(signals, s => s.Kind == SignalKind.ErrorExit);
    }

    [Fact]
    public void Detect_NetworkTimeoutInALibrary_IsNotACommandTimeout()
    {
        var signals = SignalsOf(Bash("python fetch.py", "requests.exceptions.ReadTimeout: Read timed out. (read timeout=3)", 1));
        Assert.DoesNotContain(signals, s => s.Kind == SignalKind.Timeout);
    }

    [Fact]
    public void Detect_HugeObservation_IsFlaggedAboveTheThreshold()
    {
        var big = "line\n" + new string('x', 150_000);
        var signal = Only(SignalsOf(Bash("cat big.log", big)), SignalKind.HugeObservation);
        Assert.Equal("observation of 150,005 characters", signal.Message);
        Assert.Empty(SignalsOf(Bash("cat small.log", new string('x', 90_000))));
    }

    [Theory]
    [InlineData("Previous response had parsing errors:\nERROR: Missing required fields: analysis, plan")]
    [InlineData("Please always provide EXACTLY ONE action in triple backticks, found 2 actions.")]
    [InlineData("Your output was not formatted correctly. You must always include one discussion and one command.")]
    public void Detect_HarnessFormatErrors_AreFound(string observation)
    {
        var signal = Only(SignalsOf(new ToolCall { Tool = "keystrokes", Command = "ls\n", Observation = observation }, Frameworks.Terminus2), SignalKind.FormatError);
        Assert.Equal(1, signal.EvidenceLineNumber);
    }

    [Fact]
    public void Detect_ManyErrors_AreCappedPerObservationAndPerStep()
    {
        var observation = string.Join('\n',
            "x: command not found", "y: No such file or directory", "Permission denied", "fatal: bad", "panic: boom", "E: nope");
        var call = new ToolCall { Command = "make", Observation = observation };
        var signals = SignalsOf(call, Frameworks.SweAgent);
        Assert.Equal(Options.MaxErrorMatchesPerObservation, signals.Count(s => s.Kind == SignalKind.ErrorText));

        var step = new Step { Id = 1 };
        for (var i = 0; i < 12; i++) step.ToolCalls.Add(Bash($"false {i}", "boom", exitCode: 1));
        var run = new Run { Framework = Frameworks.ClaudeCode, Steps = [step] };
        Index(run);
        Assert.Equal(Options.MaxSignalsPerStep, run.Steps[0].Signals.Count);
    }

    [Fact]
    public void Detect_ErrorNearTheEndOfAHugeObservation_IsFoundWithItsLineNumber()
    {
        var sb = new StringBuilder();
        for (var i = 1; i <= 60_000; i++) sb.Append("progress line ").Append(i).Append('\n');
        sb.Append("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyError: 'x'\n");
        var signal = Only(SignalsOf(Bash("python long.py", sb.ToString(), 1)), SignalKind.ErrorExit);
        Assert.Equal("KeyError: 'x'", signal.EvidenceLine);
        Assert.Equal(60_003, signal.EvidenceLineNumber);
    }

    [Fact]
    public void Detect_PathologicalObservation_Finishes()
    {
        // Many anchor hits that are not errors: the scan is bounded, not quadratic.
        var observation = string.Concat(Enumerable.Repeat("ERRORS_ARE_FINE error_count Exception_free\n", 20_000));
        Assert.Equal([SignalKind.HugeObservation], SignalsOf(Bash("python spam.py", observation)).Select(s => s.Kind));
    }

    [Fact]
    public void Detect_EditThenSyntaxErrorInThatFile_MarksTheEditAsBroken()
    {
        var run = Index(RunOf(Frameworks.MiniSweAgent,
            Bash("sed -i 's/def parse(self):/def parse(self/' /testbed/src/parser.py"),
            Bash("python reproduce.py",
                "Traceback (most recent call last):\n  File \"reproduce.py\", line 1, in <module>\n    import parser\n  File \"/testbed/src/parser.py\", line 12\n    def parse(self\n             ^\nSyntaxError: '(' was never closed\n", exitCode: 1)));

        var broken = Only(run.Steps[0].Signals, SignalKind.BrokenEdit);

        Assert.Equal("left /testbed/src/parser.py broken: SyntaxError (step 2)", broken.Message);
        Assert.Equal(2, broken.RelatedStep);
        Assert.Equal("SyntaxError: '(' was never closed", broken.EvidenceLine);
        Assert.DoesNotContain(run.Steps[1].Signals, s => s.Kind == SignalKind.BrokenEdit);
    }

    [Fact]
    public void Detect_PytestCollectionSyntaxErrorAndCompilerSyntaxError_NameTheBrokenFiles()
    {
        var run = Index(RunOf(Frameworks.MiniSweAgent,
            Bash("sed -i '3d' src/util.py"),
            Bash("sed -i 's/;//' src/main.c"),
            Bash("python -m pytest tests", "E     File \"/repo/src/util.py\", line 3\nE       return x +\nE                 ^\nE   SyntaxError: invalid syntax\n=== 1 error in 0.1s ===", exitCode: 2),
            Bash("gcc -o main src/main.c", "src/main.c:5:14: error: expected ';' before 'return'\n", exitCode: 1)));

        Assert.Equal(3, Only(run.Steps[0].Signals, SignalKind.BrokenEdit).RelatedStep);
        Assert.Equal(4, Only(run.Steps[1].Signals, SignalKind.BrokenEdit).RelatedStep);
    }

    [Fact]
    public void Detect_CompileErrorThatIsNotAboutTheText_OrInAnUneditedFile_MarksNothing()
    {
        var run = Index(RunOf(Frameworks.MiniSweAgent,
            Bash("sed -i 's/a/b/' Dollar.java"),
            Bash("javac Dollar.java", "Dollar.java:3: error: package com.fasterxml.jackson.core does not exist\n", exitCode: 1),
            Bash("python other.py", "  File \"/repo/other.py\", line 2\n    x = (\nSyntaxError: invalid syntax\n", exitCode: 1)));

        Assert.DoesNotContain(run.Steps.SelectMany(s => s.Signals), s => s.Kind == SignalKind.BrokenEdit);
    }
}
