using Markdig;
using Markdig.Parsers;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace CodeTracer.Core.Rendering;

/// <summary>
/// Markdown to HTML for untrusted text (agent thoughts, task descriptions). Raw HTML is never passed through: it is
/// shown as text. Links survive only with an absolute http, https or mailto address; any other link (javascript:,
/// data:, relative) is reduced to its text, and images become plain links so nothing loads from elsewhere.
/// </summary>
public static class SafeMarkdown
{
    private static readonly Lazy<MarkdownPipeline> s_pipeline = new(CreatePipeline);

    private static readonly string[] s_allowedSchemes = [Uri.UriSchemeHttp, Uri.UriSchemeHttps, Uri.UriSchemeMailto];

    /// <summary>The shared pipeline (Markdig pipelines are immutable and safe to share across threads).</summary>
    public static MarkdownPipeline Pipeline => s_pipeline.Value;

    /// <summary>
    /// A new pipeline: CommonMark with HTML disabled, pipe tables, strikethrough, task lists and bare-URL links. Indented
    /// code blocks are off because model output indents prose far more often than it means code (fenced blocks still work).
    /// </summary>
    public static MarkdownPipeline CreatePipeline()
    {
        var builder = new MarkdownPipelineBuilder()
            .DisableHtml()
            .UsePipeTables()
            .UseEmphasisExtras()
            .UseTaskLists()
            .UseAutoLinks();
        builder.BlockParsers.TryRemove<IndentedCodeBlockParser>();
        return builder.Build();
    }

    /// <summary>True for an absolute http, https or mailto address.</summary>
    public static bool IsSafeUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return false;
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return false;
        return s_allowedSchemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Renders <paramref name="markdown"/> to sanitized HTML.</summary>
    public static string ToHtml(string? markdown, MarkdownPipeline? pipeline = null)
    {
        if (string.IsNullOrEmpty(markdown)) return "";
        pipeline ??= Pipeline;
        var document = Markdown.Parse(markdown, pipeline);
        Sanitize(document);

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static void Sanitize(MarkdownDocument document)
    {
        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            if (!IsSafeUrl(link.Url))
            {
                Unwrap(link);
                continue;
            }
            if (link.IsImage)
            {
                // Images would load from any server on page view; show them as links instead.
                link.IsImage = false;
                if (link.FirstChild is null) link.AppendChild(new LiteralInline(link.Url!));
            }
            MarkExternal(link);
        }

        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            var url = autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url;
            if (!IsSafeUrl(url))
            {
                autolink.ReplaceBy(new LiteralInline(autolink.Url));
                continue;
            }
            MarkExternal(autolink);
        }
    }

    private static void MarkExternal(Inline link)
    {
        var attributes = link.GetAttributes();
        attributes.AddPropertyIfNotExist("rel", "nofollow noopener noreferrer");
        attributes.AddPropertyIfNotExist("target", "_blank");
    }

    private static void Unwrap(LinkInline link)
    {
        var child = link.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }
        link.Remove();
    }
}
