using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;

namespace CodeTracer.Tests.Core.Diagnosis;

public sealed class HeuristicLocalizerTests
{
    [Fact]
    public void Diagnose_PlantedWrongFileEdit_OnsetIsTheEditAndChainEndsAtFailingTests()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset());

        Assert.Equal(HeuristicLocalizer.MethodName, diagnosis.Method);
        Assert.Equal(5, diagnosis.OnsetStep);
        Assert.Equal(2, diagnosis.OnsetStage);
        Assert.False(diagnosis.Recovered);
        Assert.Equal(ChainRoles.Onset, diagnosis.ErrorChain[0].Role);
        Assert.Equal(5, diagnosis.ErrorChain[0].Step);
        Assert.Equal(ChainRoles.Terminal, diagnosis.ErrorChain[^1].Role);
        Assert.Equal(9, diagnosis.ErrorChain[^1].Step);
        Assert.Contains("src/lexer.py", diagnosis.ErrorChain[0].Why, StringComparison.Ordinal);
        Assert.Contains("test_parser.py", diagnosis.ErrorChain[^1].Why, StringComparison.Ordinal);
        Assert.Equal(ErrorKinds.Localization, diagnosis.ErrorKind);
    }

    [Fact]
    public void Diagnose_PlantedWrongFileEdit_LabelsIncorrectAndUnusefulPerStage()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.PlantedOnset());

        var incorrect = diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds).ToList();
        var unuseful = diagnosis.StageLabels.SelectMany(l => l.UnusefulStepIds).ToList();
        Assert.Equal([5], incorrect);
        Assert.Equal([4, 8], unuseful);
        var editStage = Assert.Single(diagnosis.StageLabels, l => l.StageId == 2);
        Assert.Contains("onset", editStage.Reasoning, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(diagnosis.StageLabels, l => l.StageId == 3);
        Assert.Contains(diagnosis.DecisionPoints, p => p.StepId == 5);
        Assert.Contains(diagnosis.DecisionPoints, p => p.StepId == 9);
        Assert.False(string.IsNullOrWhiteSpace(diagnosis.CorrectStrategy));
        Assert.Contains("step 5", diagnosis.Summary, StringComparison.Ordinal);
        Assert.StartsWith("Step 9", diagnosis.RootCauseChain[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_SameRunTwice_GivesTheSameResult()
    {
        var localizer = Fixtures.Localizer();
        var run = Fixtures.PlantedOnset();

        var first = DiagnosisExport.DetailedString(localizer.Diagnose(run));
        var second = DiagnosisExport.DetailedString(localizer.Diagnose(run));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Diagnose_CleanResolvedRun_FindsNoFailure()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.CleanResolved());

        Assert.Null(diagnosis.OnsetStep);
        Assert.Null(diagnosis.OnsetStage);
        Assert.False(diagnosis.Recovered);
        Assert.Empty(diagnosis.ErrorChain);
        Assert.Empty(diagnosis.StageLabels);
        Assert.Contains("No failure", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_ResolvedRunWithRevertedBreakingEdit_ReportsRecoveredError()
    {
        var diagnosis = Fixtures.Localizer().Diagnose(Fixtures.RecoveredResolved());

        Assert.True(diagnosis.Recovered);
        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Equal(2, diagnosis.OnsetStage);
        Assert.Equal([2, 3, 4], diagnosis.ErrorChain.Select(l => l.Step));
        Assert.Equal([ChainRoles.Onset, ChainRoles.Terminal, ChainRoles.Recovery], diagnosis.ErrorChain.Select(l => l.Role));
        Assert.Equal([2], diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds));
        Assert.Contains("recovered", diagnosis.Summary, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Diagnose_ResolvedRunWithTestFailureAfterEditThenPass_ReportsRecovered()
    {
        var run = new RunBuilder("fail-then-pass")
            .Read("src/parser.py")
            .Edit("src/parser.py")
            .TestFail(1, 11, "FAILED tests/test_parser.py::test_empty")
            .Edit("src/parser.py")
            .TestPass(12)
            .Outcome(OutcomeStatus.Resolved, "resolved: true")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.True(diagnosis.Recovered);
        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Contains(diagnosis.ErrorChain, l => l.Step == 3 && l.Role == ChainRoles.Terminal);
        Assert.Contains(diagnosis.ErrorChain, l => l.Step == 5 && l.Role == ChainRoles.Recovery);
    }

    [Fact]
    public void Diagnose_ReproductionFailureBeforeAnyEdit_IsNotARecoveredError()
    {
        // Failing tests before the first real edit reproduce the bug; they are not an error of the run.
        var run = new RunBuilder("repro")
            .Create("reproduce_bug.py")
            .TestFail(1, 0, "FAILED reproduce_bug.py::test_it")
            .Edit("src/parser.py")
            .TestPass(12)
            .Outcome(OutcomeStatus.Resolved, "resolved: true")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Null(diagnosis.OnsetStep);
        Assert.False(diagnosis.Recovered);
    }

    [Fact]
    public void Diagnose_UnresolvedWithoutAnyChangeOrSignal_OnsetIsTheLastStep()
    {
        var run = new RunBuilder("idle")
            .Read("README.md")
            .Search("parse")
            .Read("src/parser.py")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(3, diagnosis.OnsetStep);
        Assert.Single(diagnosis.ErrorChain);
        Assert.InRange(diagnosis.OnsetStep!.Value, 1, run.Steps.Count);
    }

    [Fact]
    public void Diagnose_TimeoutLoopWithoutChanges_OnsetStartsTheSignalRunAndKindIsLooping()
    {
        var builder = new RunBuilder("loop").Read("README.md").Read("src/parser.py");
        builder.Run("python -c 'import parser'", "Traceback ...\nValueError: bad", 1, RunBuilder.ErrorText("ValueError: bad"));
        for (var i = 0; i < 6; i++)
        {
            builder.Run("python -c 'import parser'", "Traceback ...\nValueError: bad", 1, RunBuilder.ErrorText("ValueError: bad"), RunBuilder.Repeat(3));
        }
        var run = builder.Outcome(OutcomeStatus.Unresolved, "is_resolved: false", failureMode: "agent_timeout").Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(3, diagnosis.OnsetStep);
        Assert.Equal(run.Steps.Count, diagnosis.ErrorChain[^1].Step);
        Assert.Contains("agent_timeout", diagnosis.ErrorChain[^1].Why, StringComparison.Ordinal);
        Assert.Equal(ErrorKinds.Looping, diagnosis.ErrorKind);
        Assert.Equal(Enumerable.Range(4, 6), diagnosis.StageLabels.SelectMany(l => l.UnusefulStepIds));
    }

    [Fact]
    public void Diagnose_RegressionAfterPassingTests_OnsetIsTheEditAfterTheLastPass()
    {
        var run = new RunBuilder("regression")
            .Edit("src/parser.py")
            .TestPass(12)
            .Edit("src/tokens.py")
            .TestFail(1, 11, "FAILED tests/test_tokens.py::test_eof")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(3, diagnosis.OnsetStep);
        Assert.Equal(4, diagnosis.ErrorChain[^1].Step);
        Assert.Equal(ErrorKinds.Hypothesis, diagnosis.ErrorKind);
    }

    [Fact]
    public void Diagnose_EditRevertedByGitCheckout_OnsetSkipsTheRevertedEdit()
    {
        var run = new RunBuilder("reverted")
            .Edit("src/parser.py")
            .Git("git checkout -- src/parser.py", ["src/parser.py"])
            .Edit("src/tokens.py")
            .TestFail(2, 3, "FAILED tests/test_parser.py::test_x")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(3, diagnosis.OnsetStep);
        // The reverted attempt was wrong too, so it is still labeled incorrect.
        Assert.Equal([1, 3], diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds).Order());
    }

    [Fact]
    public void Diagnose_EditOfTheFileTheFailureNames_IsPreferredOverAnEarlierScratchFile()
    {
        var run = new RunBuilder("scratch")
            .Create("reproduce.py")
            .Edit("src/parser.py")
            .TestFail(1, 3, "FAILED tests/test_parser.py::test_x")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        Assert.Equal(2, Fixtures.Localizer().Diagnose(run).OnsetStep);
    }

    [Fact]
    public void Diagnose_DependencyError_KindIsDependencyAndOnsetIsTheInstall()
    {
        var run = new RunBuilder("deps")
            .Install("pip install numpy==1.0", "Successfully installed numpy-1.0")
            .Edit("src/parser.py")
            .Run("python src/parser.py", "ModuleNotFoundError: No module named 'numpy.core.multiarray' (src/parser.py line 3)", 1,
                RunBuilder.ErrorText("ModuleNotFoundError: No module named 'numpy.core.multiarray' (src/parser.py line 3)"))
            .Outcome(OutcomeStatus.Unresolved, "reward.txt = 0")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(ErrorKinds.Dependency, diagnosis.ErrorKind);
        Assert.Equal(1, diagnosis.OnsetStep);
    }

    [Fact]
    public void Diagnose_UnknownOutcomeWithFailingTestsAtTheEnd_DiagnosesAndSaysSo()
    {
        var run = new RunBuilder("unknown")
            .Edit("src/parser.py")
            .TestFail(1, 2, "FAILED tests/test_parser.py::test_x")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(1, diagnosis.OnsetStep);
        Assert.StartsWith("Outcome unknown", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_UnknownOutcomeWithoutFailure_FindsNone()
    {
        var run = new RunBuilder("unknown-clean").Edit("src/parser.py").TestPass(3).Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Null(diagnosis.OnsetStep);
        Assert.Contains("Outcome unknown", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_UnresolvedWhereLastCheckPassed_KindIsVerification()
    {
        var run = new RunBuilder("verification")
            .Read("src/parser.py")
            .Edit("src/parser.py")
            .TestPass(4)
            .Submit()
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Equal(4, diagnosis.ErrorChain[^1].Step);
        Assert.Equal(ErrorKinds.Verification, diagnosis.ErrorKind);
    }

    [Fact]
    public void Diagnose_RunWithoutSteps_HasNoOnsetAndSaysWhy()
    {
        var run = new RunBuilder("empty").Outcome(OutcomeStatus.Unresolved, "resolved: false").Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Null(diagnosis.OnsetStep);
        Assert.Contains("no agent steps", diagnosis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_RunWithoutStagesOrIndexing_UsesExitCodesAndOneStage()
    {
        var run = new Run { Id = "raw", Outcome = new RunOutcome { Status = OutcomeStatus.Unresolved } };
        for (var i = 1; i <= 4; i++)
        {
            run.Steps.Add(new Step { Id = i, ToolCalls = [new ToolCall { Tool = "bash", Command = "make", ExitCode = i == 3 ? 2 : 0 }] });
        }

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.InRange(diagnosis.OnsetStep!.Value, 1, 4);
        Assert.All(diagnosis.StageLabels, l => Assert.Equal(1, l.StageId));
    }

    [Fact]
    public void Diagnose_LongChain_IsCappedAtMaxChainLinks()
    {
        var builder = new RunBuilder("long").Edit("src/parser.py");
        for (var i = 0; i < 20; i++) builder.TestFail(1, 1, $"FAILED tests/test_parser.py::test_{i}");
        var run = builder.Outcome(OutcomeStatus.Unresolved, "resolved: false").Build();

        var diagnosis = Fixtures.Localizer(new DiagnosisOptions { MaxChainLinks = 5 }).Diagnose(run);

        Assert.Equal(5, diagnosis.ErrorChain.Count);
        Assert.Equal(diagnosis.ErrorChain.Select(l => l.Step).Order(), diagnosis.ErrorChain.Select(l => l.Step));
    }

    [Fact]
    public void Diagnose_EditOverwrittenByALaterCopy_OnsetIsTheCopyThatLasted()
    {
        // Edits of the source restored from a backup do not last; the copy that put the final version in place does.
        var run = new RunBuilder("overwritten")
            .Read("django/db/autodetector.py")
            .Step(StepKind.Create, StepEffect.Change, "cp django/db/autodetector.py django/db/autodetector.py.orig", "", 0, ["django/db/autodetector.py.orig", "django/db/autodetector.py"])
            .Edit("django/db/autodetector.py")
            .Step(StepKind.Create, StepEffect.Change, "cp django/db/autodetector.py.orig django/db/autodetector.py", "", 0, ["django/db/autodetector.py", "django/db/autodetector.py.orig"])
            .Step(StepKind.Create, StepEffect.Change, "cp django/db/autodetector.py.fixed django/db/autodetector.py", "", 0, ["django/db/autodetector.py", "django/db/autodetector.py.fixed"])
            .Submit()
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(5, diagnosis.OnsetStep);
        // The edit undone by restoring the backup was a wrong attempt.
        Assert.Contains(3, diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds));
    }

    [Fact]
    public void Diagnose_HelperFileCreatedThenRemoved_IsNeitherOnsetNorRecoveredError()
    {
        var run = new RunBuilder("cleanup")
            .Create("/app/policy.json")
            .Run("aws s3api put-bucket-policy --policy file://policy.json", "{}")
            .Step(StepKind.Edit, StepEffect.Change, "rm /app/policy.json", "", 0, ["/app/policy.json"])
            .Outcome(OutcomeStatus.Resolved, "is_resolved: true")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Null(diagnosis.OnsetStep);
        Assert.False(diagnosis.Recovered);
    }

    [Fact]
    public void Diagnose_NoLastingChange_OnsetIsTheFirstErrorTheRunNeverGotPast()
    {
        var run = new RunBuilder("env")
            .Create("BugReproducer.java")
            .Run("javac BugReproducer.java", "bash: javac: command not found", 127, RunBuilder.ErrorText("bash: javac: command not found"))
            .Search("java")
            .Read("README.md")
            .Run("mvn install", "bash: mvn: command not found", 127, RunBuilder.ErrorText("bash: mvn: command not found"))
            .Search("jdk")
            .Search("jre")
            .Search("runtime")
            .Step(StepKind.Submit, StepEffect.Explore, "exit_cost", "")
            .Outcome(OutcomeStatus.Unresolved, "listed in unresolved_ids", exitStatus: "submitted (exit_cost)")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Equal(ErrorKinds.Environment, diagnosis.ErrorKind);
        Assert.Equal(9, diagnosis.ErrorChain[^1].Step);
        Assert.Contains("exit_cost", diagnosis.ErrorChain[^1].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_ErrorTheRunGotPastLater_IsSkippedForTheNextOne()
    {
        var run = new RunBuilder("got-past")
            .Run("make", "make: cc: not found", 2, RunBuilder.ErrorText("make: cc: not found"))
            .Install("apt-get install -y gcc", "Setting up gcc")
            .Run("make", "ok", 0)
            .Run("./app --check", "Segmentation fault", 139, RunBuilder.ErrorText("Segmentation fault"))
            .Outcome(OutcomeStatus.Unresolved, "reward.txt = 0")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        // The install is the only lasting change, so it is the onset; the first make error was got past.
        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Equal(4, diagnosis.ErrorChain[^1].Step);
    }

    [Fact]
    public void Diagnose_SideErrorAfterTheChange_IsNotALinkOfTheChain()
    {
        var run = new RunBuilder("side-error")
            .Edit("sympy/core/relational.py")
            .Run("python -m pytest", "/usr/bin/python3: No module named pytest", 1, new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 1: missing module", EvidenceLine = "No module named pytest" })
            .Run("python check_other.py", "Traceback\nKeyError: 'x' in other/module.py", 1, new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 1: KeyError", EvidenceLine = "KeyError: 'x' in other/module.py" })
            .Submit()
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal([1, 4], diagnosis.ErrorChain.Select(l => l.Step));
    }

    [Fact]
    public void Diagnose_GuessingLoopWithDifferentValues_KindIsLoopingAndGuessesAreUnuseful()
    {
        var builder = new RunBuilder("guessing").Read("/app/README.md");
        foreach (var password in new[] { "password", "123456", "secret", "admin", "letmein", "qwerty" })
        {
            builder.Step(StepKind.Run, StepEffect.Change, $"7z x /app/secrets.7z -p\"{password}\" -o/app/out", "ERROR: Wrong password", 2,
                signals: new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 2: wrong password", EvidenceLine = "ERROR: Wrong password" });
        }
        var run = builder.Outcome(OutcomeStatus.Unresolved, "is_resolved: false", failureMode: "agent_timeout").Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(ErrorKinds.Looping, diagnosis.ErrorKind);
        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Equal([3, 4, 5, 6, 7], diagnosis.StageLabels.SelectMany(l => l.UnusefulStepIds));
    }

    [Fact]
    public void Diagnose_TaskNamesAProtoFile_OnsetIsTheCreateOfThatFileNotAnEarlierStrayFile()
    {
        // The shape of a run whose tool-call arguments went bad: a stray file "notes.txt", then the deliverable the task
        // names written with the wrong content, then nothing that fixes it.
        var run = new RunBuilder("proto")
            .Install("pip install grpcio==1.73.0")
            .Create("notes.txt")
            .Create("/app/kv-store.proto")
            .Run("python -m grpc_tools.protoc kv-store.proto", "/app/kv-store.proto:1:1: Expected top-level statement", 1, RunBuilder.ErrorExit(1))
            .Outcome(OutcomeStatus.Unresolved, "reward.txt: 0")
            .Build();
        run.Task.Text = "Create a file /app/kv-store.proto containing a service called KVStore, then generate the Python code.";

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(3, diagnosis.OnsetStep);
        Assert.Contains("a file the task names", diagnosis.ErrorChain[0].Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnose_EditTheEditorRefused_ChangedNothingSoIsNotTheOnset()
    {
        var run = new RunBuilder("refused")
            .Edit("src/parser.py")
            .Edit("src/lexer.py")
            .TestFail(1, 4, "1 failed, 4 passed")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();
        // The second edit came back as the tool's own error ("File has not been read yet"): no exit code, nothing written.
        run.Steps[1].ToolCalls[0].IsError = true;
        run.Steps[1].ToolCalls[0].ExitCode = null;
        run.Task.Text = "The lexer in src/lexer.py drops the last token.";

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(1, diagnosis.OnsetStep);
    }

    [Theory]
    [InlineData("/bin/bash: line 1: ,: command not found", false)]
    [InlineData("/bin/bash: line 1: protoc: command not found", true)]
    public void Diagnose_CommandNotFound_IsTheEnvironmentOnlyWhenTheNameCouldBeAProgram(string evidence, bool environment)
    {
        var run = new RunBuilder("not-found")
            .Create("/app/kv-store.proto")
            .Run("python -m grpc_tools.protoc kv-store.proto", evidence, 127,
                new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 127: command not found", EvidenceLine = evidence })
            .Outcome(OutcomeStatus.Unresolved, "ctrf.json: 7 tests, 1 passed, 6 failed")
            .Build();
        run.Task.Text = "Create /app/kv-store.proto and generate the Python code from it.";
        run.Outcome.TestResults["test_outputs.py::test_protobuf_generation"] = "failed";

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(environment, diagnosis.ErrorKind == ErrorKinds.Environment);
        // test_outputs.py is the grader's file, not a part of the work: never a reason to call the edit mislocalized.
        Assert.NotEqual(ErrorKinds.Localization, diagnosis.ErrorKind);
    }

    [Fact]
    public void Diagnose_PytestSummaryInRules_IsQuotedWithoutTheRulesOrTheRepeat()
    {
        var run = new RunBuilder("rules")
            .Edit("src/parser.py")
            .TestFail(2, 7, "========================= 2 failed, 7 passed in 0.08s =========================")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var terminal = Fixtures.Localizer().Diagnose(run).ErrorChain[^1];

        Assert.Equal(2, terminal.Step);
        Assert.DoesNotContain("==", terminal.Why, StringComparison.Ordinal);
        Assert.Contains("2 failed, 7 passed", terminal.Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("build/lib/sizefmt/filesize.py")]
    [InlineData("/usr/lib/python3/site-packages/requests/models.py")]
    [InlineData("node_modules/left-pad/index.js")]
    public void Diagnose_EditOfABuildOrInstalledCopy_IsLocalization(string copy)
    {
        var run = new RunBuilder("copy")
            .Edit(copy)
            .TestFail(2, 7, "FAILED tests/test_filesize.py::test_binary - AssertionError")
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(1, diagnosis.OnsetStep);
        Assert.Equal(ErrorKinds.Localization, diagnosis.ErrorKind);
        Assert.Contains("not the source", diagnosis.ErrorChain[0].Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("src/sizefmt/filesize.py", false)]
    [InlineData("build/lib.linux-x86_64-3.11/pkg/mod.py", true)]
    [InlineData("venv/lib/python3.11/x.py", true)]
    [InlineData("docs/build.md", false)]
    [InlineData("target/release/app", true)]
    public void IsGeneratedCopy_TellsBuildOutputAndInstalledCopiesFromSource(string path, bool copy)
    {
        Assert.Equal(copy, DiagnosisText.IsGeneratedCopy(path));
    }

    [Fact]
    public void Diagnose_OnsetThatOnlyMadeAFolder_IsNotCalledLocalization()
    {
        var run = new RunBuilder("mkdir")
            .Step(StepKind.Create, StepEffect.Change, "mkdir -p /app/polyglot", "", 0, ["/app/polyglot"])
            .Run(": mkdir -p /app/polyglot")
            .Outcome(OutcomeStatus.Unresolved, "reward.txt: 0", failureMode: "AgentTimeoutError")
            .Build();
        run.Task.Text = "Write /app/polyglot/main.rs that is also a valid C program in /app/polyglot/cmain.c.";

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(1, diagnosis.OnsetStep);
        Assert.NotEqual(ErrorKinds.Localization, diagnosis.ErrorKind);
    }

    private static Signal Broke(string file, int shownAt) => new()
    {
        Kind = SignalKind.BrokenEdit,
        Message = $"left {file} broken: SyntaxError (step {shownAt})",
        RelatedStep = shownAt,
        EvidenceLine = "SyntaxError: invalid syntax",
    };

    [Fact]
    public void Diagnose_EditThatLeftTheFileBroken_IsTheOnsetEvenWhenAnEarlierChangeLasted()
    {
        var run = new RunBuilder("broken")
            .Edit("src/helpers.py")
            .Edit("src/parser.py", Broke("src/parser.py", 3))
            .Run("python reproduce.py", "SyntaxError: invalid syntax", 1, RunBuilder.ErrorExit(1))
            .Submit()
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(2, diagnosis.OnsetStep);
        Assert.Contains("stayed broken", diagnosis.ErrorChain[0].Why, StringComparison.Ordinal);
        Assert.Contains(2, diagnosis.StageLabels.SelectMany(l => l.IncorrectStepIds));
    }

    [Fact]
    public void Diagnose_ResolvedRunThatBrokeAFileAndRepairedIt_ReportsARecoveredError()
    {
        var run = new RunBuilder("repaired")
            .Edit("src/parser.py", Broke("src/parser.py", 2))
            .Run("python reproduce.py", "SyntaxError: invalid syntax", 1, RunBuilder.ErrorExit(1))
            .Edit("src/parser.py")
            .TestPass(12)
            .Submit()
            .Outcome(OutcomeStatus.Resolved, "resolved: true")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.True(diagnosis.Recovered);
        Assert.Equal(1, diagnosis.OnsetStep);
        Assert.Contains(diagnosis.ErrorChain, l => l.Role == ChainRoles.Recovery && l.Step == 3);
    }

    [Fact]
    public void Diagnose_OnsetThatOnlyRanSomething_LaterEditOfItsFileIsNotCalledBuildingOnAChange()
    {
        var run = new RunBuilder("javac")
            .Step(StepKind.Run, StepEffect.Explore, "javac Reproducer.java", "/bin/bash: javac: command not found", 127, ["Reproducer.java"], signals: RunBuilder.ErrorText("/bin/bash: javac: command not found"))
            .Edit("Reproducer.java")
            .Step(StepKind.Run, StepEffect.Explore, "javac Reproducer.java", "/bin/bash: javac: command not found", 127, ["Reproducer.java"], signals: RunBuilder.ErrorText("/bin/bash: javac: command not found"))
            .Submit()
            .Outcome(OutcomeStatus.Unresolved, "resolved: false")
            .Build();

        var diagnosis = Fixtures.Localizer().Diagnose(run);

        Assert.Equal(1, diagnosis.OnsetStep);
        var link = Assert.Single(diagnosis.ErrorChain, l => l.Step == 2);
        Assert.Contains("the file step 1 worked on", link.Why, StringComparison.Ordinal);
    }
}
