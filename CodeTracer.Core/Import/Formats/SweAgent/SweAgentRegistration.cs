using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.SweAgent;

internal static class SweAgentRegistration
{
    public static IServiceCollection AddSweAgentImporters(this IServiceCollection services)
    {
        return services;
    }
}
