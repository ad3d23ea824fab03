using CodeTracer.Core;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Cli;

/// <summary>Builds the services a command-line verb needs: the same configuration sources and Core registration as the web app.</summary>
internal static class CliServices
{
    public static ServiceProvider Build()
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // Verbs write their results to stdout; log lines (warnings and worse) go to stderr so they never mix.
        services.AddLogging(logging => logging
            .AddConfiguration(configuration.GetSection("Logging"))
            .SetMinimumLevel(LogLevel.Warning)
            .AddSimpleConsole(o => o.SingleLine = true)
            .AddFilter((_, level) => level >= LogLevel.Warning));
        services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        services.AddCodeTracerCore(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        ValidateOptions(provider);
        return provider;
    }

    // ValidateOnStart only fires inside a host; verbs run without one, so trigger validation here.
    private static void ValidateOptions(IServiceProvider provider)
    {
        _ = provider.GetRequiredService<IOptions<CodeTracer.Core.Import.ImportOptions>>().Value;
        _ = provider.GetRequiredService<IOptions<CodeTracer.Core.Storage.StorageOptions>>().Value;
    }
}
