using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

public static class DiagnosisServiceCollectionExtensions
{
    /// <summary>Registers the heuristic localizer and, when configured, the LLM diagnosis.</summary>
    public static IServiceCollection AddCodeTracerDiagnosis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DiagnosisOptions>().Bind(configuration.GetSection(DiagnosisOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DiagnosisOptions>, DiagnosisOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HeuristicLocalizer>();
        services.TryAddSingleton<IDiagnosisChatClientFactory, OpenAiDiagnosisChatClientFactory>();
        services.TryAddSingleton<LlmDiagnosisService>();
        services.TryAddSingleton<DiagnosisTokenCounter>();
        services.TryAddSingleton<DiagnosisTokenEstimator>();
        services.TryAddSingleton<DiagnosisRequestPreview>();
        return services;
    }
}
