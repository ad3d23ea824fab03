using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Outcomes;

internal static class OutcomeRegistration
{
    /// <summary>Registers the resolvers that join run-level evaluation files (results.json, report.json, run summaries) to runs.</summary>
    public static IServiceCollection AddBatchOutcomeResolvers(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutcomeResolver, BatchOutcomeResolver>());
        return services;
    }
}
