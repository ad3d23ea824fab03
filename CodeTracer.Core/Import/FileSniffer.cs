using System.Text;

namespace CodeTracer.Core.Import;

/// <summary>Reads the head of a file for detection by content.</summary>
public static class FileSniffer
{
    public static FileSniff Sniff(string path, int sniffBytes, bool explicitlyNamed = false)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
        var length = stream.Length;
        var buffer = new byte[(int)Math.Min(sniffBytes, length)];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var span = buffer.AsSpan(0, read);
        return new FileSniff
        {
            Path = path,
            Length = length,
            ExplicitlyNamed = explicitlyNamed,
            Head = Encoding.UTF8.GetString(span),
            LooksBinary = LooksBinary(span),
        };
    }

    /// <summary>
    /// A NUL byte, or many control bytes that text never holds, marks a binary file. The real traces are all valid
    /// UTF-8 without NULs, so this rejects pickles, archives and images without rejecting terminal output (ESC, CR are fine).
    /// </summary>
    public static bool LooksBinary(ReadOnlySpan<byte> head)
    {
        if (head.IndexOf((byte)0) >= 0) return true;
        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D or 0x1B or 0x0C or 0x08 or 0x07)) control++;
        }
        return head.Length > 0 && control * 20 > head.Length;
    }
}
