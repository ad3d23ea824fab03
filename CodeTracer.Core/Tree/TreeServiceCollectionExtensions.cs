using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Tree;

public static class TreeServiceCollectionExtensions
{
    /// <summary>Registers tree indexing: step classification, signals, stage segmentation, state tree.</summary>
    public static IServiceCollection AddCodeTracerTree(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TreeOptions>().Bind(configuration.GetSection(TreeOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TreeOptions>, TreeOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ITraceIndexer, TraceIndexer>());
        return services;
    }
}
