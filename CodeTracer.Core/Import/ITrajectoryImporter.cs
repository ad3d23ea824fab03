using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import;

/// <summary>
/// Reads one family of agent-run formats. Importers are stateless; detection is by content, not by file name alone.
/// </summary>
/// <remarks>
/// Discovery asks every importer, highest <see cref="Priority"/> first, whether it claims a directory as one unit
/// (a trial folder, a session folder). A claimed directory is not searched further. Otherwise each file in it is
/// sniffed with <see cref="CanRead"/>, then its sub-directories are searched.
/// </remarks>
public interface ITrajectoryImporter
{
    /// <summary>Short name used in messages ("swe-agent", "openhands", ...).</summary>
    string Name { get; }

    /// <summary>Higher runs first when several importers could claim the same directory.</summary>
    int Priority { get; }

    /// <summary>What this importer looks for, for the "unknown format" message (e.g. "*.traj with trajectory[] and history[]").</summary>
    string Describes { get; }

    /// <summary>True when <paramref name="directory"/> is, as a whole, one unit this importer reads (it may hold several runs).</summary>
    bool ClaimsDirectory(DirectoryInfo directory);

    /// <summary>True when the file, judged by its content, is a unit this importer reads.</summary>
    bool CanRead(FileSniff sniff);

    /// <summary>
    /// Reads every run in a unit (a claimed directory, or a file for which <see cref="CanRead"/> was true).
    /// A unit holding many runs (a multi-line <c>output.jsonl</c>) yields many results; a bad one yields an
    /// <see cref="ImportError"/> and the others still come through. Throwing <see cref="ImportException"/> fails the whole unit.
    /// </summary>
    IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken);
}

/// <summary>A file or directory that one importer will read.</summary>
public sealed record SourceUnit(string Path, bool IsDirectory, ITrajectoryImporter Importer);

/// <summary>The first bytes of a file, for detection by content.</summary>
public sealed class FileSniff
{
    public required string Path { get; init; }

    public required long Length { get; init; }

    /// <summary>Up to <see cref="ImportOptions.SniffBytes"/> bytes decoded as UTF-8 (may end mid-character or mid-token).</summary>
    public required string Head { get; init; }

    /// <summary>True when the head holds a NUL byte or is not text.</summary>
    public required bool LooksBinary { get; init; }

    /// <summary>
    /// True when the user named this file, rather than it being met while walking a folder: an importer may then read
    /// a file it would otherwise leave to another one beside it.
    /// </summary>
    public bool ExplicitlyNamed { get; init; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public string Extension => System.IO.Path.GetExtension(Path);

    /// <summary>The head with leading whitespace and a UTF-8 BOM removed.</summary>
    public ReadOnlySpan<char> TrimmedHead => Head.AsSpan().TrimStart('\uFEFF').TrimStart();
}

/// <summary>One run read from a unit, or the reason it could not be read.</summary>
public sealed class RunReadResult
{
    public Run? Run { get; private init; }

    public ImportError? Error { get; private init; }

    public static RunReadResult Ok(Run run) => new() { Run = run };

    public static RunReadResult Failed(ImportError error) => new() { Error = error };
}

/// <summary>A clear account of why something could not be read: what, where, why.</summary>
public sealed class ImportError
{
    public ImportError(string file, string? location, string reason)
    {
        File = file;
        Location = location;
        Reason = reason;
    }

    /// <summary>The file (or directory) that failed.</summary>
    public string File { get; }

    /// <summary>JSON path (<c>$.trajectory[3].observation</c>), <c>line N</c>, or null for the whole file.</summary>
    public string? Location { get; }

    public string Reason { get; }

    public override string ToString() => Location is null ? $"{File}: {Reason}" : $"{File} at {Location}: {Reason}";
}

/// <summary>Thrown by an importer when a whole unit cannot be read.</summary>
public sealed class ImportException : Exception
{
    public ImportException(string file, string? location, string reason, Exception? inner = null)
        : base(location is null ? $"{file}: {reason}" : $"{file} at {location}: {reason}", inner)
    {
        Error = new ImportError(file, location, reason);
    }

    public ImportError Error { get; }
}

/// <summary>What an importer gets besides the unit: options and a way to read files with limits applied.</summary>
public sealed class ImportContext
{
    public ImportContext(ImportOptions options)
    {
        Options = options;
    }

    public ImportOptions Options { get; }

    /// <summary>
    /// Per-import cache shared by importers and outcome resolvers, so a run-level file (a batch <c>results.json</c>)
    /// is read once per import, not once per run. Keys should start with the reader's name.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, object?> Cache { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets or adds a cached value.</summary>
    public T GetOrAdd<T>(string key, Func<T> factory) => (T)Cache.GetOrAdd(key, _ => factory())!;
}
