using CodeTracer.Core;
using CodeTracer.Core.Import;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Tests.Shared;

/// <summary>Builds Core's real services, as the app registers them, over a throw-away database file.</summary>
public static class TestServices
{
    public static ServiceProvider Create(string? databasePath = null, IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:DatabasePath"] = databasePath ?? Path.Combine(Path.GetTempPath(), "codetracer-tests-" + Guid.NewGuid().ToString("N")[..12] + ".db"),
        };
        if (settings is not null)
        {
            foreach (var (key, value) in settings) values[key] = value;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddCodeTracerCore(configuration);
        return services.BuildServiceProvider();
    }

    /// <summary>The import pipeline with every importer, resolver and indexer registered.</summary>
    public static RunImportService ImportService(ServiceProvider? provider = null) =>
        (provider ?? Create()).GetRequiredService<RunImportService>();
}
