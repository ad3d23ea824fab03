using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the LiteDB run store (one per process: it holds the runs list's in-memory catalog).</summary>
    public static IServiceCollection AddCodeTracerStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton<LiteDbRunStore>();
        services.TryAddSingleton<IRunStore>(provider => provider.GetRequiredService<LiteDbRunStore>());
        return services;
    }
}
