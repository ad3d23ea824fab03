using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// The run's search box. It owns its keystrokes: typing re-renders only this component, and the query is reported
/// after a pause (debounced) or at once on Enter. The input's value is written from the server only when the query is
/// changed from outside (a URL, Escape), never while typing, so fast typing over a slow connection loses no keys.
/// </summary>
public sealed partial class RunSearchBox : IDisposable
{
    private ElementReference _input;
    private string _typed = "";
    private string _shownValue = "";
    private string? _lastValue;
    private int _version;
    private CancellationTokenSource? _debounce;

    /// <summary>The query in effect (from the URL or an earlier search).</summary>
    [Parameter] public string? Value { get; set; }

    /// <summary>The match counter text.</summary>
    [Parameter] public string? CountText { get; set; }

    [Parameter] public int DebounceMilliseconds { get; set; } = 250;

    /// <summary>Raised with the new query (null when cleared) once typing pauses.</summary>
    [Parameter] public EventCallback<string?> OnQueryChanged { get; set; }

    /// <summary>Raised on Enter (with true for Shift+Enter) after the typed query was applied.</summary>
    [Parameter] public EventCallback<bool> OnNextMatch { get; set; }

    public ValueTask FocusAsync() => _input.FocusAsync();

    protected override void OnParametersSet()
    {
        if (string.Equals(Value, _lastValue, StringComparison.Ordinal)) return;
        _lastValue = Value;
        if (string.Equals(Normalize(_typed), Value, StringComparison.Ordinal)) return;
        _typed = Value ?? "";
        _shownValue = _typed;
        _version++;
    }

    private void OnInput(ChangeEventArgs e)
    {
        _typed = e.Value?.ToString() ?? "";
        _debounce?.Cancel();
        _debounce?.Dispose();
        _debounce = new CancellationTokenSource();
        _ = ReportAfterPauseAsync(_debounce.Token);
    }

    private async Task ReportAfterPauseAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (DebounceMilliseconds > 0) await Task.Delay(DebounceMilliseconds, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await InvokeAsync(async () =>
        {
            if (!cancellationToken.IsCancellationRequested) await ReportAsync();
        });
    }

    private async Task ReportAsync()
    {
        var query = Normalize(_typed);
        if (string.Equals(query, _lastValue, StringComparison.Ordinal)) return;
        _lastValue = query;
        await OnQueryChanged.InvokeAsync(query);
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        switch (e.Key)
        {
            case "Enter":
                _debounce?.Cancel();
                await ReportAsync();
                await OnNextMatch.InvokeAsync(e.ShiftKey);
                break;
            case "Escape":
                _debounce?.Cancel();
                _typed = "";
                _shownValue = "";
                _version++;
                await ReportAsync();
                break;
        }
    }

    private static string? Normalize(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    public void Dispose()
    {
        _debounce?.Cancel();
        _debounce?.Dispose();
    }
}
