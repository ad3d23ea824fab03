using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Configuration;
using CodeTracer.Web.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Tests.Web;

public sealed class DemoRunSeederTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public async Task Seed_EmptyStore_ImportsTheDemoFolder()
    {
        _temp.Write("demo/a.fake.json", """{"task":"demo-a","steps":3}""");
        _temp.Write("demo/b.fake.json", """{"task":"demo-b","steps":1}""");
        var store = new InMemoryRunStore();
        var seeder = Seeder(store, new WebOptions { DemoRunsPath = _temp.File("demo") });

        Assert.Equal(2, await seeder.SeedAsync(CancellationToken.None));
        Assert.Equal(2, await store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Seed_StoreHoldsRuns_LeavesItAlone()
    {
        _temp.Write("demo/a.fake.json", """{"task":"demo-a","steps":3}""");
        var store = new InMemoryRunStore();
        await store.SaveRunsAsync([new Run { Id = "mine", Task = new TaskInfo { Title = "mine" } }], CancellationToken.None);
        var seeder = Seeder(store, new WebOptions { DemoRunsPath = _temp.File("demo") });

        Assert.Equal(0, await seeder.SeedAsync(CancellationToken.None));
        Assert.Equal(1, await store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Start_SeedingTurnedOff_ImportsNothing()
    {
        _temp.Write("demo/a.fake.json", """{"task":"demo-a","steps":3}""");
        var store = new InMemoryRunStore();
        var seeder = Seeder(store, new WebOptions { DemoRunsPath = _temp.File("demo"), SeedDemoRuns = false });

        await seeder.StartAsync(CancellationToken.None);

        Assert.Equal(0, await store.CountRunsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Start_MissingFolder_StartsAnyway()
    {
        var store = new InMemoryRunStore();
        var seeder = Seeder(store, new WebOptions { DemoRunsPath = _temp.File("nowhere") });

        await seeder.StartAsync(CancellationToken.None);

        Assert.Equal(0, await store.CountRunsAsync(CancellationToken.None));
    }

    /// <summary>The shipped demo runs, read by the real importers: five runs, none failing, both verdicts present.</summary>
    [Fact]
    public void DemoRuns_ReadByTheRealImporters_AllImportWithTheirVerdicts()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "DemoRuns");
        var batch = TestServices.ImportService().Parse([folder], CancellationToken.None);

        Assert.True(batch.Errors.Count == 0, string.Join('\n', batch.Errors));
        Assert.Equal(5, batch.Runs.Count);
        var byTask = batch.Runs.ToDictionary(r => r.Task.Id ?? r.Task.Title);
        Assert.Equal(OutcomeStatus.Unresolved, byTask["acme__sizefmt-214"].Outcome.Status);
        Assert.Equal(OutcomeStatus.Resolved, byTask["acme__csvslice-88"].Outcome.Status);
        Assert.Equal(OutcomeStatus.Resolved, byTask["log-summary"].Outcome.Status);
        Assert.Equal(OutcomeStatus.Unresolved, byTask["build-sqlite-fts"].Outcome.Status);
        Assert.Equal(OutcomeStatus.Unresolved, byTask["acme__dateparse-77"].Outcome.Status);
        Assert.All(batch.Runs, r => Assert.InRange(r.StepCount, 8, 30));
    }

    [Fact]
    public void WebOptions_Defaults_AreValid()
    {
        var result = new ServiceCollection()
            .AddCodeTracerWebOptionsForTest(new Dictionary<string, string?>())
            .GetRequiredService<IOptions<WebOptions>>().Value;
        Assert.Equal(200L * 1024 * 1024, result.MaxUploadBytes);
        Assert.True(result.SeedDemoRuns);
    }

    [Fact]
    public void WebOptions_BadLimit_FailsValidation()
    {
        var provider = new ServiceCollection().AddCodeTracerWebOptionsForTest(new Dictionary<string, string?> { ["Web:MaxUploadBytes"] = "0" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<WebOptions>>().Value);
        Assert.Contains("Web:MaxUploadBytes", error.Message);
    }

    private static DemoRunSeeder Seeder(IRunStore store, WebOptions options)
    {
        var services = new ServiceCollection();
        services.AddSingleton(store);
        services.AddSingleton(new RunImportService([new FakeJsonImporter()], [], [], Options.Create(new ImportOptions())));
        return new DemoRunSeeder(services.BuildServiceProvider(), Options.Create(options), NullLogger<DemoRunSeeder>.Instance);
    }

    public void Dispose() => _temp.Dispose();
}

internal static class WebOptionsTestExtensions
{
    public static ServiceProvider AddCodeTracerWebOptionsForTest(this IServiceCollection services, Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        services.AddLogging();
        CodeTracer.Web.WebServiceCollectionExtensions.AddCodeTracerWeb(services, configuration);
        return services.BuildServiceProvider();
    }
}
