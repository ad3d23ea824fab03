using System.Globalization;
using System.Text;

namespace CodeTracer.Core.Import.Formats.Harness;

/// <summary>
/// Terminal-Bench's <c>commands.txt</c>: the tmux keystrokes the harness typed, one Python list literal per line
/// (<c>['claude --verbose --output-format stream-json -p \'...\'', 'Enter']</c>), which is not JSON.
/// </summary>
internal static class TerminalBenchCommands
{
    /// <summary>The first string of each line's list, unescaped; lines that are not list literals are skipped.</summary>
    public static List<string> Read(string text)
    {
        var commands = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.AsSpan().Trim();
            if (line.Length < 2 || line[0] != '[') continue;
            var rest = line[1..].TrimStart();
            if (TryReadPythonString(rest, out var value)) commands.Add(value);
        }
        return commands;
    }

    /// <summary>True when a command starts Claude Code with stream-json output (how Terminal-Bench runs it).</summary>
    public static bool IsClaudeStreamJson(string command) =>
        command.Contains("claude", StringComparison.Ordinal)
        && (command.Contains("--output-format stream-json", StringComparison.Ordinal) || command.Contains("--output-format=stream-json", StringComparison.Ordinal));

    /// <summary>The prompt given to <c>claude -p</c> / <c>--print</c>, read with shell quoting rules; null when absent.</summary>
    public static string? ClaudePrompt(string command)
    {
        var words = ShellWords(command);
        for (var i = 0; i < words.Count - 1; i++)
        {
            if (words[i] is "-p" or "--print" && !words[i + 1].StartsWith('-')) return words[i + 1];
        }
        return null;
    }

    /// <summary>Reads a Python string literal (single or double quoted) at the start of <paramref name="text"/>.</summary>
    public static bool TryReadPythonString(ReadOnlySpan<char> text, out string value)
    {
        value = "";
        if (text.Length < 2 || text[0] is not ('\'' or '"')) return false;
        var quote = text[0];
        var builder = new StringBuilder(text.Length);
        for (var i = 1; i < text.Length; i++)
        {
            var c = text[i];
            if (c == quote)
            {
                value = builder.ToString();
                return true;
            }
            if (c != '\\' || i + 1 >= text.Length)
            {
                builder.Append(c);
                continue;
            }
            var next = text[++i];
            switch (next)
            {
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case 'r': builder.Append('\r'); break;
                case '\\' or '\'' or '"': builder.Append(next); break;
                case 'x' when i + 2 < text.Length && int.TryParse(text.Slice(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var x):
                    builder.Append((char)x);
                    i += 2;
                    break;
                case 'u' when i + 4 < text.Length && int.TryParse(text.Slice(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var u):
                    builder.Append((char)u);
                    i += 4;
                    break;
                default:
                    // Python keeps unknown escapes as written.
                    builder.Append('\\').Append(next);
                    break;
            }
        }
        return false;
    }

    /// <summary>Splits a POSIX shell command line into words (single quotes, double quotes, backslashes).</summary>
    public static List<string> ShellWords(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c == '\'')
            {
                inWord = true;
                var end = command.IndexOf('\'', i + 1);
                if (end < 0) end = command.Length;
                word.Append(command, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '"')
            {
                inWord = true;
                for (i++; i < command.Length && command[i] != '"'; i++)
                {
                    if (command[i] == '\\' && i + 1 < command.Length && command[i + 1] is '"' or '\\' or '$' or '`') i++;
                    word.Append(command[i]);
                }
            }
            else if (c == '\\' && i + 1 < command.Length)
            {
                inWord = true;
                word.Append(command[++i]);
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else
            {
                inWord = true;
                word.Append(c);
            }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
