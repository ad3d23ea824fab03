using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.Atif;

internal static class AtifRegistration
{
    public static IServiceCollection AddAtifImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, AtifImporter>());
        return services;
    }
}
