using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.Terminus2;

internal static class Terminus2Registration
{
    public static IServiceCollection AddTerminus2Importers(this IServiceCollection services)
    {
        return services;
    }
}
