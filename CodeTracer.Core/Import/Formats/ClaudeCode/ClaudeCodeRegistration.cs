using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

internal static class ClaudeCodeRegistration
{
    public static IServiceCollection AddClaudeCodeImporters(this IServiceCollection services)
    {
        return services;
    }
}
