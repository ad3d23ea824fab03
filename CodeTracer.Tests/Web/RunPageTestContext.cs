using Blazor.Diagrams.Core.Geometry;
using Bunit;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace CodeTracer.Tests.Web;

/// <summary>
/// bUnit context for the run page and its controls: MudBlazor services, the in-memory run store, an interactive
/// renderer, the page script as a module mock and the Diagrams JS calls. xUnit 2 disposes synchronously, and MudBlazor
/// registers services that only dispose asynchronously, hence <see cref="IAsyncLifetime"/>.
/// </summary>
public abstract class RunPageTestContext : BunitContext, IAsyncLifetime
{
    public const string ModulePath = "./js/run-page.js";

    protected RunPageTestContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices(o => o.PopoverOptions.CheckForPopoverProvider = false);
        Services.AddSingleton<IRunStore>(Store);
        Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(PageOptions));
        // Diagnosis without an LLM unless a test sets Diagnosis:* in DiagnosisConfiguration before rendering.
        Services.AddCodeTracerDiagnosis(DiagnosisConfiguration);
        Services.AddScoped<DiagnosisRunner>();
        // For tests that render a page inside the main layout.
        Services.AddScoped<ThemeState>();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 800, 400));
        Module = JSInterop.SetupModule(ModulePath);
        Module.Mode = JSRuntimeMode.Loose;
        Module.Setup<int>("registerKeys", _ => true).SetResult(7);
        Module.Setup<bool>("copyText", _ => true).SetResult(true);
    }

    protected InMemoryRunStore Store { get; } = new();

    /// <summary>The configuration the diagnosis options bind to (read when first rendered), empty by default.</summary>
    protected IConfigurationRoot DiagnosisConfiguration { get; } = new ConfigurationBuilder().AddInMemoryCollection().Build();

    /// <summary>Options with no search delay, so a typed search applies at once.</summary>
    protected RunPageOptions PageOptions { get; } = new() { SearchDebounceMilliseconds = 0 };

    protected BunitJSModuleInterop Module { get; }

    protected NavigationManager Navigation => Services.GetRequiredService<NavigationManager>();

    protected Run Save(Run run)
    {
        Store.SaveRunsAsync([run], CancellationToken.None).GetAwaiter().GetResult();
        return run;
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
