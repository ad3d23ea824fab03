using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.MiniSweAgent;

internal static class MiniSweAgentRegistration
{
    public static IServiceCollection AddMiniSweAgentImporters(this IServiceCollection services)
    {
        return services;
    }
}
