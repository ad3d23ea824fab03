namespace CodeTracer.Core.Rendering;

public enum DiffLineKind
{
    Context,
    Added,
    Removed,
}

/// <summary>One line of a diff with its number on the old and the new side (1-based; null on the side it is absent from).</summary>
public readonly record struct DiffLine(DiffLineKind Kind, string Text, int? OldNumber, int? NewNumber)
{
    public char Prefix => Kind switch { DiffLineKind.Added => '+', DiffLineKind.Removed => '-', _ => ' ' };
}

/// <summary>A run of changed lines with their context, as in <c>@@ -a,b +c,d @@</c>.</summary>
public sealed class DiffHunk
{
    public required int OldStart { get; init; }
    public required int OldCount { get; init; }
    public required int NewStart { get; init; }
    public required int NewCount { get; init; }
    public required IReadOnlyList<DiffLine> Lines { get; init; }

    public string Header => $"@@ -{OldStart},{OldCount} +{NewStart},{NewCount} @@";
}

/// <summary>A line diff of two texts, grouped into hunks.</summary>
public sealed class DiffDocument
{
    public static DiffDocument Empty { get; } = new() { Hunks = [], Added = 0, Removed = 0 };

    public required IReadOnlyList<DiffHunk> Hunks { get; init; }
    public required int Added { get; init; }
    public required int Removed { get; init; }

    /// <summary>True when the texts were too large to align line by line and the diff is "all old out, all new in".</summary>
    public bool IsApproximate { get; init; }

    /// <summary>The diff in unified format (without file headers).</summary>
    public override string ToString() =>
        string.Join('\n', Hunks.SelectMany(h => h.Lines.Select(l => l.Prefix + l.Text).Prepend(h.Header)));
}

/// <summary>Builds unified diffs of edits (old text, new text) with a longest-common-subsequence line alignment.</summary>
public static class UnifiedDiff
{
    /// <summary>Above this many cells (old lines × new lines after trimming common ends) the alignment is skipped.</summary>
    public const long MaxAlignmentCells = 1_000_000;

    /// <summary>Diffs <paramref name="oldText"/> against <paramref name="newText"/> with <paramref name="context"/> lines around changes.</summary>
    /// <param name="oldStartLine">The line number the old text starts at in its file, when known.</param>
    public static DiffDocument Build(string? oldText, string? newText, int context = 3, int oldStartLine = 1)
    {
        var a = SplitLines(oldText);
        var b = SplitLines(newText);
        context = Math.Max(0, context);
        oldStartLine = Math.Max(1, oldStartLine);

        var prefix = 0;
        while (prefix < a.Length && prefix < b.Length && a[prefix] == b[prefix]) prefix++;
        var suffix = 0;
        while (suffix < a.Length - prefix && suffix < b.Length - prefix && a[^(suffix + 1)] == b[^(suffix + 1)]) suffix++;

        var ops = new List<DiffLineKind>(a.Length + b.Length);
        for (var k = 0; k < prefix; k++) ops.Add(DiffLineKind.Context);
        var midA = a.Length - prefix - suffix;
        var midB = b.Length - prefix - suffix;
        var approximate = false;
        if ((long)midA * midB > MaxAlignmentCells)
        {
            approximate = true;
            for (var k = 0; k < midA; k++) ops.Add(DiffLineKind.Removed);
            for (var k = 0; k < midB; k++) ops.Add(DiffLineKind.Added);
        }
        else
        {
            Align(a, prefix, midA, b, prefix, midB, ops);
        }
        for (var k = 0; k < suffix; k++) ops.Add(DiffLineKind.Context);

        // Walk the edit script once, numbering lines on both sides.
        var lines = new List<DiffLine>(ops.Count);
        int ia = 0, ib = 0;
        foreach (var op in ops)
        {
            switch (op)
            {
                case DiffLineKind.Context:
                    lines.Add(new DiffLine(op, b[ib], ia + oldStartLine, ib + oldStartLine));
                    ia++;
                    ib++;
                    break;
                case DiffLineKind.Removed:
                    lines.Add(new DiffLine(op, a[ia], ia + oldStartLine, null));
                    ia++;
                    break;
                default:
                    lines.Add(new DiffLine(op, b[ib], null, ib + oldStartLine));
                    ib++;
                    break;
            }
        }

        return new DiffDocument
        {
            Hunks = Group(lines, context, oldStartLine),
            Added = lines.Count(l => l.Kind == DiffLineKind.Added),
            Removed = lines.Count(l => l.Kind == DiffLineKind.Removed),
            IsApproximate = approximate,
        };
    }

