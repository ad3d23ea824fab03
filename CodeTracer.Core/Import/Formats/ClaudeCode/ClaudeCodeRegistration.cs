using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

internal static class ClaudeCodeRegistration
{
    public static IServiceCollection AddClaudeCodeImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, ClaudeCodeImporter>());
        return services;
    }
}
