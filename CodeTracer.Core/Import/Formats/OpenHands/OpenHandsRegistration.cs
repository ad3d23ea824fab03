using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CodeTracer.Core.Import.Formats.OpenHands;

internal static class OpenHandsRegistration
{
    /// <summary>Registers the OpenHands importers: eval JSONL (every history shape), event-array exports, session and V1 conversation folders.</summary>
    public static IServiceCollection AddOpenHandsImporters(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, OpenHandsEvalJsonlImporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, OpenHandsEventArrayImporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, OpenHandsSessionDirImporter>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITrajectoryImporter, OpenHandsV1ConversationImporter>());
        return services;
    }
}
