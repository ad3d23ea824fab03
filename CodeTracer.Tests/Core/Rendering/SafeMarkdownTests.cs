using CodeTracer.Core.Rendering;

namespace CodeTracer.Tests.Core.Rendering;

public sealed class SafeMarkdownTests
{
    [Fact]
    public void ToHtml_ScriptTag_IsEscapedText()
    {
        var html = SafeMarkdown.ToHtml("before <script>window.__pwned=1</script> after");

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Fact]
    public void ToHtml_HtmlBlock_IsEscapedText()
    {
        var html = SafeMarkdown.ToHtml("<div onclick=\"x()\">\n<img src=x onerror=alert(1)>\n</div>");

        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;img", html);
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JavaScript:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD4=)")]
    [InlineData("[x](vbscript:msgbox)")]
    [InlineData("[x](/relative/path)")]
    [InlineData("[x][ref]\n\n[ref]: javascript:alert(1)")]
    [InlineData("<javascript:alert(1)>")]
    public void ToHtml_UnsafeLink_KeepsOnlyItsText(string markdown)
    {
        var html = SafeMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<a", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("href", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("[docs](https://example.com/a?b=1)", "https://example.com/a?b=1")]
    [InlineData("see http://example.org", "http://example.org")]
    [InlineData("<mailto:dev@example.com>", "mailto:dev@example.com")]
    public void ToHtml_SafeLink_IsKeptAsExternalLink(string markdown, string href)
    {
        var html = SafeMarkdown.ToHtml(markdown);

        Assert.Contains($"href=\"{href}\"", html);
        Assert.Contains("rel=\"nofollow noopener noreferrer\"", html);
    }

    [Fact]
    public void ToHtml_Image_BecomesALinkNotAnImage()
    {
        var html = SafeMarkdown.ToHtml("![chart](https://example.com/c.png) ![bad](javascript:x)");

        Assert.DoesNotContain("<img", html);
        Assert.Contains("href=\"https://example.com/c.png\"", html);
        Assert.Contains("bad", html);
    }

    [Fact]
    public void ToHtml_CommonMarkdown_Renders()
    {
        var html = SafeMarkdown.ToHtml("# Plan\n\n- **read** `a.py`\n\n```python\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |");

        Assert.Contains("<strong>read</strong>", html);
        Assert.Contains("<code>a.py</code>", html);
        Assert.Contains("language-python", html);
        Assert.Contains("<table>", html);
    }

    [Fact]
    public void ToHtml_IndentedText_IsNotACodeBlock()
    {
        var html = SafeMarkdown.ToHtml("Plan:\n\n    first I will read the file");

        Assert.DoesNotContain("<pre>", html);
    }
}
