using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Import;
using CodeTracer.Core.Storage;
using CodeTracer.Core.Tree;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core;

public static class CodeTracerServiceCollectionExtensions
{
    /// <summary>Registers everything in Core: importers, outcome resolvers, tree indexing, storage and diagnosis.</summary>
    public static IServiceCollection AddCodeTracerCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddCodeTracerImport(configuration);
        services.AddCodeTracerTree(configuration);
        services.AddCodeTracerStorage(configuration);
        services.AddCodeTracerDiagnosis(configuration);
        return services;
    }
}
