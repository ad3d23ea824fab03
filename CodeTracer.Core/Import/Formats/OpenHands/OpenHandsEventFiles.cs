using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>What the folder and array importers share: filling a run from a reader, and reading one event file.</summary>
internal static class OpenHandsEventFiles
{
    /// <summary>
    /// Reads and parses a JSON file like <see cref="JsonInput.ParseFile"/>, but also accepts a UTF-8 byte order mark,
    /// which editors on Windows add and the parser rejects. When <paramref name="files"/> is given, the file is listed
    /// there as one the run was read from.
    /// </summary>
    public static JsonDocument ParseFile(string path, ImportContext context, List<SourceFile>? files = null)
    {
        var bytes = JsonInput.ReadAllBytesChecked(path, context);
        files?.Add(new SourceFile { Path = path });
        return JsonInput.ParseBytes(WithoutBom(bytes), path, 0, context);
    }

    /// <summary>The bytes after a leading UTF-8 byte order mark (copied only when there is one).</summary>
    public static byte[] WithoutBom(byte[] bytes) =>
        bytes.AsSpan().StartsWith("\uFEFF"u8) ? bytes[3..] : bytes;

    /// <summary>Copies what a V0 reader found into the run (steps, task text, model, stop state, times, tokens).</summary>
    public static void Fill(Run run, V0EventReader reader, string path)
    {
        run.Steps = reader.Steps;
        run.Task.Text ??= reader.FirstUserMessage;
        run.Model ??= reader.ResponseModel;
        run.ExitStatus ??= reader.Finished ? "finished" : reader.LastAgentState;
        run.Metrics.StartedAtUtc ??= reader.FirstTimestamp;
        run.Metrics.EndedAtUtc ??= reader.LastTimestamp;
        run.Metrics.PromptTokens ??= reader.PromptTokens;
        run.Metrics.CompletionTokens ??= reader.CompletionTokens;
        run.Metrics.CostUsd ??= reader.AccumulatedCost;
        if (reader.ResponseCount > 0) run.Metrics.ApiCalls ??= reader.ResponseCount;
        OpenHandsRecord.AddReaderWarnings(run, reader.OrphanObservations, null, path, null);
    }

    /// <summary>Copies what a V1 reader found into the run.</summary>
    public static void Fill(Run run, V1EventReader reader, string path)
    {
        run.Steps = reader.Steps;
        run.Task.Text ??= reader.FirstUserMessage;
        run.ExitStatus ??= reader.LastStatus ?? (reader.Finished ? "finished" : null);
        run.Metrics.StartedAtUtc ??= reader.FirstTimestamp;
        run.Metrics.EndedAtUtc ??= reader.LastTimestamp;
        OpenHandsRecord.AddReaderWarnings(run, reader.OrphanObservations, reader.UnknownKinds, path, null);
    }

    /// <summary>
    /// Parses one event file and hands its root to <paramref name="add"/>. A file that cannot be read costs only that
    /// event: it becomes a warning naming the file and where in it, and the run keeps every other event.
    /// </summary>
    public static void ReadEvent(string file, ImportContext context, Run run, Action<JsonElement, Provenance> add)
    {
        var listed = run.Source.Files.Count;
        try
        {
            using var document = ParseFile(file, context, run.Source.Files);
            add(document.RootElement, new Provenance { File = file });
        }
        catch (ImportException ex)
        {
            // Still listed, so that a re-import sees the file change once it is repaired.
            if (run.Source.Files.Count == listed) run.Source.Files.Add(new SourceFile { Path = file });
            run.Warnings.Add(new ImportWarning
            {
                Code = "event-unreadable",
                Message = "this event was skipped: " + ex.Error.Reason,
                File = file,
                Location = ex.Error.Location,
            });
        }
    }

    /// <summary>Reads an optional side file (metadata, state); a broken one is a warning, not a lost run.</summary>
    public static JsonDocument? ReadSideFile(string file, ImportContext context, Run run)
    {
        if (!File.Exists(file)) return null;
        try
        {
            return ParseFile(file, context, run.Source.Files);
        }
        catch (ImportException ex)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "metadata-unreadable",
                Message = $"{Path.GetFileName(file)} was skipped: {ex.Error.Reason}",
                File = file,
                Location = ex.Error.Location,
            });
            return null;
        }
    }

    /// <summary>The file with the lowest index by <paramref name="index"/> (files without one are skipped), or null.</summary>
    public static FileInfo? Lowest(IEnumerable<FileInfo> files, Func<string, long?> index)
    {
        FileInfo? lowest = null;
        long lowestIndex = 0;
        foreach (var file in files)
        {
            if (index(file.Name) is not { } n || (lowest is not null && n >= lowestIndex)) continue;
            lowest = file;
            lowestIndex = n;
        }
        return lowest;
    }

    /// <summary>True when the first few kilobytes of <paramref name="file"/> hold any of <paramref name="markers"/>.</summary>
    public static bool HeadContains(string file, params ReadOnlySpan<string> markers)
    {
        var head = FileSniffer.Sniff(file, 4096);
        if (head.LooksBinary) return false;
        foreach (var marker in markers)
        {
            if (head.Head.Contains(marker, StringComparison.Ordinal)) return true;
        }
        return false;
    }

    /// <summary>The integer in a V0 event file name (<c>12.json</c>), or null.</summary>
    public static long? NumericName(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file.AsSpan());
        return Path.GetExtension(file.AsSpan()).Equals(".json", StringComparison.OrdinalIgnoreCase)
            && name.Length > 0
            && long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n
                : null;
    }

    /// <summary>The zero-padded index in a V1 event file name (<c>event-00042-&lt;uuid&gt;.json</c>), or null.</summary>
    public static long? V1EventIndex(string file)
    {
        var name = Path.GetFileName(file.AsSpan());
        if (!name.StartsWith("event-", StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return null;
        var digits = name["event-".Length..];
        var dash = digits.IndexOf('-');
        if (dash >= 0) digits = digits[..dash];
        else digits = digits[..^".json".Length];
        return digits.Length > 0 && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
