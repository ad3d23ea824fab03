using Microsoft.JSInterop;

namespace CodeTracer.Web.Services;

/// <summary>
/// Per-circuit dark mode. The choice lives in the browser's localStorage (key <c>codetracer.dark</c>) so it survives
/// reloads; with no stored choice the browser's colour-scheme preference decides.
/// </summary>
public sealed class ThemeState : IAsyncDisposable
{
    public const string ModulePath = "./js/theme.js";

    private readonly IJSRuntime _js;
    private IJSObjectReference? _module;

    public ThemeState(IJSRuntime js)
    {
        _js = js;
    }

    public bool IsDarkMode { get; private set; }

    /// <summary>True once the stored choice has been read (after the first interactive render).</summary>
    public bool IsLoaded { get; private set; }

    public event Action? Changed;

    /// <summary>Reads the stored choice; call after the first interactive render (JS is not available before).</summary>
    public async Task LoadAsync()
    {
        _module ??= await _js.InvokeAsync<IJSObjectReference>("import", ModulePath);
        IsDarkMode = await _module.InvokeAsync<bool>("getDark");
        IsLoaded = true;
        Changed?.Invoke();
    }

    public async Task SetDarkModeAsync(bool dark)
    {
        IsDarkMode = dark;
        Changed?.Invoke();
        _module ??= await _js.InvokeAsync<IJSObjectReference>("import", ModulePath);
        await _module.InvokeVoidAsync("setDark", dark);
    }

    public async ValueTask DisposeAsync()
    {
        if (_module is null) return;
        try
        {
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; the browser has already dropped the module.
        }
    }
}