    /// <summary>Text split into lines; <c>\r\n</c> counts as one break and a final newline adds no empty line.</summary>
    public static string[] SplitLines(string? text)
    {
        if (string.IsNullOrEmpty(text)) return [];
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }

    private static void Align(string[] a, int offA, int lenA, string[] b, int offB, int lenB, List<DiffLineKind> ops)
    {
        if (lenA == 0 || lenB == 0)
        {
            for (var k = 0; k < lenA; k++) ops.Add(DiffLineKind.Removed);
            for (var k = 0; k < lenB; k++) ops.Add(DiffLineKind.Added);
            return;
        }

        // LCS lengths from the end, so the forward walk below can choose greedily.
        var width = lenB + 1;
        var table = new int[(lenA + 1) * width];
        for (var i = lenA - 1; i >= 0; i--)
        {
            for (var j = lenB - 1; j >= 0; j--)
            {
                table[(i * width) + j] = string.Equals(a[offA + i], b[offB + j], StringComparison.Ordinal)
                    ? table[((i + 1) * width) + j + 1] + 1
                    : Math.Max(table[((i + 1) * width) + j], table[(i * width) + j + 1]);
            }
        }

        int x = 0, y = 0;
        while (x < lenA && y < lenB)
        {
            if (string.Equals(a[offA + x], b[offB + y], StringComparison.Ordinal))
            {
                ops.Add(DiffLineKind.Context);
                x++;
                y++;
            }
            else if (table[((x + 1) * width) + y] >= table[(x * width) + y + 1])
            {
                ops.Add(DiffLineKind.Removed);
                x++;
            }
            else
            {
                ops.Add(DiffLineKind.Added);
                y++;
            }
        }
        for (; x < lenA; x++) ops.Add(DiffLineKind.Removed);
        for (; y < lenB; y++) ops.Add(DiffLineKind.Added);
    }

    private static List<DiffHunk> Group(List<DiffLine> lines, int context, int oldStartLine)
    {
        var hunks = new List<DiffHunk>();
        var i = 0;
        while (i < lines.Count)
        {
            var firstChange = lines.FindIndex(i, l => l.Kind != DiffLineKind.Context);
            if (firstChange < 0) break;
            var start = Math.Max(i, firstChange - context);
            var end = firstChange;
            // Extend while the next change is within 2 × context lines, so nearby changes share a hunk.
            while (true)
            {
                var lastChange = end;
                while (end < lines.Count && lines[end].Kind != DiffLineKind.Context) lastChange = end++;
                var next = lines.FindIndex(end, l => l.Kind != DiffLineKind.Context);
                if (next >= 0 && next - lastChange - 1 <= 2 * context)
                {
                    end = next;
                    continue;
                }
                end = Math.Min(lines.Count, lastChange + 1 + context);
                break;
            }
            var hunkLines = lines.GetRange(start, end - start);
            hunks.Add(new DiffHunk
            {
                OldStart = hunkLines.FirstOrDefault(l => l.OldNumber is not null).OldNumber ?? PreviousOld(lines, start, oldStartLine),
                OldCount = hunkLines.Count(l => l.Kind != DiffLineKind.Added),
                NewStart = hunkLines.FirstOrDefault(l => l.NewNumber is not null).NewNumber ?? PreviousNew(lines, start, oldStartLine),
                NewCount = hunkLines.Count(l => l.Kind != DiffLineKind.Removed),
                Lines = hunkLines,
            });
            i = end;
        }
        return hunks;
    }

    // Unified diff convention: an empty side starts at the line before the hunk (0 when at the top).
    private static int PreviousOld(List<DiffLine> lines, int index, int first)
    {
        for (var k = index - 1; k >= 0; k--)
        {
            if (lines[k].OldNumber is { } n) return n;
        }
        return first - 1;
    }

    private static int PreviousNew(List<DiffLine> lines, int index, int first)
    {
        for (var k = index - 1; k >= 0; k--)
        {
            if (lines[k].NewNumber is { } n) return n;
        }
        return first - 1;
    }
}
