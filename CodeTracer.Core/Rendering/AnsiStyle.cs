using System.Globalization;
using System.Text;

namespace CodeTracer.Core.Rendering;

/// <summary>Text attributes an SGR sequence can switch on.</summary>
[Flags]
public enum AnsiFlags : byte
{
    None = 0,
    Bold = 1,
    Dim = 2,
    Italic = 4,
    Underline = 8,
    Inverse = 16,
    Strike = 32,
}

/// <summary>A terminal colour: unset (the terminal default), one of the 256 palette entries, or a 24-bit RGB value.</summary>
public readonly record struct AnsiColor
{
    private const int PaletteKind = 1;
    private const int RgbKind = 2;

    private readonly int _kind;
    private readonly int _value;

    private AnsiColor(int kind, int value)
    {
        _kind = kind;
        _value = value;
    }

    public bool IsSet => _kind != 0;

    /// <summary>True for the 16 base colours, which get CSS classes so a theme can tune them.</summary>
    public bool IsBasic => _kind == PaletteKind && _value < 16;

    /// <summary>The palette index (0-255) for palette colours, -1 otherwise.</summary>
    public int PaletteIndex => _kind == PaletteKind ? _value : -1;

    public static AnsiColor Palette(int index) => new(PaletteKind, Math.Clamp(index, 0, 255));

    public static AnsiColor Rgb(int r, int g, int b) =>
        new(RgbKind, (Math.Clamp(r, 0, 255) << 16) | (Math.Clamp(g, 0, 255) << 8) | Math.Clamp(b, 0, 255));

    /// <summary>The colour as <c>#rrggbb</c> (palette entries 16-255 from the xterm cube and grey ramp), null when unset.</summary>
    public string? ToHex()
    {
        if (_kind == RgbKind) return "#" + _value.ToString("x6", CultureInfo.InvariantCulture);
        if (_kind != PaletteKind) return null;
        return "#" + PaletteRgb(_value).ToString("x6", CultureInfo.InvariantCulture);
    }

    private static readonly int[] s_basic =
    [
        0x000000, 0xcd3131, 0x0dbc79, 0xe5e510, 0x2472c8, 0xbc3fbc, 0x11a8cd, 0xe5e5e5,
        0x666666, 0xf14c4c, 0x23d18b, 0xf5f543, 0x3b8eea, 0xd670d6, 0x29b8db, 0xffffff,
    ];

    private static int PaletteRgb(int index)
    {
        if (index < 16) return s_basic[index];
        if (index < 232)
        {
            var i = index - 16;
            static int Level(int v) => v == 0 ? 0 : 55 + (v * 40);
            return (Level(i / 36) << 16) | (Level(i / 6 % 6) << 8) | Level(i % 6);
        }
        var grey = 8 + ((index - 232) * 10);
        return (grey << 16) | (grey << 8) | grey;
    }
}

/// <summary>The style of a run of terminal text. Its CSS is made from numbers only, never from the text.</summary>
public readonly record struct AnsiStyle(AnsiColor Foreground, AnsiColor Background, AnsiFlags Flags)
{
    public static AnsiStyle Plain => default;

    public bool IsPlain => !Foreground.IsSet && !Background.IsSet && Flags == AnsiFlags.None;

    /// <summary>Space-separated classes (<c>ansi-fg-1 ansi-bold</c>) for base colours and attributes; null when plain.</summary>
    public string? CssClass
    {
        get
        {
            if (IsPlain) return null;
            var (fg, bg) = Effective();
            var sb = new StringBuilder();
            if (fg.IsBasic) Append(sb, "ansi-fg-" + fg.PaletteIndex.ToString(CultureInfo.InvariantCulture));
            if (bg.IsBasic) Append(sb, "ansi-bg-" + bg.PaletteIndex.ToString(CultureInfo.InvariantCulture));
            if ((Flags & AnsiFlags.Inverse) != 0 && !Foreground.IsSet && !Background.IsSet) Append(sb, "ansi-inverse");
            if ((Flags & AnsiFlags.Bold) != 0) Append(sb, "ansi-bold");
            if ((Flags & AnsiFlags.Dim) != 0) Append(sb, "ansi-dim");
            if ((Flags & AnsiFlags.Italic) != 0) Append(sb, "ansi-italic");
            if ((Flags & AnsiFlags.Underline) != 0) Append(sb, "ansi-underline");
            if ((Flags & AnsiFlags.Strike) != 0) Append(sb, "ansi-strike");
            return sb.Length == 0 ? null : sb.ToString();
        }
    }

    /// <summary>Inline <c>color:#rrggbb</c> / <c>background-color:#rrggbb</c> for 256-colour and RGB values; null otherwise.</summary>
    public string? CssStyle
    {
        get
        {
            if (IsPlain) return null;
            var (fg, bg) = Effective();
            string? style = null;
            if (fg.IsSet && !fg.IsBasic) style = "color:" + fg.ToHex();
            if (bg.IsSet && !bg.IsBasic) style = (style is null ? "" : style + ";") + "background-color:" + bg.ToHex();
            return style;
        }
    }

    private (AnsiColor Fg, AnsiColor Bg) Effective() =>
        (Flags & AnsiFlags.Inverse) != 0 && (Foreground.IsSet || Background.IsSet)
            ? (Background.IsSet ? Background : AnsiColor.Palette(0), Foreground.IsSet ? Foreground : AnsiColor.Palette(7))
            : (Foreground, Background);

    private static void Append(StringBuilder sb, string value)
    {
        if (sb.Length > 0) sb.Append(' ');
        sb.Append(value);
    }
}

/// <summary>A run of text in one style. The text is plain: no escape codes, no control characters.</summary>
public readonly record struct StyledSegment(string Text, AnsiStyle Style);
