using System.Text.Json;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using Microsoft.Extensions.Options;

namespace CodeTracer.Tests.Core.Storage;

/// <summary>Runs built in code for storage tests, and a store over a throw-away database file.</summary>
internal static class StoreTestRuns
{
    public static readonly DateTime T0 = new(2025, 3, 14, 9, 26, 53, 589, DateTimeKind.Utc);

    /// <summary>A store over a new database file in <paramref name="directory"/>, with a small inline limit so texts move out early.</summary>
    public static LiteDbRunStore Store(TempDirectory directory, Action<StorageOptions>? configure = null, string name = "runs.db")
    {
        var options = new StorageOptions { DatabasePath = directory.File(name), MaxInlineTextChars = 1024 };
        configure?.Invoke(options);
        return new LiteDbRunStore(Options.Create(options));
    }

    /// <summary>A plain run with <paramref name="steps"/> steps, each one thought, one command and one observation.</summary>
    public static Run Simple(string id, int steps, string framework = "swe-agent", string? model = "gpt-4o",
        OutcomeStatus outcome = OutcomeStatus.Unresolved, string task = "fix the parser", DateTime? importedAt = null)
    {
        var run = new Run
        {
            Id = id,
            Framework = framework,
            Format = RunFormats.SweAgentTraj,
            Model = model,
            Task = new TaskInfo { Id = task.Replace(' ', '-'), Title = task, Text = "Please " + task + " in the repository." },
            Outcome = new RunOutcome { Status = outcome },
            Source = new RunSource { Path = "/runs/" + id + ".traj" },
            ImportedAtUtc = importedAt ?? T0,
        };
        for (var i = 1; i <= steps; i++)
        {
            run.Steps.Add(new Step
            {
                Id = i,
                Thought = $"Step {i}: look at the code",
                ToolCalls = [new ToolCall { Tool = "bash", Command = $"cat file{i}.py", Observation = $"contents of file{i}", ExitCode = 0 }],
            });
        }
        return run;
    }

    /// <summary>A run with every member of the model set to something other than its default.</summary>
    public static Run Full(string id)
    {
        var run = new Run
        {
            Id = id,
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsEvalJsonl,
            FormatVersion = "1.1",
            Model = "claude-3-5-sonnet",
            Task = new TaskInfo { Id = "django__django-13265", Title = "django__django-13265", Text = "  Indented task\nwith trailing spaces   \n" },
            Outcome = new RunOutcome
            {
                Status = OutcomeStatus.Resolved,
                Evidence = [new OutcomeEvidence { File = "/runs/report.json", Detail = "resolved: true" }, new OutcomeEvidence { Detail = "is_resolved: true" }],
                Reward = 0.75,
                FailureMode = "agent_timeout",
                TestResults = new Dictionary<string, string>
                {
                    ["tests/test_a.py::TestX::test_y[a.b]"] = "passed",
                    ["$weird key"] = "failed",
                    [""] = "empty name",
                },
            },
            ExitStatus = "submitted (exit_cost)",
            Metrics = new RunMetrics
            {
                PromptTokens = 123_456_789_012,
                CompletionTokens = 9_876,
                CachedTokens = 42,
                CostUsd = 1.2345,
                DurationSeconds = 98.5,
                ApiCalls = 17,
                StartedAtUtc = T0,
                EndedAtUtc = T0.AddMinutes(3),
            },
            Source = new RunSource
            {
                Path = "/runs/output.jsonl",
                UnitKey = "line 3",
                Files = [new SourceFile { Path = "/runs/output.jsonl", Sha256 = new string('a', 64), Length = 690_202 }],
            },
            Warnings = [new ImportWarning { Code = "observation-truncated", Message = "cut", File = "/runs/output.jsonl", Location = "line 3" }],
            ShippedStages = [new Stage { Id = 1, Kind = StageKind.Explore, Title = "shipped", FirstStep = 1, LastStep = 9, FromSource = true }],
            Stages =
            [
                new Stage { Id = 1, Kind = StageKind.Explore, Title = "Look around", FirstStep = 1, LastStep = 1 },
                new Stage { Id = 2, Kind = StageKind.Edit, Title = "Edit parser.py", FirstStep = 2, LastStep = 2 },
            ],
            StateTree = new StateTree
            {
                Nodes =
                [
                    new StateTreeNode { StepId = 1, ParentStepId = 0, Effect = StepEffect.Explore, Label = "ls", Depth = 1 },
                    new StateTreeNode { StepId = 2, ParentStepId = 1, Effect = StepEffect.Change, Label = "edit", Depth = 2 },
                ],
            },
            ImportedAtUtc = T0,
            Steps =
            [
                new Step
                {
                    Id = 1,
                    Thought = "",
                    Reasoning = "hidden reasoning",
                    ToolCalls =
                    [
                        new ToolCall
                        {
                            CallId = "toolu_01",
                            Tool = "execute_bash",
                            Arguments = """{"command":"ls -la"}""",
                            Command = "ls -la",
                            Observation = "\u001b[31mtotal 0\u001b[0m\n  ",
                            ExitCode = 2,
                            IsError = true,
                            DurationSeconds = 0.25,
                            Kind = StepKind.Read,
                            Effect = StepEffect.Explore,
                            FilesTouched = ["."],
                        },
                        new ToolCall { Tool = "think" },
                    ],
                    StartedAtUtc = T0,
                    EndedAtUtc = T0.AddSeconds(2),
                    Tokens = new StepTokens { Prompt = 1000, Completion = 50, CostUsd = 0.01 },
                    Provenance = new Provenance { File = "/runs/output.jsonl", LineStart = 3, LineEnd = 3, JsonPointer = "/history/4" },
                    IsMarker = false,
                    Kind = StepKind.Read,
                    Effect = StepEffect.Explore,
                    Signals =
                    [
                        new Signal
                        {
                            Kind = SignalKind.TestsFailed,
                            Message = "3 failed",
                            ToolCallIndex = 0,
                            EvidenceLine = "FAILED test_x",
                            EvidenceLineNumber = 7,
                            Tests = new TestCounts { Passed = 1, Failed = 3, Errors = 2, Skipped = 4 },
                            RelatedStep = 1,
                        },
                    ],
                },
                new Step
                {
                    Id = 2,
                    Thought = "Edit the parser",
                    IsMarker = true,
                    Kind = StepKind.Edit,
                    Effect = StepEffect.Change,
                    ToolCalls = [new ToolCall { Tool = "str_replace_editor", Command = "str_replace parser.py", Kind = StepKind.Edit, Effect = StepEffect.Change, FilesTouched = ["parser.py"] }],
                },
            ],
        };
        return run;
    }

    /// <summary>A deep, member-by-member rendering for equality checks (every public member, nulls included).</summary>
    public static string Json<T>(T value) => JsonSerializer.Serialize(value, s_json);

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, IncludeFields = false };
}
