using System.Globalization;
using System.Text;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Cli;

/// <summary>
/// A synthetic run shaped like the long real ones, for benchmarks: Markdown thoughts, one to three tool calls per step,
/// multi-kilobyte outputs with ANSI colours, str_replace edits, failing test runs with signals, stages and a state tree.
/// Deterministic (fixed seed), so figures compare across machines and commits.
/// </summary>
internal static class GeneratedRun
{
    public static Run Create(int stepCount)
    {
        var random = new Random(4242);
        var steps = new List<Step>(stepCount);
        var stages = new List<Stage>();
        var nodes = new List<StateTreeNode>(stepCount);
        var lastChange = 0;
        for (var id = 1; id <= stepCount; id++)
        {
            var step = CreateStep(id, random);
            steps.Add(step);
            nodes.Add(new StateTreeNode { StepId = id, ParentStepId = lastChange, Effect = step.Effect, Label = step.ToolCalls[0].Command ?? "", Depth = 0 });
            if (step.Effect == StepEffect.Change) lastChange = id;
        }
        for (var first = 1; first <= stepCount; first += 15)
        {
            var kind = (StageKind)((stages.Count % 6) + 1);
            stages.Add(new Stage { Id = stages.Count + 1, Kind = kind, Title = $"{kind} pass {stages.Count + 1}", FirstStep = first, LastStep = Math.Min(stepCount, first + 14) });
        }
        return new Run
        {
            Id = "generated-" + stepCount.ToString(CultureInfo.InvariantCulture),
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsEvalJsonl,
            Model = "generated",
            Task = new TaskInfo { Id = "generated__bench-1", Title = "generated__bench-1", Text = "Make the failing tests in `tests/test_core.py` pass without changing the tests." },
            Outcome = new RunOutcome { Status = OutcomeStatus.Unresolved, Evidence = [new OutcomeEvidence { Detail = "generated" }] },
            Metrics = new RunMetrics { PromptTokens = stepCount * 9_000L, CompletionTokens = stepCount * 300L, CostUsd = stepCount * 0.01 },
            Source = new RunSource { Path = "generated" },
            Steps = steps,
            Stages = stages,
            StateTree = new StateTree { Nodes = nodes },
        };
    }

    private static Step CreateStep(int id, Random random)
    {
        var calls = new List<ToolCall>();
        var callCount = id % 11 == 0 ? 3 : id % 5 == 0 ? 2 : 1;
        var signals = new List<Signal>();
        var effect = StepEffect.Explore;
        for (var k = 0; k < callCount; k++)
        {
            var variant = (id + k) % 7;
            if (variant == 3)
            {
                effect = StepEffect.Change;
                var file = $"src/module_{id % 40}.py";
                calls.Add(new ToolCall
                {
                    Tool = "str_replace_editor",
                    Kind = StepKind.Edit,
                    Effect = StepEffect.Change,
                    Command = "str_replace " + file,
                    Arguments = $$"""{"command":"str_replace","path":"/repo/{{file}}","old_str":"    return compute(a, b)\n","new_str":"    if b is None:\n        return a\n    return compute(a, b)\n"}""",
                    Observation = $"The file /repo/{file} has been edited. Here's the result of running `cat -n` on a snippet:\n" + Lines(random, 12, "  {0,4}\t    value = transform(item_{1})"),
                    FilesTouched = ["/repo/" + file],
                });
            }
            else if (variant == 5)
            {
                var failed = random.Next(4) == 0;
                calls.Add(new ToolCall
                {
                    Tool = "execute_bash",
                    Kind = StepKind.Test,
                    Command = "python -m pytest tests/test_core.py -x -q",
                    Observation = Lines(random, 30, "tests/test_core.py::test_case_{1} \u001b[32mPASSED\u001b[0m [{0}%]")
                        + (failed ? "\n\u001b[31mFAILED\u001b[0m tests/test_core.py::test_edge - AssertionError: assert 3 == 4\n\u001b[31m1 failed\u001b[0m, 29 passed in 1.42s" : "\n\u001b[32m30 passed\u001b[0m in 1.37s"),
                    ExitCode = failed ? 1 : 0,
                    IsError = failed,
                });
                signals.Add(failed
                    ? new Signal { Kind = SignalKind.TestsFailed, Message = "1 failed, 29 passed", ToolCallIndex = k, Tests = new TestCounts { Failed = 1, Passed = 29 } }
                    : new Signal { Kind = SignalKind.TestsPassed, Message = "30 passed", ToolCallIndex = k });
            }
            else
            {
                calls.Add(new ToolCall
                {
                    Tool = "execute_bash",
                    Kind = variant % 2 == 0 ? StepKind.Search : StepKind.Read,
                    Command = variant % 2 == 0 ? $"grep -rn \"transform(item_{id % 97}\" src | head -40" : $"sed -n '{id % 300},{(id % 300) + 60}p' src/module_{id % 40}.py",
                    Observation = Lines(random, 20 + random.Next(60), "src/module_{1}.py:{0}:    value = transform(item_{1})  # \u001b[33mnote\u001b[0m"),
                    ExitCode = 0,
                });
            }
        }
        return new Step
        {
            Id = id,
            Thought = $"Step {id}: the failure points at **module_{id % 40}**. I will check `transform` and then:\n\n1. read the call sites\n2. adjust the guard for `None`\n3. re-run `pytest`\n\n" + new string('x', random.Next(50, 400)),
            ToolCalls = calls,
            Kind = calls[0].Kind,
            Effect = effect,
            Signals = signals,
            Tokens = new StepTokens { Prompt = 8_000 + (id * 10), Completion = 300 },
        };
    }

    private static string Lines(Random random, int count, string format)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= count; i++)
        {
            if (i > 1) text.Append('\n');
            text.AppendFormat(CultureInfo.InvariantCulture, format, i, random.Next(1000));
        }
        return text.ToString();
    }
}
