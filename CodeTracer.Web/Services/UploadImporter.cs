using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Web.Configuration;
using Microsoft.Extensions.Options;

namespace CodeTracer.Web.Services;

/// <summary>Opens upload sessions: a private temp folder that uploaded files are streamed into, then imported from.</summary>
public sealed class UploadImporter
{
    private readonly RunImportService _importService;
    private readonly IServiceProvider _services;
    private readonly WebOptions _options;
    private readonly ILogger<UploadImporter> _logger;

    public UploadImporter(RunImportService importService, IServiceProvider services, IOptions<WebOptions> options, ILogger<UploadImporter> logger)
    {
        _importService = importService;
        _services = services;
        _options = options.Value;
        _logger = logger;
    }

    public WebOptions Options => _options;

    public UploadSession BeginSession()
    {
        var parent = string.IsNullOrWhiteSpace(_options.UploadTempPath) ? Path.GetTempPath() : _options.UploadTempPath;
        var root = Path.Combine(parent, "codetracer-upload-" + Guid.NewGuid().ToString("N")[..16]);
        Directory.CreateDirectory(root);
        return new UploadSession(root, _importService, _services.GetService<IRunStore>(), _options, _logger);
    }
}

/// <summary>One run imported from an upload, as the import page lists it.</summary>
public sealed record ImportedRun(
    string Id,
    string Title,
    string Framework,
    string Format,
    string? Model,
    OutcomeStatus Outcome,
    int StepCount,
    bool WasUpdate,
    IReadOnlyList<string> Warnings);

/// <summary>Something in the upload that could not be imported: which file, where, why.</summary>
public sealed record UploadError(string File, string Message);

public sealed class UploadImportResult
{
    public List<ImportedRun> Runs { get; } = [];

    public List<UploadError> Errors { get; } = [];
}

/// <summary>
/// A temp folder holding one upload. Files are streamed in one by one (never whole in memory), zips are extracted
/// safely, then the folder is read by the import pipeline as if the user had named it on the command line, so run
/// folders keep their results files beside their trajectories. Disposing removes the folder.
/// </summary>
public sealed partial class UploadSession : IDisposable
{
    /// <summary>Paths shown to users and stored with runs start with this instead of the temp folder.</summary>
    public const string DisplayPrefix = "upload:";

    private readonly string _root;
    private readonly string _filesRoot;
    private readonly RunImportService _importService;
    private readonly IRunStore? _store;
    private readonly WebOptions _options;
    private readonly ILogger _logger;
    private readonly List<string> _zips = [];
    private readonly List<UploadError> _errors = [];
    private int _fileCount;

    internal UploadSession(string root, RunImportService importService, IRunStore? store, WebOptions options, ILogger logger)
    {
        _root = root;
        _filesRoot = Path.Combine(root, "files");
        Directory.CreateDirectory(_filesRoot);
        _importService = importService;
        _store = store;
        _options = options;
        _logger = logger;
    }

    /// <summary>The folder the upload is written to (for tests).</summary>
    public string FilesRoot => _filesRoot;

    /// <summary>Why a file cannot be taken before any byte is read (too big, too many files), or null.</summary>
    public string? Check(string name, long size)
    {
        if (size > _options.MaxUploadBytes)
        {
            return $"{name} is {UploadPaths.FormatBytes(size)}; the largest file accepted is {UploadPaths.FormatBytes(_options.MaxUploadBytes)} (Web:MaxUploadBytes)";
        }
        if (_fileCount >= _options.MaxUploadFiles)
        {
            return $"{name} was not taken: at most {_options.MaxUploadFiles:N0} files per upload (Web:MaxUploadFiles); zip a large run folder instead";
        }
        return null;
    }

    /// <summary>
    /// Streams one file into the upload folder at <paramref name="relativePath"/> (a name, or a path inside a picked
    /// folder). Returns null when saved, or why it was refused. <paramref name="progress"/> gets the bytes copied so far.
    /// </summary>
    public async Task<string?> SaveAsync(string relativePath, Stream content, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (!UploadPaths.TryNormalize(relativePath, out var relative, out var why))
        {
            return $"'{relativePath}' was refused: {why}";
        }
        var full = UploadPaths.Combine(_filesRoot, relative);
        if (full is null) return $"'{relativePath}' would be written outside the upload folder";
        if (File.Exists(full)) return $"'{relative}' was uploaded twice; the first copy is kept";

        _fileCount++;
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var buffer = new byte[81920];
        long copied = 0;
        await using (var target = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
        {
            int read;
            while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                copied += read;
                if (copied > _options.MaxUploadBytes)
                {
                    target.Close();
                    File.Delete(full);
                    return $"{relative} is larger than {UploadPaths.FormatBytes(_options.MaxUploadBytes)} (Web:MaxUploadBytes)";
                }
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                progress?.Report(copied);
            }
        }
        if (string.Equals(Path.GetExtension(full), ".zip", StringComparison.OrdinalIgnoreCase)) _zips.Add(full);
        return null;
    }

