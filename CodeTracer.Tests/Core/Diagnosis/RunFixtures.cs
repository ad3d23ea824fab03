using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CodeTracer.Tests.Core.Diagnosis;

/// <summary>
/// Builds runs by hand with kinds, effects, signals and stages set the way tree indexing sets them, so diagnosis
/// can be tested with a planted failure whose answer is known.
/// </summary>
internal sealed class RunBuilder
{
    private readonly Run _run;

    public RunBuilder(string id = "run-1")
    {
        _run = new Run
        {
            Id = id,
            Framework = "swe-agent",
            Format = RunFormats.SweAgentTraj,
            Model = "test-model",
            Task = new TaskInfo { Id = "demo__demo-1", Title = "Fix the parser", Text = "The parser in src/parser.py drops the last token. Fix it." },
            Source = new RunSource { Path = "/data/runs/" + id + ".traj" },
        };
    }

    public RunBuilder Step(StepKind kind, StepEffect effect, string command, string? observation = null, int? exitCode = 0,
        IEnumerable<string>? files = null, string? thought = null, params Signal[] signals)
    {
        var step = new Step
        {
            Id = _run.Steps.Count + 1,
            Thought = thought ?? $"Thinking about step {_run.Steps.Count + 1}.",
            Kind = kind,
            Effect = effect,
            Signals = [.. signals],
        };
        step.ToolCalls.Add(new ToolCall
        {
            Tool = "bash",
            Command = command,
            Observation = observation ?? "",
            ExitCode = exitCode,
            Kind = kind,
            Effect = effect,
            FilesTouched = files?.ToList() ?? [],
        });
        _run.Steps.Add(step);
        return this;
    }

    public RunBuilder Read(string file, string? observation = null, params Signal[] signals) =>
        Step(StepKind.Read, StepEffect.Explore, "cat " + file, observation ?? "contents of " + file, 0, [file], signals: signals);

    public RunBuilder Search(string pattern, params Signal[] signals) =>
        Step(StepKind.Search, StepEffect.Explore, $"grep -rn '{pattern}' src/", "src/parser.py:10: " + pattern, 0, signals: signals);

    public RunBuilder Edit(string file, params Signal[] signals) =>
        Step(StepKind.Edit, StepEffect.Change, $"str_replace_editor str_replace {file}", "The file has been edited.", 0, [file], signals: signals);

    public RunBuilder Create(string file, params Signal[] signals) =>
        Step(StepKind.Create, StepEffect.Change, $"str_replace_editor create {file}", "File created.", 0, [file], signals: signals);

    public RunBuilder Run(string command, string observation = "", int exitCode = 0, params Signal[] signals) =>
        Step(StepKind.Run, StepEffect.Change, command, observation, exitCode, signals: signals);

    public RunBuilder Install(string command, string observation = "", int exitCode = 0, params Signal[] signals) =>
        Step(StepKind.Install, StepEffect.Change, command, observation, exitCode, signals: signals);

    public RunBuilder Git(string command, IEnumerable<string>? files = null, params Signal[] signals) =>
        Step(StepKind.Git, StepEffect.Change, command, "", 0, files, signals: signals);

    public RunBuilder TestFail(int failed, int passed, string evidence) =>
        Step(StepKind.Test, StepEffect.Explore, "python -m pytest tests/", $"collected {failed + passed} items\n{evidence}\n{failed} failed, {passed} passed", 1,
            signals: new Signal { Kind = SignalKind.TestsFailed, Message = $"{failed} failed, {passed} passed", EvidenceLine = evidence, Tests = new TestCounts { Failed = failed, Passed = passed } });

    public RunBuilder TestPass(int passed) =>
        Step(StepKind.Test, StepEffect.Explore, "python -m pytest tests/", $"{passed} passed", 0,
            signals: new Signal { Kind = SignalKind.TestsPassed, Message = $"{passed} passed", Tests = new TestCounts { Passed = passed } });

    public RunBuilder Submit() => Step(StepKind.Submit, StepEffect.Explore, "submit", "Submitted.", 0);

    public RunBuilder Observation(string text)
    {
        _run.Steps[^1].ToolCalls[0].Observation = text;
        return this;
    }

    public RunBuilder Stage(int first, int last, StageKind kind, string title)
    {
        _run.Stages.Add(new Stage { Id = _run.Stages.Count + 1, FirstStep = first, LastStep = last, Kind = kind, Title = title });
        return this;
    }

