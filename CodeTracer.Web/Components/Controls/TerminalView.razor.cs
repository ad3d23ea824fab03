using CodeTracer.Core.Rendering;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>
/// Terminal output as escaped text in styled spans (colours from ANSI SGR codes, redraws applied), folded to its first
/// and last lines when long, with search matches marked.
/// </summary>
public sealed partial class TerminalView
{
    private TerminalText _text = TerminalText.Empty;
    private string? _parsedText;
    private TerminalParseOptions? _parsedOptions;
    private bool _showAll;

    [Parameter] public string? Text { get; set; }

    [Parameter] public int HeadLines { get; set; } = 60;

    [Parameter] public int TailLines { get; set; } = 20;

    /// <summary>Most lines shown after "show all".</summary>
    [Parameter] public int MaxLines { get; set; } = 20_000;

    [Parameter] public int MaxLineChars { get; set; } = 4_000;

    /// <summary>Search text to mark.</summary>
    [Parameter] public string? Query { get; set; }

    [Parameter] public string? Class { get; set; }

    protected override void OnParametersSet()
    {
        if (!ReferenceEquals(Text, _parsedText)) _showAll = false;
        var options = _showAll
            ? new TerminalParseOptions { HeadLines = Math.Max(1, MaxLines - TailLines), TailLines = TailLines, MaxLineChars = MaxLineChars }
            : new TerminalParseOptions { HeadLines = HeadLines, TailLines = TailLines, MaxLineChars = MaxLineChars };
        if (ReferenceEquals(Text, _parsedText) && options == _parsedOptions) return;
        _text = AnsiParser.Parse(Text, options);
        _parsedText = Text;
        _parsedOptions = options;
    }

    private void ShowAll()
    {
        _showAll = true;
        OnParametersSet();
    }
}
