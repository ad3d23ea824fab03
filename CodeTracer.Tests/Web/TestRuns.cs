using CodeTracer.Core.Model;

namespace CodeTracer.Tests.Web;

/// <summary>Runs built in code for component tests: a small varied one, a large one and a hostile one.</summary>
internal static class TestRuns
{
    public const string Esc = "\u001b";

    /// <summary>
    /// Nine steps in three stages: step 4 has two calls, step 5 fails with exit 1, step 6 prints coloured output with
    /// progress redraws, step 7 edits a file with str_replace, step 8 repeats a command.
    /// </summary>
    public static Run Small(string id = "run-small")
    {
        var steps = new List<Step>
        {
            Step(1, StepKind.Read, StepEffect.Explore, "I will look at the **repository** layout first.", Call("bash", "ls -la /repo", "README.md\nsetup.py\nsrc/")),
            Step(2, StepKind.Search, StepEffect.Explore, "Find where the parser lives.", Call("bash", "grep -rn 'def parse' src", "src/parser.py:12:def parse(text):")),
            Step(3, StepKind.Read, StepEffect.Explore, null, Call("str_replace_editor", "view /repo/src/parser.py", "     1\timport re\n     2\t\n    12\tdef parse(text):")),
            new Step
            {
                Id = 4, Kind = StepKind.Run, Effect = StepEffect.Explore, Thought = "Run both checks at once.",
                ToolCalls = [Call("bash", "python -c 'import src'", ""), Call("bash", "python --version", "Python 3.11.4")],
            },
            Step(5, StepKind.Run, StepEffect.Explore, "Reproduce the bug.", Call("bash", "python reproduce.py", "Traceback (most recent call last):\n  File \"reproduce.py\", line 3\nValueError: bad input", exitCode: 1),
                new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 1", ToolCallIndex = 0 },
                new Signal { Kind = SignalKind.ErrorText, Message = "Python traceback", EvidenceLine = "ValueError: bad input", EvidenceLineNumber = 3, ToolCallIndex = 0 }),
            Step(6, StepKind.Install, StepEffect.Change, "Install the test dependency.", Call("bash", "pip install pytest", $"Downloading  10%\rDownloading 100%\n{Esc}[32mSuccessfully installed pytest{Esc}[0m\n")),
            new Step
            {
                Id = 7, Kind = StepKind.Edit, Effect = StepEffect.Change, Thought = "Fix the regex.",
                ToolCalls =
                [
                    new ToolCall
                    {
                        Tool = "str_replace_editor", Kind = StepKind.Edit, Effect = StepEffect.Change, Command = "str_replace /repo/src/parser.py",
                        Arguments = """{"command":"str_replace","path":"/repo/src/parser.py","old_str":"    return re.match(r'a+', text)\n","new_str":"    return re.fullmatch(r'a+', text)\n"}""",
                        Observation = "The file /repo/src/parser.py has been edited.",
                    },
                ],
                Provenance = new Provenance { File = "/data/run.traj", JsonPointer = "/trajectory/6" },
            },
            Step(8, StepKind.Test, StepEffect.Explore, "Run the tests.", Call("bash", "pytest -q", "3 passed in 0.10s"),
                new Signal { Kind = SignalKind.TestsPassed, Message = "3 passed", ToolCallIndex = 0 }),
            Step(9, StepKind.Submit, StepEffect.Change, "Done.", Call("submit", "submit", "")),
        };
        var run = new Run
        {
            Id = id,
            Framework = Frameworks.SweAgent,
            Format = RunFormats.SweAgentTraj,
            Model = "gpt-test",
            Task = new TaskInfo { Id = "demo__parser-1", Title = "demo__parser-1", Text = "The parser accepts **partial** matches." },
            Outcome = new RunOutcome { Status = OutcomeStatus.Unresolved, Evidence = [new OutcomeEvidence { File = "/data/results.json", Detail = "listed in unresolved" }] },
            Metrics = new RunMetrics { PromptTokens = 12_000, CompletionTokens = 800, CostUsd = 0.042, DurationSeconds = 95 },
            Source = new RunSource { Path = "/data/run.traj" },
            Warnings = [new ImportWarning { Code = "observation-truncated", Message = "one observation was cut" }],
            Steps = steps,
            Stages =
            [
                new Stage { Id = 1, Kind = StageKind.Explore, Title = "Explore the parser", FirstStep = 1, LastStep = 3 },
                new Stage { Id = 2, Kind = StageKind.Reproduce, Title = "Reproduce the bug", FirstStep = 4, LastStep = 6 },
                new Stage { Id = 3, Kind = StageKind.Edit, Title = "Edit src/parser.py", FirstStep = 7, LastStep = 9 },
            ],
            StateTree = new StateTree
            {
                Nodes =
                [
                    new StateTreeNode { StepId = 1, ParentStepId = 0, Effect = StepEffect.Explore, Label = "ls -la /repo" },
                    new StateTreeNode { StepId = 6, ParentStepId = 0, Effect = StepEffect.Change, Label = "pip install pytest" },
                    new StateTreeNode { StepId = 7, ParentStepId = 6, Effect = StepEffect.Change, Label = "str_replace parser.py" },
                    new StateTreeNode { StepId = 8, ParentStepId = 7, Effect = StepEffect.Explore, Label = "pytest -q" },
                ],
            },
        };
        return run;
    }

