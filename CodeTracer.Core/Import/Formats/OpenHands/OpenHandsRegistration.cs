using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.OpenHands;

internal static class OpenHandsRegistration
{
    public static IServiceCollection AddOpenHandsImporters(this IServiceCollection services)
    {
        return services;
    }
}
