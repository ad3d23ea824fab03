using System.Globalization;
using CodeTracer.Core.Rendering;

namespace CodeTracer.Web.Utils;

/// <summary>Short, culture-independent renderings of run figures for lists.</summary>
public static class Display
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    /// <summary>
    /// One line of untrusted text for a list or a link: ANSI escape sequences removed, other control characters
    /// (ESC, BEL, NUL, CR, LF, ...) turned into spaces, so terminal noise in a task title or model name never reaches the page.
    /// </summary>
    public static string Plain(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var withoutAnsi = Ansi.Strip(text);
        return string.Create(withoutAnsi.Length, withoutAnsi, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? ' ' : source[i];
        });
    }

    /// <summary>1234 → "1.2k", 3400000 → "3.4M", null → "–".</summary>
    public static string Tokens(long? tokens) => tokens switch
    {
        null => "–",
        < 1000 => tokens.Value.ToString(s_invariant),
        < 1_000_000 => (tokens.Value / 1000.0).ToString("0.#", s_invariant) + "k",
        _ => (tokens.Value / 1_000_000.0).ToString("0.##", s_invariant) + "M",
    };

    public static string Cost(double? usd) => usd switch
    {
        null => "–",
        < 0.01 => "$" + usd.Value.ToString("0.000", s_invariant),
        _ => "$" + usd.Value.ToString("0.00", s_invariant),
    };

    /// <summary>42 → "42s", 192 → "3m 12s", 7500 → "2h 5m".</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is null || double.IsNaN(seconds.Value) || seconds < 0) return "–";
        var span = TimeSpan.FromSeconds(seconds.Value);
        if (span.TotalMinutes < 1) return ((int)span.TotalSeconds).ToString(s_invariant) + "s";
        if (span.TotalHours < 1) return $"{(int)span.TotalMinutes}m {span.Seconds}s";
        return $"{(int)span.TotalHours}h {span.Minutes}m";
    }

    /// <summary>How long ago, coarse: "just now", "5 min ago", "3 h ago", then the date.</summary>
    public static string Age(DateTime utc, DateTime nowUtc)
    {
        var age = nowUtc - utc;
        if (age < TimeSpan.FromMinutes(1)) return "just now";
        if (age < TimeSpan.FromHours(1)) return ((int)age.TotalMinutes).ToString(s_invariant) + " min ago";
        if (age < TimeSpan.FromDays(1)) return ((int)age.TotalHours).ToString(s_invariant) + " h ago";
        return utc.ToString("yyyy-MM-dd", s_invariant);
    }
}
