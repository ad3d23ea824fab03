using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CodeTracer.Web.Services;

/// <summary>
/// Prints where the explorer listens straight to the console once the server has started. ASP.NET logs the same
/// at Information level, which a quieter logging configuration hides; the address must always be visible.
/// </summary>
internal static class StartupBanner
{
    public static void Register(WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                Console.WriteLine($"CodeTracer explorer: {address}  (Ctrl+C to stop)");
            }
        });
    }
}
