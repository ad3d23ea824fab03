using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeTracer.Core;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Components.Pages;
using CodeTracer.Web.Services;
using CodeTracer.Web.Utils;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using MudBlazor.Services;

namespace CodeTracer.Web.Cli;

/// <summary>
/// <c>bench run-page</c>: how fast the run page renders and how much memory an open page holds, on the largest real
/// runs of the corpus and on a generated 2,000-step run. The page is rendered on the server with
/// <see cref="HtmlRenderer"/> (what prerendering does), through the same store load, view-model build and markup as in
/// the browser; selecting a step is a navigation to <c>?step=N</c>, as a click makes it.
/// </summary>
internal static class BenchRunPageVerb
{
    private const double TargetRenderMs = 300;
    private const double TargetSelectMs = 100;
    private const double TargetMemoryMb = 50;

    /// <summary>The largest real runs, relative to the corpus root: a 3.6 MB Claude Code cast, a SWE-agent run with a 667 KB observation, a 238-event OpenHands V1 conversation.</summary>
    private static readonly (string Name, string RelativePath)[] s_realRuns =
    [
        ("claude-code crack-7z-hash.hard", "claude-code-cast/NJU-LINK_CodeTracer/claude_code_coder/crack-7z-hash.hard"),
        ("swe-agent jackson-databind-4304", "swe-agent/multi-swe-bench_experiments/evaluation/java/verified/20240825_SWE-agent_doubao-pro-128k/trajs/fasterxml__jackson-databind-4304.traj"),
        ("openhands v1 conversation 40c95fc3", "openhands/OpenHands_benchmarks/workspace/conversations/40c95fc35bde4128a8802e7a40419901"),
    ];

