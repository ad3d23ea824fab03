namespace CodeTracer.Core.Import;

/// <summary>Finds the units (files and folders) that importers read under the paths a user gives.</summary>
public sealed class RunDiscovery
{
    // Folders that never hold runs and can be huge.
    private static readonly HashSet<string> s_skippedDirectories = new(StringComparer.OrdinalIgnoreCase)
    {
        ".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache", "bin", "obj",
    };

    private readonly IReadOnlyList<ITrajectoryImporter> _importers;
    private readonly ImportOptions _options;

    public RunDiscovery(IEnumerable<ITrajectoryImporter> importers, ImportOptions options)
    {
        _importers = importers.OrderByDescending(i => i.Priority).ThenBy(i => i.Name, StringComparer.Ordinal).ToList();
        _options = options;
    }

    public IReadOnlyList<ITrajectoryImporter> Importers => _importers;

    /// <summary>Units under one user-given path, or errors saying why none were found.</summary>
    public (List<SourceUnit> Units, List<ImportError> Errors) Discover(string path, CancellationToken cancellationToken)
    {
        var units = new List<SourceUnit>();
        var errors = new List<ImportError>();
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            var unit = ClassifyFile(full, explicitlyNamed: true, errors);
            if (unit is not null) units.Add(unit);
        }
        else if (Directory.Exists(full))
        {
            Walk(new DirectoryInfo(full), 0, units, errors, cancellationToken);
            if (units.Count == 0 && errors.Count == 0)
            {
                errors.Add(new ImportError(full, null, "no agent run found in this folder. Looked for: " + DescribeFormats()));
            }
        }
        else
        {
            errors.Add(new ImportError(full, null, "no such file or folder"));
        }
        return (units, errors);
    }

    public string DescribeFormats() => string.Join("; ", _importers.Select(i => $"{i.Name} ({i.Describes})"));

    private void Walk(DirectoryInfo directory, int depth, List<SourceUnit> units, List<ImportError> errors, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var importer in _importers)
        {
            bool claims;
            try
            {
                claims = importer.ClaimsDirectory(directory);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                errors.Add(new ImportError(directory.FullName, null, $"cannot read the folder: {ex.Message}"));
                return;
            }
            if (claims)
            {
                units.Add(new SourceUnit(directory.FullName, IsDirectory: true, importer));
                return;
            }
        }

        FileInfo[] files;
        DirectoryInfo[] subdirectories;
        try
        {
            files = directory.GetFiles();
            subdirectories = directory.GetDirectories();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ImportError(directory.FullName, null, $"cannot read the folder: {ex.Message}"));
            return;
        }

        foreach (var file in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var unit = ClassifyFile(file.FullName, explicitlyNamed: false, errors);
            if (unit is not null) units.Add(unit);
        }

        if (depth >= _options.MaxDirectoryDepth) return;
        foreach (var sub in subdirectories.OrderBy(d => d.Name, StringComparer.Ordinal))
        {
            if (s_skippedDirectories.Contains(sub.Name) || sub.LinkTarget is not null) continue;
            Walk(sub, depth + 1, units, errors, cancellationToken);
        }
    }

    /// <summary>
    /// Picks the importer for one file. A file the user named that nobody reads is an error; a file met while
    /// walking a folder is skipped quietly, since run folders are full of logs, configs and result files.
    /// </summary>
    private SourceUnit? ClassifyFile(string path, bool explicitlyNamed, List<ImportError> errors)
    {
        FileSniff sniff;
        try
        {
            sniff = FileSniffer.Sniff(path, _options.SniffBytes, explicitlyNamed);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ImportError(path, null, $"cannot read the file: {ex.Message}"));
            return null;
        }

        if (explicitlyNamed)
        {
            if (sniff.Length == 0)
            {
                errors.Add(new ImportError(path, null, "the file is empty"));
                return null;
            }
            if (sniff.LooksBinary)
            {
                errors.Add(new ImportError(path, null, "the file is binary (it holds NUL or control bytes), not a trajectory"));
                return null;
            }
        }
        else if (sniff.Length == 0 || sniff.LooksBinary)
        {
            return null;
        }

        foreach (var importer in _importers)
        {
            if (importer.CanRead(sniff)) return new SourceUnit(path, IsDirectory: false, importer);
        }

        if (explicitlyNamed)
        {
            errors.Add(new ImportError(path, null, "unknown format: no importer recognises this file. Looked for: " + DescribeFormats()));
        }
        return null;
    }
}
