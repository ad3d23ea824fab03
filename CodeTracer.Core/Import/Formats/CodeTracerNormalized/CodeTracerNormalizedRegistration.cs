using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.CodeTracerNormalized;

internal static class CodeTracerNormalizedRegistration
{
    public static IServiceCollection AddCodeTracerNormalizedImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, CodeTracerNormalizedImporter>());
        return services;
    }
}
