using CodeTracer.Core.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.SweAgent;

internal static class SweAgentRegistration
{
    /// <summary>Registers the SWE-agent <c>.traj</c> importer (<see cref="RunFormats.SweAgentTraj"/>).</summary>
    public static IServiceCollection AddSweAgentImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, SweAgentTrajImporter>());
        return services;
    }
}