    public RunBuilder Outcome(OutcomeStatus status, string evidence = "", string? failureMode = null, string? exitStatus = null)
    {
        _run.Outcome.Status = status;
        if (evidence.Length > 0) _run.Outcome.Evidence.Add(new OutcomeEvidence { File = "/data/results.json", Detail = evidence });
        _run.Outcome.FailureMode = failureMode;
        _run.ExitStatus = exitStatus;
        return this;
    }

    public Run Build() => _run;

    public static Signal Repeat(int of) => new() { Kind = SignalKind.RepeatedAction, Message = $"same command as step {of}", RelatedStep = of };

    public static Signal ErrorExit(int code) => new() { Kind = SignalKind.ErrorExit, Message = $"exit code {code}" };

    public static Signal ErrorText(string line) => new() { Kind = SignalKind.ErrorText, Message = "error in output", EvidenceLine = line };

    public static Signal Reverted(int by) => new() { Kind = SignalKind.EditReverted, Message = $"undone by step {by}", RelatedStep = by };

    public static Signal Timeout() => new() { Kind = SignalKind.Timeout, Message = "command ran until the 120 s timeout" };
}

internal static class Fixtures
{
    public static HeuristicLocalizer Localizer(DiagnosisOptions? options = null) =>
        new(Options.Create(options ?? new DiagnosisOptions()));

    /// <summary>
    /// The planted failure: steps 1-4 explore, step 5 edits the wrong file (src/lexer.py while the failing test is
    /// about the parser), steps 6-8 look around, step 9 runs the tests that fail, step 10 submits; the run is unresolved.
    /// </summary>
    public static Run PlantedOnset() => new RunBuilder("planted")
        .Read("README.md")
        .Search("def parse")
        .Read("src/parser.py")
        .Search("def parse", RunBuilder.Repeat(2))
        .Edit("src/lexer.py")
        .Read("src/lexer.py")
        .Read("docs/index.md")
        .Read("README.md", null, RunBuilder.Repeat(1))
        .TestFail(3, 10, "FAILED tests/test_parser.py::test_last_token - AssertionError")
        .Submit()
        .Stage(1, 4, StageKind.Explore, "Explore the parser")
        .Stage(5, 8, StageKind.Edit, "Edit src/lexer.py")
        .Stage(9, 10, StageKind.Verify, "Run tests: 3 failed")
        .Outcome(OutcomeStatus.Unresolved, "reward.txt = 0")
        .Build();

    /// <summary>A clean resolved run: explore, edit the right file, tests pass, submit.</summary>
    public static Run CleanResolved() => new RunBuilder("clean")
        .Read("src/parser.py")
        .Edit("src/parser.py")
        .TestPass(12)
        .Submit()
        .Stage(1, 1, StageKind.Explore, "Read the parser")
        .Stage(2, 2, StageKind.Edit, "Edit src/parser.py")
        .Stage(3, 4, StageKind.Verify, "Run tests: 12 passed")
        .Outcome(OutcomeStatus.Resolved, "resolved: true")
        .Build();

    /// <summary>Resolved after a detour: step 2 breaks the parser, tests fail at 3, step 4 reverts, step 5 fixes, tests pass at 6.</summary>
    public static Run RecoveredResolved() => new RunBuilder("recovered")
        .Read("src/parser.py")
        .Edit("src/parser.py", RunBuilder.Reverted(4))
        .TestFail(2, 10, "FAILED tests/test_parser.py::test_tokens - IndexError")
        .Git("git checkout -- src/parser.py", ["src/parser.py"])
        .Edit("src/parser.py")
        .TestPass(12)
        .Submit()
        .Stage(1, 1, StageKind.Explore, "Read")
        .Stage(2, 3, StageKind.Edit, "First attempt")
        .Stage(4, 7, StageKind.Edit, "Second attempt")
        .Outcome(OutcomeStatus.Resolved, "resolved: true")
        .Build();
}

/// <summary>Collects every log line written through it, so tests can assert what was (not) logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate) return [.. _lines];
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        lock (_gate) _lines.Add(line);
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // Structured values too: a key could hide in a property that the message template does not print.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner.Add($"{logLevel} {category}: {formatter(state, exception)} {values} {exception}");
        }
    }
}
