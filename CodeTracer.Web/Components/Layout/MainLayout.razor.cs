using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace CodeTracer.Web.Components.Layout;

public sealed partial class MainLayout : IDisposable
{
    private static readonly MudTheme s_theme = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3559c7",
            Secondary = "#7a4fd6",
            AppbarBackground = "#1f2a44",
            AppbarText = "#ffffff",
            Background = "#f6f7fb",
            Surface = "#ffffff",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ea8ff",
            Secondary = "#b89cff",
            AppbarBackground = "#161b26",
            Background = "#0f131b",
            Surface = "#191f2b",
        },
        LayoutProperties = new LayoutProperties { AppbarHeight = "52px" },
    };

    private ErrorBoundary? _errorBoundary;

    [Inject]
    public required ThemeState Theme { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override void OnInitialized()
    {
        Theme.Changed += OnThemeChanged;
        Navigation.LocationChanged += OnLocationChanged;
    }

    protected override void OnParametersSet()
    {
        // A new page gets a fresh chance: an error shown for the previous page must not stick.
        _errorBoundary?.Recover();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            await Theme.LoadAsync();
        }
    }

    private Task ToggleDarkModeAsync() => Theme.SetDarkModeAsync(!Theme.IsDarkMode);

    private void Recover() => _errorBoundary?.Recover();

    private string NavClass(bool isRuns)
    {
        var path = "/" + Navigation.ToBaseRelativePath(Navigation.Uri).Split('?', '#')[0];
        var active = isRuns ? path == "/" || path.StartsWith("/runs", StringComparison.Ordinal) : path.StartsWith("/import", StringComparison.Ordinal);
        return active ? "ct-nav-link ct-nav-active" : "ct-nav-link";
    }

    private void OnThemeChanged() => InvokeAsync(StateHasChanged);

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => InvokeAsync(StateHasChanged);

    public void Dispose()
    {
        Theme.Changed -= OnThemeChanged;
        Navigation.LocationChanged -= OnLocationChanged;
    }
}
