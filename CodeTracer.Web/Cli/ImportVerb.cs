using System.CommandLine;
using CodeTracer.Core.Import;
using CodeTracer.Core.Storage;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Cli;

/// <summary><c>import PATH...</c>: read runs and store them.</summary>
internal static class ImportVerb
{
    public static Command Create()
    {
        var paths = CodeTracerCli.PathsArgument("Trajectory files or folders (a folder may hold many runs)");
        var command = new Command("import", "Read runs and store them in the database (Storage:DatabasePath, default data/codetracer.db)") { paths };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            if (await TryBuildServicesAsync().ConfigureAwait(false) is not { } services) return 1;
            await using (services.ConfigureAwait(false))
            {
                return await RunAsync(services, parseResult.GetValue(paths)!, Console.Out, Console.Error, cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    /// <summary>The verbs' services, or null after printing each configuration error (a bad Storage:DatabasePath, a limit out of range).</summary>
    internal static async Task<ServiceProvider?> TryBuildServicesAsync()
    {
        try
        {
            return CliServices.Build();
        }
        catch (OptionsValidationException ex)
        {
            foreach (var failure in ex.Failures) await Console.Error.WriteLineAsync("error: " + failure).ConfigureAwait(false);
            return null;
        }
    }

    /// <summary>
    /// Parses every path, stores the runs that parsed (even when other paths failed), prints one line per stored run
    /// and a summary, and returns 0 when everything was read and stored, 1 when anything failed, 130 when cancelled.
    /// </summary>
    internal static async Task<int> RunAsync(IServiceProvider services, IReadOnlyList<string> paths, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var importer = services.GetRequiredService<RunImportService>();
        var store = services.GetRequiredService<IRunStore>();
        var databasePath = Path.GetFullPath(services.GetRequiredService<IOptions<StorageOptions>>().Value.DatabasePath);
        try
        {
            var batch = importer.Parse(paths, cancellationToken);
            foreach (var error in batch.Errors) await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);

            var saved = batch.Runs.Count > 0 ? await store.SaveRunsAsync(batch.Runs, cancellationToken).ConfigureAwait(false) : new SaveSummary();
            var notStored = saved.Errors.Select(e => e.RunId).ToHashSet(StringComparer.Ordinal);
            foreach (var run in batch.Runs.Where(r => !notStored.Contains(r.Id)))
            {
                await stdout.WriteLineAsync(InspectVerb.DescribeRun(run)).ConfigureAwait(false);
            }
            foreach (var error in saved.Errors) await stderr.WriteLineAsync("error: " + error).ConfigureAwait(false);

            var errors = batch.Errors.Count + saved.Errors.Count;
            await stdout.WriteLineAsync(
                $"{saved.Inserted + saved.Updated} run(s) stored ({saved.Inserted} new, {saved.Updated} updated), {saved.Steps} step(s), "
                + $"{errors} error(s); database {databasePath}").ConfigureAwait(false);
            return errors == 0 ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("import cancelled; runs of batches already written stay stored").ConfigureAwait(false);
            return 130;
        }
        catch (StorageException ex)
        {
            await stderr.WriteLineAsync("error: " + ex.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
