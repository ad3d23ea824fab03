using CodeTracer.Web.Configuration;
using CodeTracer.Web.Services;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace CodeTracer.Web;

public static class WebServiceCollectionExtensions
{
    /// <summary>Registers the explorer: Razor components, MudBlazor, per-circuit UI state.</summary>
    public static IServiceCollection AddCodeTracerWeb(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();

        services.AddOptions<WebOptions>().Bind(configuration.GetSection(WebOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WebOptions>, WebOptionsValidator>());
        services.TryAddScoped<ThemeState>();
        services.TryAddSingleton<UploadImporter>();
        services.AddHostedService<DemoRunSeeder>();
        services.AddOptions<RunPageOptions>().Bind(configuration.GetSection(RunPageOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RunPageOptions>, RunPageOptionsValidator>());
        services.TryAddScoped<DiagnosisRunner>();
        return services;
    }
}
