using CodeTracer.Core.Model;
using CodeTracer.Core.Tree;

namespace CodeTracer.Tests.Core.Tree;

/// <summary>Hand-built runs for tree-indexing tests: one call per step unless said otherwise.</summary>
internal static class TreeFixtures
{
    public static TreeOptions Options => new();

    public static ToolCall Bash(string command, string? observation = null, int? exitCode = 0) =>
        new() { Tool = "bash", Command = command, Observation = observation, ExitCode = exitCode };

    public static ToolCall Tool(string tool, string? arguments = null, string? command = null, string? observation = null, bool isError = false) =>
        new() { Tool = tool, Arguments = arguments, Command = command, Observation = observation, IsError = isError };

    public static Run RunOf(string framework, params ToolCall[] calls)
    {
        var run = new Run { Id = "test", Framework = framework, Format = "test" };
        var id = 1;
        foreach (var call in calls) run.Steps.Add(new Step { Id = id++, ToolCalls = [call] });
        return run;
    }

    public static Run Shell(params string[] commands) => RunOf(Frameworks.MiniSweAgent, commands.Select(c => Bash(c)).ToArray());

    /// <summary>Classifies one bash command and returns its call.</summary>
    public static ToolCall Classify(string command, string framework = Frameworks.MiniSweAgent)
    {
        var run = RunOf(framework, Bash(command));
        new StepClassifier(Options).Classify(run);
        return run.Steps[0].ToolCalls[0];
    }

    public static Run Index(Run run)
    {
        new TraceIndexer(Options).Index(run);
        return run;
    }
}
