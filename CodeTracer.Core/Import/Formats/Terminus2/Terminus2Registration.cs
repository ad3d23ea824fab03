using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.Terminus2;

internal static class Terminus2Registration
{
    public static IServiceCollection AddTerminus2Importers(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, Terminus2Importer>());
        return services;
    }
}
