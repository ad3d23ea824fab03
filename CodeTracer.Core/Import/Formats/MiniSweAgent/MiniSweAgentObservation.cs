namespace CodeTracer.Core.Import.Formats.MiniSweAgent;

/// <summary>
/// An observation as mini-SWE-agent renders it for the model:
/// <c>[&lt;exception&gt;…&lt;/exception&gt;]&lt;returncode&gt;N&lt;/returncode&gt;\n&lt;output&gt;\n…&lt;/output&gt;</c>, or, for outputs over
/// 10,000 characters, <c>&lt;warning&gt;…&lt;output_head&gt;…&lt;elided_chars&gt;…&lt;output_tail&gt;…</c> after the return code.
/// </summary>
internal readonly record struct MiniSweAgentObservation(int? ExitCode, string? Exception, string Text)
{
    private const string ReturnCodeOpen = "<returncode>";
    private const string ReturnCodeClose = "</returncode>";
    private const string ExceptionOpen = "<exception>";
    private const string ExceptionClose = "</exception>";
    private const string OutputOpen = "<output>\n";
    private const string OutputClose = "</output>";

    /// <summary>
    /// Splits the rendered text into return code, exception and output. The <c>&lt;output&gt;</c> wrapper is removed
    /// when it wraps the whole output; an elided rendering is kept as the model saw it. Text that is not in this
    /// shape (a timeout notice, a format-error message, the submitted diff) comes back whole with no exit code.
    /// </summary>
    public static MiniSweAgentObservation Parse(string text)
    {
        var rest = text.AsSpan();
        string? exception = null;
        if (rest.StartsWith(ExceptionOpen, StringComparison.Ordinal))
        {
            var close = rest.IndexOf(ExceptionClose, StringComparison.Ordinal);
            if (close < 0) return new(null, null, text);
            exception = rest[ExceptionOpen.Length..close].Trim().ToString();
            rest = SkipNewline(rest[(close + ExceptionClose.Length)..]);
        }
        if (!rest.StartsWith(ReturnCodeOpen, StringComparison.Ordinal))
        {
            return new(null, exception, exception is null ? text : rest.ToString());
        }
        var end = rest.IndexOf(ReturnCodeClose, StringComparison.Ordinal);
        if (end < 0) return new(null, exception, text);
        int? exitCode = int.TryParse(rest[ReturnCodeOpen.Length..end].Trim(), System.Globalization.NumberStyles.AllowLeadingSign,
            System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;
        var body = SkipNewline(rest[(end + ReturnCodeClose.Length)..]);
        var trimmedEnd = body.TrimEnd();
        if (body.StartsWith(OutputOpen, StringComparison.Ordinal) && trimmedEnd.EndsWith(OutputClose, StringComparison.Ordinal)
            && trimmedEnd.Length >= OutputOpen.Length + OutputClose.Length)
        {
            body = trimmedEnd[OutputOpen.Length..^OutputClose.Length];
        }
        return new(exitCode, exception, body.ToString());
    }

    private static ReadOnlySpan<char> SkipNewline(ReadOnlySpan<char> text) =>
        text.StartsWith("\r\n", StringComparison.Ordinal) ? text[2..] : text.StartsWith("\n", StringComparison.Ordinal) ? text[1..] : text;
}
