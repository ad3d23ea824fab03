using System.Text.Json;
using Bunit;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Configuration;
using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace CodeTracer.Tests.Web;

/// <summary>
/// bUnit context for the explorer's pages: MudBlazor services with loose JS interop (Mud's popovers call JS), an
/// in-memory run store, the page options, and an import pipeline with the importers a test gives it.
/// Disposed asynchronously because MudBlazor registers IAsyncDisposable-only services (STACK P10).
/// </summary>
public abstract class WebTestContext : BunitContext, IAsyncLifetime
{
    protected WebTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddSingleton<IRunStore>(_ => RunStore);
        Services.AddSingleton(_ => Options.Create(WebOptions));
        Services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
        Services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        Services.AddSingleton(_ => new RunImportService(Importers, [], [], Options.Create(new ImportOptions())));
        Services.AddSingleton<UploadImporter>();
        Services.AddScoped<ThemeState>();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected InMemoryRunStore Store { get; } = new();

    /// <summary>The store the pages see; a test may wrap <see cref="Store"/> to watch the calls.</summary>
    protected IRunStore RunStore { get; set; } = null!;

    protected WebOptions WebOptions { get; } = new();

    protected List<ITrajectoryImporter> Importers { get; } = [];

    Task IAsyncLifetime.InitializeAsync()
    {
        RunStore ??= Store;
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    protected static Run MakeRun(string id, string task, string framework = "swe-agent", OutcomeStatus outcome = OutcomeStatus.Unresolved, int steps = 3, string? model = "gpt-4o")
    {
        var run = new Run
        {
            Id = id,
            Framework = framework,
            Format = framework + "-format",
            Model = model,
            Task = new TaskInfo { Id = task, Title = task, Text = "Fix " + task },
            Outcome = new RunOutcome { Status = outcome },
            ImportedAtUtc = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc),
        };
        for (var i = 1; i <= steps; i++)
        {
            run.Steps.Add(new Step { Id = i, Thought = $"step {i} of {task}", ToolCalls = [new ToolCall { Tool = "bash", Command = "ls", Observation = "ok" }] });
        }
        return run;
    }
}

/// <summary>An <see cref="IRunStore"/> that records the queries the runs page sends, then answers from an in-memory store.</summary>
public sealed class RecordingRunStore(IRunStore inner) : IRunStore
{
    public List<RunQuery> Queries { get; } = [];

    /// <summary>When set, queries wait for it before answering (to see the page while its first load is pending).</summary>
    public TaskCompletionSource? Hold { get; set; }

    public async Task<PagedResult<RunSummary>> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken)
    {
        lock (Queries) Queries.Add(query);
        if (Hold is { } hold) await hold.Task.WaitAsync(cancellationToken);
        return await inner.QueryRunsAsync(query, cancellationToken);
    }

    public Task<SaveSummary> SaveRunsAsync(IReadOnlyList<Run> runs, CancellationToken cancellationToken) => inner.SaveRunsAsync(runs, cancellationToken);
    public Task<Run?> GetRunAsync(string runId, bool includeSteps, CancellationToken cancellationToken) => inner.GetRunAsync(runId, includeSteps, cancellationToken);
    public Task<IReadOnlyList<Step>> GetStepsAsync(string runId, int firstStepId, int count, CancellationToken cancellationToken) => inner.GetStepsAsync(runId, firstStepId, count, cancellationToken);
    public Task<RunFacets> GetFacetsAsync(CancellationToken cancellationToken) => inner.GetFacetsAsync(cancellationToken);
    public Task<int> CountRunsAsync(CancellationToken cancellationToken) => inner.CountRunsAsync(cancellationToken);
    public Task<bool> DeleteRunAsync(string runId, CancellationToken cancellationToken) => inner.DeleteRunAsync(runId, cancellationToken);
    public Task SaveDiagnosisAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken) => inner.SaveDiagnosisAsync(diagnosis, cancellationToken);
    public Task<IReadOnlyList<RunDiagnosis>> GetDiagnosesAsync(string runId, CancellationToken cancellationToken) => inner.GetDiagnosesAsync(runId, cancellationToken);
    public Task<RunDiagnosis?> GetDiagnosisAsync(string diagnosisId, CancellationToken cancellationToken) => inner.GetDiagnosisAsync(diagnosisId, cancellationToken);
}

/// <summary>
/// A hand-written importer for page tests: reads <c>*.fake.json</c> files of the form
/// <c>{"task": "...", "steps": 3, "outcome": "resolved"}</c>, so upload tests do not depend on any real format.
/// </summary>
public sealed class FakeJsonImporter : ITrajectoryImporter
{
    public string Name => "fake";

    public int Priority => 0;

    public string Describes => "*.fake.json";

    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    public bool CanRead(FileSniff sniff) => sniff.FileName.EndsWith(".fake.json", StringComparison.Ordinal);

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(unit.Path));
        var root = doc.RootElement;
        var run = new Run
        {
            Framework = "fake",
            Format = "fake-json",
            Task = new TaskInfo { Id = root.GetProperty("task").GetString() },
            Outcome = new RunOutcome
            {
                Status = root.TryGetProperty("outcome", out var o) && o.GetString() == "resolved" ? OutcomeStatus.Resolved : OutcomeStatus.Unknown,
            },
        };
        for (var i = 0; i < root.GetProperty("steps").GetInt32(); i++) run.Steps.Add(new Step { Thought = "step" });
        run.Steps.ForEach(s => s.Provenance = new Provenance { File = unit.Path, LineStart = 1 });
        yield return RunReadResult.Ok(run);
    }
}
