using CodeTracer.Core.Rendering;
using Microsoft.AspNetCore.Components;

namespace CodeTracer.Web.Components.Controls;

/// <summary>An edit as a coloured unified diff with line numbers, folded when long.</summary>
public sealed partial class DiffView
{
    private DiffDocument _diff = DiffDocument.Empty;
    private FileEdit? _renderedEdit;
    private int _totalLines;
    private bool _showAll;

    [Parameter, EditorRequired] public FileEdit Edit { get; set; } = null!;

    [Parameter] public int MaxLines { get; set; } = 400;

    [Parameter] public int Context { get; set; } = 3;

    protected override void OnParametersSet()
    {
        if (ReferenceEquals(Edit, _renderedEdit)) return;
        _renderedEdit = Edit;
        _showAll = false;
        _diff = Edit.ToDiff(Context);
        _totalLines = _diff.Hunks.Sum(h => h.Lines.Count);
    }

    // A line-range edit knows which lines it replaced but not their text; say so in the header instead of "-0,0".
    private string HunkHeader(DiffHunk hunk) =>
        Edit is { Kind: FileEditKind.ReplaceLines, StartLine: { } start, EndLine: { } end } && end >= start
            ? $"@@ -{start},{end - start + 1} +{start},{hunk.NewCount} @@ lines {start}–{end} replaced"
            : hunk.Header;

    private static string LineClass(DiffLineKind kind) => kind switch
    {
        DiffLineKind.Added => "ct-diff-add",
        DiffLineKind.Removed => "ct-diff-del",
        _ => "ct-diff-ctx",
    };
}
