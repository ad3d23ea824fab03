using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary><c>import PATH...</c>: read runs and store them.</summary>
internal static class ImportVerb
{
    public static Command Create()
    {
        var paths = CodeTracerCli.PathsArgument("Trajectory files or folders (a folder may hold many runs)");
        var command = new Command("import", "Read runs and store them in the database") { paths };
        command.SetAction((parseResult, cancellationToken) =>
        {
            Console.Error.WriteLine("import: storage is not wired yet");
            return Task.FromResult(1);
        });
        return command;
    }
}
