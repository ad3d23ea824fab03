using CodeTracer.Core;
using CodeTracer.Web.Components;

namespace CodeTracer.Web;

/// <summary>Builds and runs the explorer web app.</summary>
public static class WebApp
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var app = Build(args);
        await app.RunAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Serves MudBlazor's and our assets when the build output runs outside Development (dotnet bin/.../CodeTracer.Web.dll).
        builder.WebHost.UseStaticWebAssets();

        builder.Services.AddCodeTracerCore(builder.Configuration);
        builder.Services.AddCodeTracerWeb(builder.Configuration);

        var app = builder.Build();
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        Services.StartupBanner.Register(app);
        return app;
    }
}
