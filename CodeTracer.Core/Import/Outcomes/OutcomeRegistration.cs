using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Outcomes;

internal static class OutcomeRegistration
{
    public static IServiceCollection AddBatchOutcomeResolvers(this IServiceCollection services)
    {
        return services;
    }
}
