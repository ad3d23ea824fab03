namespace CodeTracer.Web.Services;

/// <summary>
/// Turns a path that came from outside (a zip entry name, a browser's relative path for a file picked from a folder)
/// into a relative path that cannot leave the folder it is written under.
/// </summary>
public static class UploadPaths
{
    /// <summary>
    /// Normalizes <paramref name="raw"/> to forward-slash segments. Fails for absolute paths, drive letters, <c>..</c>
    /// segments, control characters and empty names; <paramref name="error"/> then says why.
    /// </summary>
    public static bool TryNormalize(string? raw, out string relative, out string error)
    {
        relative = "";
        error = "";
        if (string.IsNullOrWhiteSpace(raw))
        {
            error = "the name is empty";
            return false;
        }
        if (raw.Any(char.IsControl))
        {
            error = "the name holds control characters";
            return false;
        }
        var text = raw.Replace('\\', '/');
        if (text.StartsWith('/') || (text.Length >= 2 && text[1] == ':' && char.IsAsciiLetter(text[0])))
        {
            error = "it is an absolute path";
            return false;
        }
        var segments = new List<string>();
        foreach (var segment in text.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                error = "it climbs out of its folder with '..'";
                return false;
            }
            segments.Add(segment);
        }
        if (segments.Count == 0)
        {
            error = "the name is empty";
            return false;
        }
        relative = string.Join('/', segments);
        return true;
    }

    /// <summary>
    /// The full path of <paramref name="relative"/> under <paramref name="root"/>, or null when it would resolve
    /// outside it (the last check, after <see cref="TryNormalize"/>, against anything the normalization missed).
    /// </summary>
    public static string? Combine(string root, string relative)
    {
        var fullRoot = Path.GetFullPath(root);
        var rootWithSeparator = Path.EndsInDirectorySeparator(fullRoot) ? fullRoot : fullRoot + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(fullRoot, relative.Replace('/', Path.DirectorySeparatorChar)));
        return full.StartsWith(rootWithSeparator, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>Human-readable size: 512 B, 3.4 KB, 200 MB.</summary>
    public static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.#} KB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):0.#} MB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):0.##} GB",
    };
}
