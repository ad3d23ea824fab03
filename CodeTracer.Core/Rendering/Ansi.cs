namespace CodeTracer.Core.Rendering;

/// <summary>Removes ANSI escape sequences (CSI, OSC, two-character escapes) from terminal text.</summary>
public static class Ansi
{
    public static string Strip(ReadOnlySpan<char> text)
    {
        var esc = text.IndexOf('\u001b');
        if (esc < 0) return text.ToString();
        var sb = new System.Text.StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '\u001b')
            {
                sb.Append(c);
                i++;
                continue;
            }
            i++;
            if (i >= text.Length) break;
            var kind = text[i];
            if (kind == '[')
            {
                // CSI: parameters and intermediates, then one final byte in @..~
                i++;
                while (i < text.Length && text[i] is < '@' or > '~') i++;
                i++;
            }
            else if (kind == ']')
            {
                // OSC: until BEL or ESC \
                i++;
                while (i < text.Length && text[i] != '\u0007' && !(text[i] == '\u001b' && i + 1 < text.Length && text[i + 1] == '\\')) i++;
                i += i < text.Length && text[i] == '\u0007' ? 1 : 2;
            }
            else
            {
                i++;
            }
        }
        return sb.ToString();
    }
}
