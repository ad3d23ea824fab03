using System.IO.Compression;

namespace CodeTracer.Web.Services;

/// <summary>Thrown when an uploaded zip is refused; the message says which entry and why.</summary>
public sealed class UnsafeZipException : Exception
{
    public UnsafeZipException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// Extracts an uploaded zip without trusting it: no entry may land outside the target folder (absolute paths and
/// <c>..</c> are refused, "zip slip"), the entry count is capped, and the bytes written are counted while copying
/// (a zip bomb's headers can lie about sizes). Entries are written as plain files: no links, no permissions.
/// Any refusal rejects the whole archive and removes what was written.
/// </summary>
public static class SafeZipExtractor
{
    public static int Extract(string zipPath, string targetFolder, int maxEntries, long maxTotalBytes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(targetFolder);
        try
        {
            return ExtractCore(zipPath, targetFolder, maxEntries, maxTotalBytes, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or UnsafeZipException or IOException)
        {
            TryDelete(targetFolder);
            if (ex is UnsafeZipException) throw;
            throw new UnsafeZipException(ex is InvalidDataException ? $"it is not a readable zip archive ({ex.Message})" : $"it could not be extracted: {ex.Message}", ex);
        }
        catch
        {
            TryDelete(targetFolder);
            throw;
        }
    }

    private static int ExtractCore(string zipPath, string targetFolder, int maxEntries, long maxTotalBytes, CancellationToken cancellationToken)
    {
        using var archive = ZipFile.OpenRead(zipPath);
        if (archive.Entries.Count > maxEntries)
        {
            throw new UnsafeZipException($"it holds {archive.Entries.Count:N0} entries; at most {maxEntries:N0} are accepted (Web:MaxZipEntries)");
        }

        // Check every name before writing anything, so a hostile entry at the end leaves nothing behind.
        var plan = new List<(ZipArchiveEntry Entry, string FullPath)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
        {
            if (entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\')) continue;
            if (!UploadPaths.TryNormalize(entry.FullName, out var relative, out var why))
            {
                throw new UnsafeZipException($"entry '{Printable(entry.FullName)}' was refused: {why}; nothing from this zip was imported");
            }
            var full = UploadPaths.Combine(targetFolder, relative)
                ?? throw new UnsafeZipException($"entry '{Printable(entry.FullName)}' would be written outside the upload folder; nothing from this zip was imported");
            if (!seen.Add(full))
            {
                throw new UnsafeZipException($"entry '{Printable(entry.FullName)}' appears twice; nothing from this zip was imported");
            }
            plan.Add((entry, full));
        }

        long total = 0;
        var buffer = new byte[81920];
        foreach (var (entry, full) in plan)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using var source = entry.Open();
            using var target = new FileStream(full, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            int read;
            while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                if (total > maxTotalBytes)
                {
                    throw new UnsafeZipException($"it expands to more than {UploadPaths.FormatBytes(maxTotalBytes)} (Web:MaxZipUncompressedBytes); nothing from this zip was imported");
                }
                target.Write(buffer, 0, read);
            }
        }
        return plan.Count;
    }

    private static string Printable(string name)
    {
        var clean = new string(name.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 200 ? clean[..200] + "..." : clean;
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The whole upload folder is removed when the upload ends.
        }
    }
}