    /// <summary>A long run: <paramref name="stepCount"/> steps in stages of 20, every 50th step failing.</summary>
    public static Run Large(int stepCount = 2000, string id = "run-large")
    {
        var steps = new List<Step>(stepCount);
        for (var i = 1; i <= stepCount; i++)
        {
            var failing = i % 50 == 0;
            steps.Add(Step(i, i % 3 == 0 ? StepKind.Edit : StepKind.Run, i % 3 == 0 ? StepEffect.Change : StepEffect.Explore,
                $"Thought number {i}: check item {i}.",
                Call("bash", $"python check.py --item {i}", failing ? $"error in item {i}" : $"item {i} ok", exitCode: failing ? 1 : 0),
                failing ? [new Signal { Kind = SignalKind.ErrorExit, Message = "exit code 1", ToolCallIndex = 0 }] : []));
        }
        var stages = new List<Stage>();
        for (var first = 1; first <= stepCount; first += 20)
        {
            stages.Add(new Stage { Id = stages.Count + 1, Kind = (StageKind)((stages.Count % 6) + 1), Title = $"Batch {stages.Count + 1}", FirstStep = first, LastStep = Math.Min(stepCount, first + 19) });
        }
        return new Run
        {
            Id = id,
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsEvalJsonl,
            Task = new TaskInfo { Title = "large task" },
            Steps = steps,
            Stages = stages,
        };
    }

    /// <summary>One step whose every text field carries markup, script URLs and escape codes.</summary>
    public static Run Hostile(string id = "run-hostile")
    {
        const string payload = "<script>window.__pwned=1</script> <img src=x onerror=\"window.__pwned=2\"> [x](javascript:alert(1)) <a href=\"javascript:alert(2)\">a</a>";
        return new Run
        {
            Id = id,
            Framework = Frameworks.ClaudeCode,
            Format = RunFormats.ClaudeCodeCast,
            Task = new TaskInfo { Title = "<script>window.__pwned=3</script>", Text = payload },
            Steps =
            [
                new Step
                {
                    Id = 1,
                    Thought = payload,
                    Reasoning = payload,
                    ToolCalls =
                    [
                        new ToolCall
                        {
                            Tool = "Bash<script>",
                            Command = "echo '<script>window.__pwned=4</script>'",
                            Arguments = """{"command":"<img src=x onerror=alert(5)>"}""",
                            Observation = $"{Esc}]0;title{'\u0007'}{Esc}[31m<script>window.__pwned=5</script>{Esc}[0m\r\n<img src=x onerror=alert(6)>\n",
                        },
                    ],
                },
            ],
        };
    }

    private static Step Step(int id, StepKind kind, StepEffect effect, string? thought, ToolCall call, params Signal[] signals) => new()
    {
        Id = id,
        Kind = kind,
        Effect = effect,
        Thought = thought,
        ToolCalls = [call],
        Signals = [.. signals],
    };

    private static ToolCall Call(string tool, string command, string observation, int? exitCode = null) => new()
    {
        Tool = tool,
        Command = command,
        Observation = observation,
        ExitCode = exitCode,
        IsError = exitCode is > 0,
    };
}
