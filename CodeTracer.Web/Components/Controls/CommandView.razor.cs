using CodeTracer.Core.Rendering;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>A command with simple shell highlighting (escaped text in classed spans), folded when long.</summary>
public sealed partial class CommandView
{
    private IReadOnlyList<ShellToken> _tokens = [];
    private string? _renderedText;
    private bool _showAll;
    private int _hiddenLines;

    [Parameter] public string? Text { get; set; }

    [Parameter] public int MaxLines { get; set; } = 40;

    [Parameter] public string? Query { get; set; }

    [Parameter] public string? Class { get; set; }

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Text, _renderedText)) return;
        _renderedText = Text;
        _showAll = false;
        Build();
    }

    private void Build()
    {
        var text = Text ?? "";
        _hiddenLines = 0;
        if (!_showAll)
        {
            var lines = AnsiParser.CountLines(text);
            if (lines > MaxLines)
            {
                var cut = 0;
                for (var i = 0; i < MaxLines; i++) cut = text.IndexOf('\n', cut) + 1;
                text = text[..cut];
                _hiddenLines = lines - MaxLines;
            }
        }
        _tokens = ShellHighlighter.Tokenize(text);
    }

    private void ShowAll()
    {
        _showAll = true;
        Build();
    }

    private static string? CssFor(ShellTokenKind kind) => kind switch
    {
        ShellTokenKind.Command => "sh-cmd",
        ShellTokenKind.Option => "sh-opt",
        ShellTokenKind.String => "sh-str",
        ShellTokenKind.Variable => "sh-var",
        ShellTokenKind.Operator => "sh-op",
        ShellTokenKind.Comment => "sh-comment",
        ShellTokenKind.Heredoc => "sh-heredoc",
        _ => null,
    };
}
