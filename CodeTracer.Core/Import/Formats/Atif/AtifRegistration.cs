using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.Atif;

internal static class AtifRegistration
{
    public static IServiceCollection AddAtifImporters(this IServiceCollection services)
    {
        return services;
    }
}
