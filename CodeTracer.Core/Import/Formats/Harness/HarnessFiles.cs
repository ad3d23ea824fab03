using System.Globalization;
using System.Text;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>Reading the small text and JSON files that benchmark harnesses leave around a trial, with the import limits.</summary>
internal static class HarnessFiles
{
    /// <summary>
    /// Reads a text file the run cannot do without. Throws <see cref="ImportException"/> when it is missing,
    /// over the size limit or binary. An empty file is returned as <c>""</c>: a model can answer with nothing.
    /// </summary>
    public static string ReadText(string path, ImportContext context)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.Length == 0) return "";
        var span = JsonInput.ReadAllBytesChecked(path, context).AsSpan();
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) span = span[3..];
        return Encoding.UTF8.GetString(span);
    }

    /// <summary>Reads an optional text file: null when it does not exist; a warning (and null) when it cannot be read.</summary>
    public static string? TryReadText(string path, ImportContext context, List<ImportWarning> warnings)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return ReadText(path, context);
        }
        catch (ImportException ex)
        {
            warnings.Add(new ImportWarning { Code = "file-unreadable", Message = ex.Error.Reason, File = path, Location = ex.Error.Location });
            return null;
        }
    }

    /// <summary>Parses an optional JSON file: null when it does not exist; a warning (and null) when it is not valid JSON.</summary>
    public static JsonDocument? TryParseJson(string path, ImportContext context, List<ImportWarning> warnings)
    {
        if (!File.Exists(path)) return null;
        try
        {
            return JsonInput.ParseFile(path, context);
        }
        catch (ImportException ex)
        {
            warnings.Add(new ImportWarning { Code = "file-unreadable", Message = ex.Error.Reason, File = path, Location = ex.Error.Location });
            return null;
        }
    }

    /// <summary>A harness timestamp (<c>2025-11-08T14:23:54.144567+00:00</c>, <c>2026-04-01T13:56:29.677651Z</c>) as UTC.</summary>
    public static DateTime? ParseTimestamp(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value.UtcDateTime
            : null;
    }

    /// <summary>Counts lines the way an editor numbers them, for provenance ranges.</summary>
    public static int CountLines(string text)
    {
        if (text.Length == 0) return 1;
        var lines = 1;
        foreach (var c in text.AsSpan())
        {
            if (c == '\n') lines++;
        }
        return text.EndsWith('\n') ? lines - 1 : lines;
    }

    /// <summary>Records a trajectory file as part of the run's source (hashed later for the stable id).</summary>
    public static void AddSource(Run run, string path)
    {
        if (!run.Source.Files.Any(f => string.Equals(f.Path, path, StringComparison.Ordinal)))
        {
            run.Source.Files.Add(new SourceFile { Path = path });
        }
    }
}
