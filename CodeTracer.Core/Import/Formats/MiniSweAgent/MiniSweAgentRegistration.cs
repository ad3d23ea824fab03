using CodeTracer.Core.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.MiniSweAgent;

internal static class MiniSweAgentRegistration
{
    /// <summary>Registers the mini-SWE-agent <c>.traj.json</c> importer (<see cref="RunFormats.MiniSweAgentTraj"/>).</summary>
    public static IServiceCollection AddMiniSweAgentImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, MiniSweAgentTrajImporter>());
        return services;
    }
}