    /// <summary>Records a file refused before it was read, so it shows among the errors of the result.</summary>
    public void Reject(string file, string message) => _errors.Add(new UploadError(file, message));

    /// <summary>Extracts the zips, reads every run in the upload and stores them.</summary>
    public async Task<UploadImportResult> ImportAsync(CancellationToken cancellationToken)
    {
        var result = new UploadImportResult();
        result.Errors.AddRange(_errors);
        foreach (var zip in _zips)
        {
            var relative = Display(zip);
            var target = FreeFolderFor(zip);
            try
            {
                await Task.Run(() => SafeZipExtractor.Extract(zip, target, _options.MaxZipEntries, _options.MaxZipUncompressedBytes, cancellationToken), cancellationToken);
            }
            catch (UnsafeZipException ex)
            {
                LogZipRefused(relative, ex.Message);
                result.Errors.Add(new UploadError(relative, "the zip was refused: " + ex.Message));
            }
            // The archive itself is not a run; leaving it would make discovery report it as an unknown format.
            File.Delete(zip);
        }

        if (!Directory.EnumerateFileSystemEntries(_filesRoot).Any())
        {
            if (result.Errors.Count == 0) result.Errors.Add(new UploadError("upload", "nothing was uploaded"));
            return result;
        }

        var batch = await Task.Run(() => _importService.Parse([_filesRoot], cancellationToken), cancellationToken);
        foreach (var error in batch.Errors)
        {
            var where = error.Location is null ? "" : $" at {error.Location}";
            if (string.Equals(Path.GetFullPath(error.File), Path.GetFullPath(_filesRoot), StringComparison.Ordinal))
            {
                // About the upload as a whole: name what was uploaded rather than a folder the user never saw.
                var names = string.Join(", ", Directory.EnumerateFileSystemEntries(_filesRoot).Select(Path.GetFileName).Order(StringComparer.Ordinal).Take(10));
                result.Errors.Add(new UploadError("upload", error.Reason.Replace("in this folder", $"in the uploaded files ({names})", StringComparison.Ordinal)));
                continue;
            }
            result.Errors.Add(new UploadError(Display(error.File), $"{Display(error.Reason)}{where}"));
        }
        foreach (var run in batch.Runs) RewritePaths(run);

        if (batch.Runs.Count == 0) return result;
        if (_store is null)
        {
            result.Errors.Add(new UploadError("upload", "no run store is configured, so the runs could not be saved"));
            return result;
        }

        var existing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var run in batch.Runs)
        {
            if (await _store.GetRunAsync(run.Id, includeSteps: false, cancellationToken) is not null) existing.Add(run.Id);
        }
        await _store.SaveRunsAsync(batch.Runs, cancellationToken);
        foreach (var run in batch.Runs)
        {
            result.Runs.Add(new ImportedRun(
                run.Id,
                run.Task.Title,
                run.Framework,
                run.Format,
                run.Model,
                run.Outcome.Status,
                run.StepCount,
                existing.Contains(run.Id),
                run.Warnings.Select(w => Display(w.ToString())).ToList()));
        }
        LogImported(batch.Runs.Count, result.Errors.Count);
        return result;
    }

    /// <summary>Replaces the temp folder in a path or message with <see cref="DisplayPrefix"/>.</summary>
    public string Display(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        var withSeparator = _filesRoot + Path.DirectorySeparatorChar;
        return text.Replace(withSeparator, DisplayPrefix, StringComparison.Ordinal).Replace(_filesRoot, DisplayPrefix, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogCleanupFailed(ex, _root);
        }
    }

    // The temp folder is deleted after the import, so stored paths name the upload instead of a folder that is gone.
    private void RewritePaths(Run run)
    {
        run.Source.Path = Display(run.Source.Path);
        foreach (var file in run.Source.Files) file.Path = Display(file.Path);
        foreach (var evidence in run.Outcome.Evidence)
        {
            if (evidence.File is not null) evidence.File = Display(evidence.File);
        }
        foreach (var warning in run.Warnings)
        {
            if (warning.File is not null) warning.File = Display(warning.File);
            warning.Message = Display(warning.Message);
        }
        foreach (var step in run.Steps)
        {
            if (step.Provenance is not null) step.Provenance.File = Display(step.Provenance.File);
        }
    }

    private string FreeFolderFor(string zip)
    {
        var folder = Path.Combine(Path.GetDirectoryName(zip)!, Path.GetFileNameWithoutExtension(zip));
        var candidate = folder;
        for (var i = 2; Directory.Exists(candidate) || File.Exists(candidate); i++) candidate = $"{folder}-{i}";
        return candidate;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Upload imported: {RunCount} run(s), {ErrorCount} error(s)")]
    private partial void LogImported(int runCount, int errorCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uploaded zip {Zip} refused: {Reason}")]
    private partial void LogZipRefused(string zip, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the upload folder {Folder}")]
    private partial void LogCleanupFailed(Exception exception, string folder);
}
