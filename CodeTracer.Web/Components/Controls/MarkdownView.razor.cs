using CodeTracer.Core.Rendering;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>Renders untrusted Markdown (a thought, a task) through <see cref="SafeMarkdown"/>, re-parsing only when the text changes.</summary>
public sealed partial class MarkdownView
{
    private string _html = "";
    private string? _renderedText;
    private int _renderedLimit;
    private int _hiddenChars;
    private bool _showAll;

    [Parameter] public string? Text { get; set; }

    /// <summary>Characters rendered before the rest waits behind "show all".</summary>
    [Parameter] public int MaxChars { get; set; } = 60_000;

    [Parameter] public string? Class { get; set; }

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Text, _renderedText)) _showAll = false;
        var limit = _showAll ? int.MaxValue : MaxChars;
        if (ReferenceEquals(Text, _renderedText) && limit == _renderedLimit) return;

        var text = Text ?? "";
        _hiddenChars = Math.Max(0, text.Length - limit);
        _html = SafeMarkdown.ToHtml(_hiddenChars > 0 ? text[..limit] : text);
        _renderedText = Text;
        _renderedLimit = limit;
    }

    private void ShowAll()
    {
        _showAll = true;
        OnParametersSet();
    }
}
