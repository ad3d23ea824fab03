using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary><c>bench</c>: import speed and memory figures.</summary>
internal static class BenchVerb
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure import speed and memory on a corpus of runs");
        command.SetAction((parseResult, cancellationToken) => Task.FromResult(1));
        return command;
    }
}
