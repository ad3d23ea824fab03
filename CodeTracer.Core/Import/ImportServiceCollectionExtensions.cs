using CodeTracer.Core.Import.Formats.Atif;
using CodeTracer.Core.Import.Formats.ClaudeCode;
using CodeTracer.Core.Import.Formats.CodeTracerNormalized;
using CodeTracer.Core.Import.Formats.MiniSweAgent;
using CodeTracer.Core.Import.Formats.OpenHands;
using CodeTracer.Core.Import.Formats.SweAgent;
using CodeTracer.Core.Import.Formats.Terminus2;
using CodeTracer.Core.Import.Outcomes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import;

public static class ImportServiceCollectionExtensions
{
    public static IServiceCollection AddCodeTracerImport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImportOptions>().Bind(configuration.GetSection(ImportOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ImportOptions>, ImportOptionsValidator>());

        services.AddSweAgentImporters();
        services.AddMiniSweAgentImporters();
        services.AddOpenHandsImporters();
        services.AddTerminus2Importers();
        services.AddClaudeCodeImporters();
        services.AddAtifImporters();
        services.AddCodeTracerNormalizedImporters();
        services.AddBatchOutcomeResolvers();

        services.TryAddSingleton<RunImportService>();
        return services;
    }
}
