using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.CodeTracerNormalized;

internal static class CodeTracerNormalizedRegistration
{
    public static IServiceCollection AddCodeTracerNormalizedImporters(this IServiceCollection services)
    {
        return services;
    }
}
