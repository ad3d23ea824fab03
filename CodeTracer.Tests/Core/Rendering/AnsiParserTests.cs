using CodeTracer.Core.Rendering;

namespace CodeTracer.Tests.Core.Rendering;

public sealed class AnsiParserTests
{
    private const string Esc = "\u001b";

    private static string Plain(TerminalText text) => string.Join('\n', text.ShownLines.Select(l => l.PlainText));

    private static void AssertNoControlCharacters(TerminalText text)
    {
        foreach (var segment in text.ShownLines.SelectMany(l => l.Segments))
        {
            Assert.DoesNotContain(segment.Text, c => c < ' ' || c == '\u007f');
        }
    }

    [Fact]
    public void Parse_SgrColours_BecomeStyledSegments()
    {
        var text = AnsiParser.Parse($"ok {Esc}[31;1mFAILED{Esc}[0m done");

        var line = Assert.Single(text.Head);
        Assert.Equal(3, line.Segments.Count);
        Assert.Equal("ok ", line.Segments[0].Text);
        Assert.True(line.Segments[0].Style.IsPlain);
        Assert.Equal("FAILED", line.Segments[1].Text);
        Assert.Equal("ansi-fg-1 ansi-bold", line.Segments[1].Style.CssClass);
        Assert.Null(line.Segments[1].Style.CssStyle);
        Assert.Equal(" done", line.Segments[2].Text);
        Assert.True(line.Segments[2].Style.IsPlain);
    }

    [Fact]
    public void Parse_ExtendedColours_BecomeInlineHexStyles()
    {
        var text = AnsiParser.Parse($"{Esc}[38;5;196mred{Esc}[48;2;0;128;255mblue-bg{Esc}[38:2::1:2:3mcolon");

        var segments = Assert.Single(text.Head).Segments;
        Assert.Equal("color:#ff0000", segments[0].Style.CssStyle);
        Assert.Equal("color:#ff0000;background-color:#0080ff", segments[1].Style.CssStyle);
        Assert.Equal("color:#010203;background-color:#0080ff", segments[2].Style.CssStyle);
    }

    [Fact]
    public void Parse_BrightAndResetCodes_TrackState()
    {
        var text = AnsiParser.Parse($"{Esc}[92mgreen{Esc}[39m plain {Esc}[4munder{Esc}[24m");

        var segments = Assert.Single(text.Head).Segments;
        Assert.Equal("ansi-fg-10", segments[0].Style.CssClass);
        Assert.True(segments[1].Style.IsPlain);
        Assert.Equal("ansi-underline", segments[2].Style.CssClass);
    }

    [Fact]
    public void Parse_CarriageReturnRedraws_KeepTheFinalLineContent()
    {
        var text = AnsiParser.Parse("Downloading  10%\rDownloading  55%\rDownloading 100%\nnext line\n");

        Assert.Equal(2, text.TotalLines);
        Assert.Equal("Downloading 100%\nnext line", Plain(text));
    }

    [Fact]
    public void Parse_RedrawWithEraseLine_DropsLeftovers()
    {
        var text = AnsiParser.Parse($"a long status message\r{Esc}[Kdone");

        Assert.Equal("done", Plain(text));
    }

    [Fact]
    public void Parse_ShorterRedrawWithoutErase_OverwritesLikeATerminal()
    {
        var text = AnsiParser.Parse("12345\rab");

        Assert.Equal("ab345", Plain(text));
    }

    [Fact]
    public void Parse_CrLfLineEnds_AreOneBreak()
    {
        var text = AnsiParser.Parse("one\r\ntwo\r\n");

        Assert.Equal(2, text.TotalLines);
        Assert.Equal("one\ntwo", Plain(text));
    }

