using System.CommandLine;
using CodeTracer.Core.Export;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;

namespace CodeTracer.Web.Cli;

/// <summary><c>inspect PATH... [--json]</c>: parse without storing and print the normalized runs.</summary>
internal static class InspectVerb
{
    public static Command Create()
    {
        var paths = CodeTracerCli.PathsArgument("Trajectory files or folders (a folder may hold many runs)");
        var json = new Option<bool>("--json") { Description = "Print the runs as JSON" };
        var command = new Command("inspect", "Parse runs without storing them and print what was read") { paths, json };
        command.SetAction((parseResult, cancellationToken) =>
        {
            using var services = CliServices.Build();
            var importer = services.GetRequiredService<RunImportService>();
            ImportBatch batch;
            try
            {
                batch = importer.Parse(parseResult.GetValue(paths)!, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return Task.FromResult(130);
            }

            if (parseResult.GetValue(json))
            {
                using var stdout = Console.OpenStandardOutput();
                InspectJson.Write(stdout, batch.Runs, batch.Errors);
                stdout.WriteByte((byte)'\n');
            }
            else
            {
                foreach (var run in batch.Runs) Console.WriteLine(DescribeRun(run));
                Console.WriteLine($"{batch.Runs.Count} run(s), {batch.Runs.Sum(r => r.StepCount)} step(s), {batch.Errors.Count} error(s)");
            }
            foreach (var error in batch.Errors) Console.Error.WriteLine("error: " + error);
            return Task.FromResult(batch.Errors.Count == 0 ? 0 : 1);
        });
        return command;
    }

    /// <summary>One line per run: id, format, steps, outcome, task.</summary>
    public static string DescribeRun(Run run) =>
        $"{run.Id}  {run.Format,-30} {run.StepCount,5} steps  {InspectJson.OutcomeName(run.Outcome.Status),-10}  {run.Task.Title}"
        + (run.Warnings.Count > 0 ? $"  ({run.Warnings.Count} warning(s))" : "");
}
