using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CodeTracer.Tests.Core.Diagnosis;

/// <summary>Answer parsing, options, prompts, tokens: the parts the LLM path is built from.</summary>
public sealed class DiagnosisPartsTests
{
    [Fact]
    public void Parse_AnswerInCodeFenceWithOtherCasing_IsAccepted()
    {
        var text = "```json\n" + LlmDiagnosisTests.ValidAnswer.Replace("onset_step", "ONSET_STEP", StringComparison.Ordinal) + "\n```";

        var (answer, problems) = DiagnosisAnswerParser.Parse(text, Fixtures.PlantedOnset());

        Assert.Empty(problems);
        Assert.Equal(5, answer!.OnsetStep);
    }

    [Fact]
    public void Parse_UnknownStageAndStepsAndKind_ListsEachProblem()
    {
        var text = """{"onset_step":0,"error_kind":"cosmic rays","error_chain":[{"step":99,"role":"onset","why":"x"}],"stage_labels":[{"stage_id":7,"incorrect_step_ids":[11],"unuseful_step_ids":[]}],"critical_decision_points":[{"step_id":-1,"decision":"d","should_have":"s"}]}""";

        var (answer, problems) = DiagnosisAnswerParser.Parse(text, Fixtures.PlantedOnset());

        Assert.Null(answer);
        Assert.Contains(problems, p => p.Contains("onset_step names step 0", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("step 99", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("stage 7", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("step 11", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("step -1", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("cosmic rays", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_FailedRunWithoutOnset_IsRejected()
    {
        var text = """{"onset_step":null,"error_chain":[],"stage_labels":[],"summary":"fine"}""";

        var (answer, problems) = DiagnosisAnswerParser.Parse(text, Fixtures.PlantedOnset());
        var (resolvedAnswer, resolvedProblems) = DiagnosisAnswerParser.Parse(text, Fixtures.CleanResolved());

        Assert.Null(answer);
        Assert.Contains(problems, p => p.Contains("onset_step must name", StringComparison.Ordinal));
        Assert.NotNull(resolvedAnswer);
        Assert.Empty(resolvedProblems);
    }

    [Theory]
    [InlineData("")]
    [InlineData("I think step 5 is wrong.")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"onset_step\": \"five\"}")]
    public void Parse_NotADiagnosis_IsRejectedWithAReason(string text)
    {
        var (answer, problems) = DiagnosisAnswerParser.Parse(text, Fixtures.PlantedOnset());

        Assert.Null(answer);
        Assert.NotEmpty(problems);
    }

    [Fact]
    public void ToDiagnosis_Answer_NormalizesRolesKindsMergesStagesAndTakesOnsetFromChain()
    {
        var run = Fixtures.PlantedOnset();
        var answer = new DiagnosisAnswer
        {
            OnsetStep = null,
            ErrorKind = "Localization",
            ErrorChain = [new AnswerChainLink { Step = 5, Role = "ROOT CAUSE", Why = "a\nb" }, new AnswerChainLink { Step = 9, Role = "final", Why = "c" }],
            StageLabels = [new AnswerStageLabel { StageId = 2, IncorrectStepIds = [6, 5] }, new AnswerStageLabel { StageId = 2, IncorrectStepIds = [5], UnusefulStepIds = [8] }],
        };

        var diagnosis = DiagnosisAnswerParser.ToDiagnosis(answer, run, "llm:m", "m", "v", DateTime.UnixEpoch);

        Assert.Equal(ErrorKinds.Localization, diagnosis.ErrorKind);
        Assert.Equal([ChainRoles.Onset, ChainRoles.Terminal], diagnosis.ErrorChain.Select(l => l.Role));
        Assert.Equal("a b", diagnosis.ErrorChain[0].Why);
        var label = Assert.Single(diagnosis.StageLabels);
        Assert.Equal([5, 6], label.IncorrectStepIds);
        Assert.Equal([8], label.UnusefulStepIds);
        // No onset_step given: the chain's onset link stands in.
        Assert.Equal(5, diagnosis.OnsetStep);
        Assert.Equal(2, diagnosis.OnsetStage);
    }

    [Fact]
    public void Options_BoundFromEnvironmentStyleKeys_AreConfiguredAndHideTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Diagnosis:Endpoint"] = "http://localhost:8080/v1",
            ["Diagnosis:Model"] = "qwen2.5-coder",
            ["Diagnosis:ApiKey"] = "sk-very-secret-value",
            ["Diagnosis:Prices:qwen2.5-coder:Input"] = "0.1",
            ["Diagnosis:Prices:qwen2.5-coder:Output"] = "0.2",
        }).Build();
        using var services = new ServiceCollection().AddCodeTracerDiagnosis(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<DiagnosisOptions>>().Value;

        Assert.True(options.IsConfigured);
        Assert.Equal("http://localhost:8080/v1/", options.EndpointUri!.ToString());
        Assert.DoesNotContain("secret", options.ToString(), StringComparison.Ordinal);
        Assert.Contains("ApiKey=(set)", options.ToString(), StringComparison.Ordinal);
        Assert.Equal(0.1, options.PriceFor("qwen2.5-coder").Input);
        Assert.Equal(0.5, options.PriceFor("qwen3-coder").Input);
        Assert.Equal(0.15, options.PriceFor("gpt-4o-mini-2024-07-18").Input);
        Assert.Equal(5.0, options.PriceFor("some-unknown-model").Input);
    }

    [Fact]
    public void Options_InvalidValues_FailValidationWithNames()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Diagnosis:Endpoint"] = "ftp://example.com/v1/",
            ["Diagnosis:MaxRounds"] = "0",
            ["Diagnosis:MaxTotalTokens"] = "10",
        }).Build();
        using var services = new ServiceCollection().AddCodeTracerDiagnosis(configuration).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DiagnosisOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.Contains("Diagnosis:Endpoint", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Diagnosis:MaxRounds", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("Diagnosis:MaxTotalTokens", StringComparison.Ordinal));
    }

    [Fact]
    public void Redact_ProviderEchoOfTheKey_IsRemoved()
    {
        var options = new DiagnosisOptions { ApiKey = "sk-abcdef1234567890" };

        var text = LlmDiagnosisService.Redact("Incorrect API key provided: sk-abcdef1234567890 and sk-abc***890 and Bearer xyz12345", options);

        Assert.DoesNotContain("abcdef", text, StringComparison.Ordinal);
        Assert.DoesNotContain("abc***890", text, StringComparison.Ordinal);
        Assert.DoesNotContain("xyz12345", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Navigator_OpenStep_LongObservationKeepsHeadAndTailWithinBudget()
    {
        var run = Fixtures.PlantedOnset();
        run.Steps[2].ToolCalls[0].Observation = "HEAD-LINE\n" + new string('x', 100_000) + "\nTAIL-LINE";
        var options = new DiagnosisOptions { StepTextBudgetChars = 2_000 };
        var navigator = new RunNavigator(run, options, DataFence.For(run));

        var text = navigator.OpenStep(3);

        Assert.Contains("HEAD-LINE", text, StringComparison.Ordinal);
        Assert.Contains("TAIL-LINE", text, StringComparison.Ordinal);
        Assert.Contains("characters omitted", text, StringComparison.Ordinal);
        Assert.InRange(text.Length, 500, 3_000);
        Assert.Equal([3], navigator.OpenedSteps);
    }

    [Fact]
    public void Navigator_UnknownIdsAndSearch_AnswerInWords()
    {
        var run = Fixtures.PlantedOnset();
        var navigator = new RunNavigator(run, new DiagnosisOptions(), DataFence.For(run));

        Assert.Equal("No step 42: the run has steps 1..10.", navigator.OpenStep(42));
        Assert.Equal("No stage 9: the run has stages 1..3.", navigator.OpenStage(9));
        Assert.Contains("STAGE 2 [5-8]", navigator.OpenStage(2), StringComparison.Ordinal);
        var search = navigator.SearchRun("test_last_token");
        Assert.Contains("step 9 (output, line 2)", search, StringComparison.Ordinal);
        Assert.StartsWith("No step contains", navigator.SearchRun("zzz-not-there"), StringComparison.Ordinal);
        Assert.StartsWith("Search text must", navigator.SearchRun("x"), StringComparison.Ordinal);
    }

    [Fact]
    public void Index_PlantedRun_StagesThenOneLinePerStepWithQuietRunsGrouped()
    {
        var run = Fixtures.PlantedOnset();
        var prompts = new DiagnosisPrompts(new DiagnosisOptions());

        var lines = prompts.Index(run).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
        [
            "S1 [1-4] explore: Explore the parser",
            "1-3 | 3 quiet steps (read ×2, search) | cat README.md; grep -rn 'def parse' src/; cat src/parser.py",
            "4 | search | grep -rn 'def parse' src/ | repeat of 2",
            "S2 [5-8] edit: Edit src/lexer.py",
            "5 | edit/change | str_replace_editor str_replace src/lexer.py",
            "6 | read | cat src/lexer.py",
            "7 | read | cat docs/index.md",
            "8 | read | cat README.md | repeat of 1",
            "S3 [9-10] verify: Run tests: 3 failed",
            "9 | test | python -m pytest tests/ | fail 3 failed, 10 passed",
            "10 | submit | submit",
        ], lines);
    }

    [Fact]
    public void Index_GroupingOff_ListsEveryStep()
    {
        var prompts = new DiagnosisPrompts(new DiagnosisOptions { IndexQuietGroupMin = 0 });

        var lines = prompts.Index(Fixtures.PlantedOnset()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(3 + 10, lines.Length);
    }

    [Fact]
    public void Count_LongRunOfOneCharacter_IsCountedInChunksCloseToTheWholeCount()
    {
        var counter = new DiagnosisTokenCounter();
        var prose = string.Concat(Enumerable.Repeat("The parser drops the last token when the input ends without a newline.\n", 400));

        var chunked = counter.Count(prose);
        var whole = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens(prose);

        Assert.InRange(chunked, whole * 0.98, whole * 1.02);
        // 64,000 identical characters are quadratic for the tokenizer in one piece; in pieces they finish.
        Assert.InRange(counter.Count(new string('a', 64_000)), 1_000, 64_000);
    }

    [Fact]
    public void Estimate_LongFailedRun_TreeIndexedSendsFarLessThanDirect()
    {
        var builder = new RunBuilder("long");
        for (var i = 0; i < 80; i++) builder.Read($"src/module_{i}.py", string.Concat(Enumerable.Repeat($"def f_{i}(x):\n    return x + {i}\n", 60)));
        builder.Edit("src/module_3.py").TestFail(1, 5, "FAILED tests/test_module_3.py::test_f");
        var run = builder.Outcome(OutcomeStatus.Unresolved, "resolved: false").Build();
        var options = Options.Create(new DiagnosisOptions());
        var estimator = new DiagnosisTokenEstimator(options, new HeuristicLocalizer(options), new DiagnosisTokenCounter());

        var estimate = estimator.Estimate(run, 3);

        Assert.Equal([81, 82, 80], estimate.OpenedSteps);
        Assert.True(estimate.FirstRequestTokens < estimate.TreeIndexedPromptTokens);
        Assert.True(estimate.Ratio < 0.40, $"ratio {estimate.Ratio:0.00}: tree {estimate.TreeIndexedPromptTokens}, direct {estimate.DirectPromptTokens}");
    }

    [Theory]
    [InlineData(SignalKind.ErrorExit, "exit code 127: command not found", null, "exit 127: command not found")]
    [InlineData(SignalKind.ErrorExit, "the tool reported an error: tool error", null, "tool error")]
    [InlineData(SignalKind.ErrorExit, "the tool reported an error: permission denied", null, "tool error permission denied")]
    [InlineData(SignalKind.RepeatedAction, "same action as step 39 (3rd time), nothing changed in between", 39, "repeat of 39")]
    [InlineData(SignalKind.HugeObservation, "observation of 101,008 characters", null, "huge output")]
    [InlineData(SignalKind.TestsFailed, "3 failed, 10 passed", null, "fail 3 failed, 10 passed")]
    public void IndexSignal_CommonSignals_TakeAFewWords(SignalKind kind, string message, int? relatedStep, string expected)
    {
        Assert.Equal(expected, DiagnosisPrompts.IndexSignal(new Signal { Kind = kind, Message = message, RelatedStep = relatedStep }));
    }

    [Fact]
    public void Index_PlanningStepWithoutSignal_IsLeftOutButTheLastStepStays()
    {
        var run = new RunBuilder()
            .Step(StepKind.Think, StepEffect.Explore, "TodoWrite: 3 todos")
            .Edit("src/parser.py")
            .Step(StepKind.Think, StepEffect.Explore, "TodoWrite: 3 todos (1 completed)")
            .TestFail(1, 2, "FAILED tests/test_parser.py::test_last")
            .Step(StepKind.Think, StepEffect.Explore, "think: the fix is incomplete")
            .Build();

        var index = new DiagnosisPrompts(new DiagnosisOptions()).Index(run);

        Assert.DoesNotContain("TodoWrite", index, StringComparison.Ordinal);
        Assert.Contains("2 | edit/change", index, StringComparison.Ordinal);
        Assert.Contains("5 | think | think: the fix is incomplete", index, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "test_outputs.py::test_proto", "test_outputs.py::test_server" }, "test_outputs.py::")]
    [InlineData(new[] { "tests/test_a.py::test_x", "tests/test_b.py::test_y" }, "tests/")]
    [InlineData(new[] { "tests.test_x.TestA.test_one", "tests.test_x.TestA.test_two" }, "tests.test_x.TestA.")]
    [InlineData(new[] { "alpha", "beta" }, "")]
    [InlineData(new[] { "only.one::test" }, "")]
    public void CommonTestPrefix_CutsAtASeparatorSoNoNameLosesPartOfItself(string[] names, string expected)
    {
        Assert.Equal(expected, DiagnosisPrompts.CommonTestPrefix(names));
    }

    [Fact]
    public void IndexPrompt_EverythingFromTheRunSitsInOneFenceAfterCodeTracersOwnFacts()
    {
        var run = Fixtures.PlantedOnset();
        var options = new DiagnosisOptions { InlineRunMaxChars = 0 };
        var fence = DataFence.For(run);

        var prompt = new DiagnosisPrompts(options).IndexPrompt(run, new HeuristicLocalizer(Options.Create(options)).Diagnose(run), fence);

        Assert.StartsWith("Diagnose this run: 10 steps, 3 stages, outcome unresolved", prompt, StringComparison.Ordinal);
        var open = prompt.IndexOf(fence.Open, StringComparison.Ordinal);
        Assert.Equal(open, prompt.LastIndexOf(fence.Open, StringComparison.Ordinal));
        var close = prompt.IndexOf(fence.Close, StringComparison.Ordinal);
        foreach (var section in new[] { "TASK:", "OUTCOME EVIDENCE:", "INDEX:", "HEURISTIC CANDIDATES:" })
        {
            Assert.InRange(prompt.IndexOf(section, StringComparison.Ordinal), open, close);
        }
        Assert.Equal("", prompt[(close + fence.Close.Length)..].Trim());
    }

    [Fact]
    public void ResponseSchema_IsStructureOnly_AndTheSystemPromptDefinesTheFieldsThatNeedIt()
    {
        var schema = DiagnosisRequest.ResponseSchemaJson;
        var system = new DiagnosisPrompts(new DiagnosisOptions()).SystemPrompt(new DataFence("x"), withTools: true);

        Assert.DoesNotContain("description", schema, StringComparison.Ordinal);
        Assert.DoesNotContain("$schema", schema, StringComparison.Ordinal);
        foreach (var field in new[] { "onset_step", "recovered", "error_kind", "error_chain", "stage_labels", "root_cause_chain" })
        {
            Assert.Contains($"\"{field}\"", schema, StringComparison.Ordinal);
            Assert.Contains($"- {field}", system, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Preview_FirstRequest_CountsWhatTheEstimatorCountsAsTheFirstRequest()
    {
        var run = new RunBuilder("preview");
        for (var i = 0; i < 60; i++) run.Read($"src/module_{i}.py", string.Concat(Enumerable.Repeat($"def f_{i}(x):\n    return x + {i}\n", 40)));
        var built = run.Edit("src/module_3.py").TestFail(1, 5, "FAILED tests/test_module_3.py::test_f").Outcome(OutcomeStatus.Unresolved, "resolved: false").Build();
        var options = Options.Create(new DiagnosisOptions());
        var heuristic = new HeuristicLocalizer(options);
        var counter = new DiagnosisTokenCounter();

        var preview = new DiagnosisRequestPreview(options, heuristic, counter).FirstRequest(built, LlmDiagnosisMode.TreeIndexed);
        var estimate = new DiagnosisTokenEstimator(options, heuristic, counter).Estimate(built, 3);

        Assert.Equal(["system", "user"], preview.Messages.Select(m => m.Role));
        Assert.Equal(["open_stage", "open_step", "search_run"], preview.ToolNames);
        Assert.True(preview.ToolTokens > 0 && preview.SchemaTokens > 0);
        Assert.Equal(estimate.FirstRequestTokens, preview.Tokens);
        Assert.Equal(estimate.Parts["schema"], preview.SchemaTokens);
    }

    [Fact]
    public void Squeeze_PaddingAndRules_KeepEightCharactersAndTheirLength()
    {
        var text = "header   \n" + new string('-', 100) + "\n\n\n   \nvalue:" + new string(' ', 40) + "42\n" + new string('a', 50);

        var squeezed = DiagnosisText.Squeeze(text);

        Assert.Equal("header\n--------[×100]\n\nvalue:        [×40]42\n" + new string('a', 50), squeezed);
        Assert.Equal("short ---- line", DiagnosisText.Squeeze("short ---- line"));
    }

    [Fact]
    public void Request_RunUnderTheInlineSizeButCheaperIndexed_IsIndexed()
    {
        // Ten reads with 2,000-character outputs: 20k characters, under InlineRunMaxChars, yet the index (one line for the
        // quiet reads) plus a round and three opened steps costs less than all of it.
        var builder = new RunBuilder("medium");
        for (var i = 0; i < 9; i++) builder.Read($"src/module_{i}.py", string.Concat(Enumerable.Repeat($"def f_{i}(x): return x + {i}  # padding text\n", 45)));
        var medium = builder.TestFail(1, 5, "FAILED tests/test_module_3.py::test_f").Outcome(OutcomeStatus.Unresolved, "resolved: false").Build();
        var options = new DiagnosisOptions();
        var localizer = new HeuristicLocalizer(Options.Create(options));

        var request = DiagnosisRequest.Build(medium, LlmDiagnosisMode.TreeIndexed, options, localizer);
        var small = DiagnosisRequest.Build(Fixtures.PlantedOnset(), LlmDiagnosisMode.TreeIndexed, options, localizer);

        Assert.InRange(request.Prompts.RunText(medium, squeeze: true).Length, 15_000, options.InlineRunMaxChars);
        Assert.True(request.WithTools);
        Assert.Contains("INDEX:", request.UserPrompt, StringComparison.Ordinal);
        Assert.False(small.WithTools);
        Assert.Contains("THE WHOLE RUN (small", small.UserPrompt, StringComparison.Ordinal);
        Assert.Empty(small.Tools);
    }

    [Fact]
    public void OpenStep_WriteCallWhoseCommandIsOnlyThePath_ShowsTheContentItWrote()
    {
        var run = new RunBuilder("write").Build();
        var step = new Step { Id = 1, Kind = StepKind.Create, Effect = StepEffect.Change };
        step.ToolCalls.Add(new ToolCall
        {
            Tool = "Write",
            Command = "/app/kv-store.proto",
            Arguments = """{"file_path":"/app/kv-store.proto","content":"syntax = \"proto3\";\nservice KVStore {}"}""",
            Observation = "File created successfully at: /app/kv-store.proto",
            Kind = StepKind.Create,
            Effect = StepEffect.Change,
        });
        var bash = new Step { Id = 2, Kind = StepKind.Run };
        bash.ToolCalls.Add(new ToolCall { Tool = "Bash", Command = "ls /app", Arguments = """{"command":"ls /app","description":"List"}""", Kind = StepKind.Run });
        run.Steps.AddRange([step, bash]);
        var navigator = new RunNavigator(run, new DiagnosisOptions(), DataFence.For(run));

        var opened = navigator.OpenStep(1);

        Assert.Contains("/app/kv-store.proto\ncontent: syntax = \"proto3\";\nservice KVStore {}", opened, StringComparison.Ordinal);
        Assert.DoesNotContain("description", navigator.OpenStep(2), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<pr_description>\nConsider the following PR description:\nsolveset raises NotImplementedError\n</pr_description>\n<instructions>\nSubmit with echo ...\n</instructions>", "solveset raises NotImplementedError")]
    [InlineData("I've uploaded a repository.\n<issue_description>\nMarshmallow TimeDelta loses precision\n</issue_description>\nCan you help?", "Marshmallow TimeDelta loses precision")]
    [InlineData("We're currently solving the following issue within our repository. Here's the issue text:\nISSUE:\nPixel Representation should be optional\n\nINSTRUCTIONS:\nNow, you're going to solve this issue", "Pixel Representation should be optional")]
    [InlineData("Create an S3 bucket named sample-bucket.", "Create an S3 bucket named sample-bucket.")]
    public void TaskEssence_FrameworkTemplates_LeaveTheProblemStatement(string text, string expected)
    {
        Assert.Equal(expected, DiagnosisText.TaskEssence(text));
    }

    [Fact]
    public void OpenStage_SignalEvidenceBetweenFirstAndLastLines_IsShown()
    {
        var evidenceLine = "/bin/bash: line 1: ,: command not found";
        var run = new RunBuilder("stage")
            .Run(", content: 'python -m grpc_tools.protoc kv-store.proto", $"Exit code 127\n{evidenceLine}\n\n[error] tool reported failure", 127,
                new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 127: command not found", EvidenceLine = evidenceLine })
            .Build();
        var navigator = new RunNavigator(run, new DiagnosisOptions(), DataFence.For(run));

        var stage = navigator.OpenStage(1);

        Assert.Contains("  evidence: " + evidenceLine, stage, StringComparison.Ordinal);
        Assert.Contains("  output: Exit code 127", stage, StringComparison.Ordinal);
    }
}
