using CodeTracer.Core.Import;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Configuration;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Services;

/// <summary>
/// On first start (an empty database), imports the small demo runs shipped beside the app so the explorer has
/// something to show. Idempotent: a database holding any run is left alone; <c>Web:SeedDemoRuns=false</c> turns it off.
/// </summary>
/// <remarks>
/// A hosted service's StartAsync finishes before the server starts listening, so the first page already lists the
/// demo runs. Seeding problems are logged and never stop the app.
/// </remarks>
internal sealed partial class DemoRunSeeder : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly WebOptions _options;
    private readonly ILogger<DemoRunSeeder> _logger;

    public DemoRunSeeder(IServiceProvider services, IOptions<WebOptions> options, ILogger<DemoRunSeeder> logger)
    {
        _services = services;
        _options = options.Value;
        _logger = logger;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!_options.SeedDemoRuns) return;
        try
        {
            await SeedAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSeedFailed(ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Imports the demo runs when the store is empty; returns how many runs were saved.</summary>
    public async Task<int> SeedAsync(CancellationToken cancellationToken)
    {
        var store = _services.GetService<IRunStore>();
        if (store is null)
        {
            LogNoStore();
            return 0;
        }
        if (await store.CountRunsAsync(cancellationToken) > 0) return 0;

        var folder = DemoRunsFolder(_options);
        if (!Directory.Exists(folder))
        {
            LogNoFolder(folder);
            return 0;
        }

        var importer = _services.GetRequiredService<RunImportService>();
        var batch = await Task.Run(() => importer.Parse([folder], cancellationToken), cancellationToken);
        foreach (var error in batch.Errors) LogDemoRunError(error.ToString());
        if (batch.Runs.Count == 0) return 0;

        await store.SaveRunsAsync(batch.Runs, cancellationToken);
        LogSeeded(batch.Runs.Count, folder);
        return batch.Runs.Count;
    }

    public static string DemoRunsFolder(WebOptions options) =>
        Path.IsPathRooted(options.DemoRunsPath) ? options.DemoRunsPath : Path.Combine(AppContext.BaseDirectory, options.DemoRunsPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} demo run(s) from {Folder}; set Web:SeedDemoRuns=false to start empty")]
    private partial void LogSeeded(int count, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A demo run could not be imported: {Error}")]
    private partial void LogDemoRunError(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Demo runs folder {Folder} does not exist; nothing seeded")]
    private partial void LogNoFolder(string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No run store is registered; demo runs were not seeded")]
    private partial void LogNoStore();

    [LoggerMessage(Level = LogLevel.Error, Message = "Seeding the demo runs failed; the explorer starts without them")]
    private partial void LogSeedFailed(Exception exception);
}
