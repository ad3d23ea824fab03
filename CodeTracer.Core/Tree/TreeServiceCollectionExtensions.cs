using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Tree;

public static class TreeServiceCollectionExtensions
{
    /// <summary>Registers tree indexing: step classification, signals, stage segmentation, state tree.</summary>
    public static IServiceCollection AddCodeTracerTree(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services;
    }
}