    internal static Command Create()
    {
        var corpus = new Option<string>("--corpus") { Description = "Folder of real agent runs", DefaultValueFactory = _ => Path.Combine("..", "shared", "traces") };
        var steps = new Option<int>("--steps") { Description = "Steps of the generated run", DefaultValueFactory = _ => 2000 };
        var iterations = new Option<int>("--iterations") { Description = "Warm renders per run (the median is reported)", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var command = new Command("run-page", "Measure the run page: first server render, selecting a step, memory held per open page") { corpus, steps, iterations, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var stepCount = parseResult.GetValue(steps);
            var rounds = parseResult.GetValue(iterations);
            if (stepCount is < 1 or > 100_000 || rounds is < 1 or > 100)
            {
                await Console.Error.WriteLineAsync("--steps must be 1..100000 and --iterations 1..100.");
                return 2;
            }
            try
            {
                return await RunAsync(parseResult.GetValue(corpus)!, stepCount, rounds, parseResult.GetValue(json), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return 130;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(string corpus, int stepCount, int iterations, bool asJson, CancellationToken cancellationToken)
    {
        var runs = new List<(string Name, Run Run)>();
        var problems = new List<string>();
        // A throw-away database, so the bench never writes into the user's own; removed at the end.
        var databasePath = Path.Combine(Path.GetTempPath(), $"codetracer-bench-{Guid.NewGuid():N}.db");
        var results = new List<Result>();
        string storeName;
        try
        {
            await using (var core = BuildCoreServices(databasePath))
            {
                var importer = core.GetRequiredService<RunImportService>();
                var root = Path.GetFullPath(corpus);
                foreach (var (name, relative) in s_realRuns)
                {
                    var path = Path.Combine(root, relative);
                    if (!Path.Exists(path))
                    {
                        problems.Add($"{name}: not found at {path} (use --corpus)");
                        continue;
                    }
                    var batch = importer.Parse([path], cancellationToken);
                    var run = batch.Runs.OrderByDescending(r => r.StepCount).FirstOrDefault();
                    if (run is null)
                    {
                        problems.Add($"{name}: not imported ({string.Join("; ", batch.Errors.Select(e => e.ToString()))})");
                        continue;
                    }
                    runs.Add((name, run));
                }
                runs.Add(($"generated {stepCount:N0} steps", GeneratedRun.Create(stepCount)));

                // The page loads through the registered store when there is one (a real database read), else from a snapshot.
                var database = core.GetService<IRunStore>();
                storeName = database is null ? "in-memory JSON snapshot (no IRunStore is registered)" : $"{database.GetType().Name} on a temporary file";
                foreach (var (name, run) in runs)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var snapshot = new SnapshotRunStore(run);
                    var runMb = snapshot.SnapshotBytes / 1024d / 1024d;
                    IRunStore store = snapshot;
                    if (database is not null)
                    {
                        await database.SaveRunsAsync([run], cancellationToken);
                        store = database;
                    }
                    results.Add(await MeasureAsync(name, run, store, runMb, iterations, cancellationToken));
                }
            }
        }
        finally
        {
            foreach (var file in Directory.EnumerateFiles(Path.GetTempPath(), Path.GetFileNameWithoutExtension(databasePath) + "*"))
            {
                try
                {
                    File.Delete(file);
                }
                catch (IOException)
                {
                    // Left in the temp folder; nothing depends on it.
                }
            }
        }

        if (asJson)
        {
            var payload = new { targets = new { renderMs = TargetRenderMs, selectMs = TargetSelectMs, memoryMb = TargetMemoryMb }, store = storeName, runs = results, problems };
            Console.WriteLine(JsonSerializer.Serialize(payload, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }));
        }
        else
        {
            Print(results, problems, storeName);
        }
        return 0;
    }

    private static async Task<Result> MeasureAsync(string name, Run run, IRunStore store, double runMb, int iterations, CancellationToken cancellationToken)
    {
        await using var services = BuildServices(store);
        var middleStep = run.Steps.Count > 0 ? run.Steps[run.Steps.Count / 2].Id : 1;
        var url = RunUrls.Run(run.Id);

        // Pieces of the render, timed alone (median of warm repeats): loading from storage and building the view models.
        var loadTimes = new List<double>();
        var viewModelTimes = new List<double>();
        for (var i = 0; i <= iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            var loaded = await store.GetRunAsync(run.Id, includeSteps: true, cancellationToken);
            var loadOnceMs = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            _ = Model.RunPageViewModel.Create(loaded!);
            if (i == 0) continue;
            loadTimes.Add(loadOnceMs);
            viewModelTimes.Add(clock.Elapsed.TotalMilliseconds);
        }
        var loadMs = Median(loadTimes);
        var viewModelMs = Median(viewModelTimes);

        var cold = await RenderOnceAsync(services, run.Id, url, middleStep, cancellationToken);
        var warm = new List<PageTiming>();
        for (var i = 0; i < iterations; i++) warm.Add(await RenderOnceAsync(services, run.Id, url, middleStep, cancellationToken));
        var memoryMb = await MeasureMemoryAsync(services, run.Id, url, cancellationToken);

        return new Result(
            name, run.Id, run.Format, run.StepCount, run.ToolCallCount, run.Stages.Count,
            Math.Round(runMb, 2),
            Math.Round(loadMs, 1), Math.Round(viewModelMs, 1),
            Math.Round(cold.RenderMs, 1), Math.Round(Median(warm.Select(t => t.RenderMs)), 1),
            Math.Round(cold.SelectMs, 1), Math.Round(Median(warm.Select(t => t.SelectMs)), 1),
            Math.Round(memoryMb, 1), cold.HtmlChars);
    }

    private static async Task<PageTiming> RenderOnceAsync(ServiceProvider services, string runId, string url, int step, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var navigation = (BenchNavigationManager)scope.ServiceProvider.GetRequiredService<NavigationManager>();
        navigation.Reset(url);
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<ILoggerFactory>());

        var clock = Stopwatch.StartNew();
        var (page, html) = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var root = await renderer.RenderComponentAsync<RunDetail>(ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(RunDetail.RunId)] = runId }));
            await root.QuiescenceTask;
            return (root, root.ToHtmlString());
        });
        var renderMs = clock.Elapsed.TotalMilliseconds;
        cancellationToken.ThrowIfCancellationRequested();
        if (!html.Contains("id=\"ct-tree\"", StringComparison.Ordinal)) throw new InvalidOperationException($"The page for run {runId} rendered without its tree.");

        // Selecting a step is a navigation: the page reads ?step=N, reveals the row and renders the step's detail.
        clock.Restart();
        var selected = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            navigation.NavigateTo(RunUrls.Run(runId, step));
            // Rendering an empty component flushes the render queue, so the page has processed the new URL after it.
            await renderer.RenderComponentAsync<Probe>();
            return page.ToHtmlString();
        });
        var selectMs = clock.Elapsed.TotalMilliseconds;
        var marker = string.Create(CultureInfo.InvariantCulture, $"id=\"ct-step-detail\" class=\"ct-step-detail\" data-step=\"{step}\"");
        if (!selected.Contains(marker, StringComparison.Ordinal)) throw new InvalidOperationException($"Selecting step {step} of run {runId} did not show its detail.");
        return new PageTiming(renderMs, selectMs, html.Length);
    }

    /// <summary>Managed memory held while one page is open: the loaded run, its view models and the rendered component tree.</summary>
    private static async Task<double> MeasureMemoryAsync(ServiceProvider services, string runId, string url, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var navigation = (BenchNavigationManager)scope.ServiceProvider.GetRequiredService<NavigationManager>();
        navigation.Reset(url);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<ILoggerFactory>());
        var root = await renderer.Dispatcher.InvokeAsync(async () =>
        {
            var page = await renderer.RenderComponentAsync<RunDetail>(ParameterView.FromDictionary(new Dictionary<string, object?> { [nameof(RunDetail.RunId)] = runId }));
            await page.QuiescenceTask;
            return page;
        });
        cancellationToken.ThrowIfCancellationRequested();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(root);
        return Math.Max(0, after - before) / 1024d / 1024d;
    }

    private static ServiceProvider BuildCoreServices(string databasePath)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DatabasePath"] = databasePath })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddCodeTracerCore(configuration);
        return services.BuildServiceProvider();
    }

    private static ServiceProvider BuildServices(IRunStore store)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddSingleton(store);
        services.AddSingleton(Options.Create(new RunPageOptions()));
        services.AddScoped<BenchNavigationManager>();
        services.AddScoped<NavigationManager>(sp => sp.GetRequiredService<BenchNavigationManager>());
        services.AddScoped<IJSRuntime, StaticRenderJSRuntime>();
        services.AddSupplyValueFromQueryProvider();
        // No layout here, so no popover provider: MudBlazor should not complain about it on every render.
        services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return 0;
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void Print(List<Result> results, List<string> problems, string storeName)
    {
        static string Mark(double value, double target) => value <= target ? "ok" : "OVER";
        Console.WriteLine($"Run page (targets: first render < {TargetRenderMs} ms, select a step < {TargetSelectMs} ms, memory per open page < {TargetMemoryMb} MB)");
        Console.WriteLine();
        Console.WriteLine($"{"run",-36} {"steps",6} {"calls",6} {"stages",6} {"run MB",7} {"load",7} {"vm",7} {"render",15} {"select",15} {"memory",11}");
        foreach (var r in results)
        {
            var render = $"{r.RenderColdMs,6:0} / {r.RenderWarmMs,4:0} {Mark(r.RenderWarmMs, TargetRenderMs)}";
            var select = $"{r.SelectColdMs,6:0} / {r.SelectWarmMs,4:0} {Mark(r.SelectWarmMs, TargetSelectMs)}";
            var memory = $"{r.MemoryMb,6:0.0} {Mark(r.MemoryMb, TargetMemoryMb)}";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Truncate(r.Name, 36),-36} {r.Steps,6} {r.ToolCalls,6} {r.Stages,6} {r.RunMb,7:0.00} {r.LoadMs,5:0} ms {r.ViewModelMs,4:0} ms {render,15} {select,15} {memory,11}"));
        }
        Console.WriteLine();
        Console.WriteLine("render and select: first (cold, includes JIT) / median of the warm repeats, in ms; the targets apply to the warm median.");
        Console.WriteLine("load: reading the run back from its stored form (part of render);");
        Console.WriteLine("vm: building the page's view models. Memory: managed heap held while one page is open (run, view models, components).");
        Console.WriteLine($"Runs are loaded from: {storeName}. run MB: the run as JSON.");
        foreach (var problem in problems) Console.WriteLine("note: " + problem);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    internal sealed record Result(
        string Name, string RunId, string Format, int Steps, int ToolCalls, int Stages, double RunMb,
        double LoadMs, double ViewModelMs, double RenderColdMs, double RenderWarmMs, double SelectColdMs, double SelectWarmMs,
        double MemoryMb, int HtmlChars);

    private sealed record PageTiming(double RenderMs, double SelectMs, int HtmlChars);

    /// <summary>Renders nothing; rendering it after a navigation waits until the page has processed the new URL.</summary>
    private sealed class Probe : ComponentBase;

    /// <summary>A navigation manager for rendering outside a web request: navigations change the URL and notify the page.</summary>
    private sealed class BenchNavigationManager : NavigationManager
    {
        private const string Root = "http://localhost/";

        public BenchNavigationManager() => Initialize(Root, Root);

        public void Reset(string relativeUrl) => Uri = ToAbsoluteUri(relativeUrl).ToString();

        protected override void NavigateToCore(string uri, NavigationOptions options)
        {
            Uri = ToAbsoluteUri(uri).ToString();
            NotifyLocationChanged(isInterceptedLink: false);
        }
    }

    /// <summary>Server rendering runs no JavaScript; a component that tries during the render is a bug the bench should show.</summary>
    private sealed class StaticRenderJSRuntime : IJSRuntime
    {
        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args) =>
            throw new InvalidOperationException($"JavaScript call '{identifier}' during server rendering.");

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args) =>
            throw new InvalidOperationException($"JavaScript call '{identifier}' during server rendering.");
    }

    /// <summary>
    /// Holds a run as JSON and hands out a fresh copy on every load, the way a database does, so the page's memory and
    /// load time include the run itself rather than sharing one object with the bench.
    /// </summary>
    private sealed class SnapshotRunStore : IRunStore
    {
        private readonly string _runId;
        private readonly byte[] _snapshot;

        public SnapshotRunStore(Run run)
        {
            _runId = run.Id;
            _snapshot = JsonSerializer.SerializeToUtf8Bytes(run);
        }

        public long SnapshotBytes => _snapshot.Length;

        public Task<Run?> GetRunAsync(string runId, bool includeSteps, CancellationToken cancellationToken) =>
            Task.FromResult(runId == _runId ? JsonSerializer.Deserialize<Run>(_snapshot) : null);

        public Task<IReadOnlyList<Step>> GetStepsAsync(string runId, int firstStepId, int count, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<Step>>(JsonSerializer.Deserialize<Run>(_snapshot)!.Steps.Where(s => s.Id >= firstStepId).Take(count).ToList());

        public Task<SaveSummary> SaveRunsAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PagedResult<RunSummary>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RunFacets> GetFacetsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> CountRunsAsync(CancellationToken cancellationToken) => Task.FromResult(1);

        public Task<bool> DeleteRunAsync(string runId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SaveDiagnosisAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<RunDiagnosis>> GetDiagnosesAsync(string runId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<RunDiagnosis>>([]);

        public Task<RunDiagnosis?> GetDiagnosisAsync(string diagnosisId, CancellationToken cancellationToken) => Task.FromResult<RunDiagnosis?>(null);
    }
}