    [Fact]
    public void Parse_OscCursorAndPrivateModes_AreRemoved()
    {
        var raw = $"{Esc}]0;window title{'\u0007'}{Esc}[?2004hroot@box:/app# ls{Esc}[?2004l\r\n{Esc}[2J{Esc}[H{Esc}[1A{Esc}]8;;http://x{Esc}\\link{Esc}]8;;{Esc}\\ {Esc}(Bend{Esc}=";

        var text = AnsiParser.Parse(raw);

        AssertNoControlCharacters(text);
        Assert.Equal("root@box:/app# ls\nlink end", Plain(text));
    }

    [Fact]
    public void Parse_BackspacesAndBell_AreApplied()
    {
        var text = AnsiParser.Parse("abc\b\bX\u0007");

        Assert.Equal("aXc", Plain(text));
    }

    [Fact]
    public void Parse_TruncatedEscapeAtEnd_IsDropped()
    {
        var text = AnsiParser.Parse($"text{Esc}[3");

        AssertNoControlCharacters(text);
        Assert.Equal("text", Plain(text));
    }

    [Fact]
    public void Parse_UnterminatedOsc_DoesNotSwallowLaterLines()
    {
        var text = AnsiParser.Parse($"{Esc}]0;title without end\nsecond line");

        AssertNoControlCharacters(text);
        Assert.Equal("second line", text.Head[^1].PlainText);
    }

    [Fact]
    public void Parse_LongOutput_FoldsToHeadAndTail()
    {
        var raw = string.Join('\n', Enumerable.Range(1, 1000).Select(i => $"line {i}"));

        var text = AnsiParser.Parse(raw, new TerminalParseOptions { HeadLines = 5, TailLines = 3 });

        Assert.True(text.IsFolded);
        Assert.Equal(1000, text.TotalLines);
        Assert.Equal(992, text.OmittedLines);
        Assert.Equal(["line 1", "line 2", "line 3", "line 4", "line 5"], text.Head.Select(l => l.PlainText));
        Assert.Equal(["line 998", "line 999", "line 1000"], text.Tail.Select(l => l.PlainText));
        Assert.Equal(998, text.Tail[0].Number);
    }

    [Fact]
    public void Parse_FoldedOutput_CarriesColourAcrossSkippedLines()
    {
        var raw = $"{Esc}[32mstart\n" + string.Join('\n', Enumerable.Range(1, 50).Select(i => $"mid {i}")) + "\nend";

        var text = AnsiParser.Parse(raw, new TerminalParseOptions { HeadLines = 1, TailLines = 1 });

        Assert.Equal("ansi-fg-2", text.Tail[0].Segments[0].Style.CssClass);
    }

    [Fact]
    public void Parse_ShortOutput_IsNotFolded()
    {
        var text = AnsiParser.Parse("a\nb\nc", new TerminalParseOptions { HeadLines = 2, TailLines = 1 });

        Assert.False(text.IsFolded);
        Assert.Equal(3, text.Head.Count);
        Assert.Empty(text.Tail);
    }

    [Fact]
    public void Parse_VeryLongLine_IsCutAndCounted()
    {
        var text = AnsiParser.Parse(new string('x', 120), new TerminalParseOptions { MaxLineChars = 100 });

        var line = Assert.Single(text.Head);
        Assert.Equal(100, line.PlainText.Length);
        Assert.Equal(20, line.TruncatedChars);
    }

    [Fact]
    public void Parse_HtmlInOutput_StaysLiteralText()
    {
        var text = AnsiParser.Parse("<script>window.__pwned=1</script>");

        Assert.Equal("<script>window.__pwned=1</script>", Plain(text));
    }

    [Fact]
    public void Parse_InverseWithoutColours_UsesInverseClass()
    {
        var text = AnsiParser.Parse($"{Esc}[7msel{Esc}[27m");

        Assert.Equal("ansi-inverse", text.Head[0].Segments[0].Style.CssClass);
    }

    [Fact]
    public void ToPlainText_Empty_IsEmpty()
    {
        Assert.Equal("", AnsiParser.ToPlainText(null));
        Assert.Equal(0, AnsiParser.Parse("").TotalLines);
    }
}
