namespace CodeTracer.Core.Rendering;

public enum ShellTokenKind
{
    Text,
    Command,
    Option,
    String,
    Variable,
    Operator,
    Comment,
    Heredoc,
}

/// <summary>A piece of a shell command and what it is, for colouring. The text is the command's own, unchanged.</summary>
public readonly record struct ShellToken(string Text, ShellTokenKind Kind);

/// <summary>
/// A small, forgiving shell tokenizer for highlighting agent commands: command words, options, quoted strings,
/// variables, operators, comments and here-documents. It never fails; anything it does not understand is text.
/// Concatenating the tokens gives back the input exactly.
/// </summary>
public static class ShellHighlighter
{
    /// <summary>Commands longer than this are returned as one text token (highlighting a megabyte helps nobody).</summary>
    public const int MaxHighlightChars = 200_000;

    public static IReadOnlyList<ShellToken> Tokenize(string? command)
    {
        if (string.IsNullOrEmpty(command)) return [];
        if (command.Length > MaxHighlightChars) return [new ShellToken(command, ShellTokenKind.Text)];

        var tokens = new List<ShellToken>();
        var pendingHeredocs = new Queue<(string Delimiter, bool StripTabs)>();
        var atCommandStart = true;
        var i = 0;
        var n = command.Length;

        void Add(int start, int end, ShellTokenKind kind)
        {
            if (end <= start) return;
            if (kind == ShellTokenKind.Text && tokens.Count > 0 && tokens[^1].Kind == ShellTokenKind.Text)
            {
                tokens[^1] = new ShellToken(tokens[^1].Text + command[start..end], ShellTokenKind.Text);
                return;
            }
            tokens.Add(new ShellToken(command[start..end], kind));
        }

        while (i < n)
        {
            var c = command[i];
            if (c == '\n')
            {
                Add(i, i + 1, ShellTokenKind.Text);
                i++;
                atCommandStart = true;
                if (pendingHeredocs.Count > 0) i = ReadHeredocBodies(command, i, pendingHeredocs, Add);
                continue;
            }
            if (c is ' ' or '\t' or '\r')
            {
                var start = i;
                while (i < n && command[i] is ' ' or '\t' or '\r') i++;
                Add(start, i, ShellTokenKind.Text);
                continue;
            }
            if (c == '#' && (i == 0 || char.IsWhiteSpace(command[i - 1]) || command[i - 1] is ';' or '&' or '|'))
            {
                var end = command.IndexOf('\n', i);
                if (end < 0) end = n;
                Add(i, end, ShellTokenKind.Comment);
                i = end;
                continue;
            }
            if (c == '<' && i + 1 < n && command[i + 1] == '<' && (i + 2 >= n || command[i + 2] != '<'))
            {
                var start = i;
                i += 2;
                var stripTabs = i < n && command[i] == '-';
                if (stripTabs) i++;
                Add(start, i, ShellTokenKind.Operator);
                while (i < n && command[i] is ' ' or '\t') i++;
                Add(start + (stripTabs ? 3 : 2), i, ShellTokenKind.Text);
                var wordStart = i;
                var delimiter = ReadWord(command, ref i);
                if (delimiter.Length > 0)
                {
                    Add(wordStart, i, ShellTokenKind.String);
                    pendingHeredocs.Enqueue((Unquote(delimiter), stripTabs));
                }
                continue;
            }
            if (IsOperatorChar(c))
            {
                var start = i;
                while (i < n && IsOperatorChar(command[i]) && i - start < 3) i++;
                // 2>&1, >&2: keep the redirection digits with the operator.
                if (start > 0 && char.IsDigit(command[start - 1]) && tokens.Count > 0 && tokens[^1].Text.All(char.IsDigit))
                {
                    var digits = tokens[^1].Text;
                    tokens.RemoveAt(tokens.Count - 1);
                    start -= digits.Length;
                }
                if (i < n && command[start..i].EndsWith('&') && char.IsDigit(command[i]) && command[start..i].Contains('>')) i++;
                Add(start, i, ShellTokenKind.Operator);
                var op = command[start..i];
                atCommandStart = op is "|" or "||" or "&&" or ";" or "&" or "(" or "|&" or ";;";
                continue;
            }
            if (c == '$')
            {
                var start = i;
                i++;
                if (i < n && command[i] == '{')
                {
                    var close = command.IndexOf('}', i);
                    i = close < 0 ? n : close + 1;
                }
                else if (i < n && command[i] == '\'')
                {
                    i = SkipQuoted(command, i, '\'', allowEscapes: true);
                    Add(start, i, ShellTokenKind.String);
                    atCommandStart = false;
                    continue;
                }
                else if (i < n && command[i] == '(')
                {
                    Add(start, i + 1, ShellTokenKind.Operator);
                    i++;
                    atCommandStart = true;
                    continue;
                }
                else
                {
                    while (i < n && (char.IsLetterOrDigit(command[i]) || command[i] == '_' || (i == start + 1 && command[i] is '?' or '@' or '*' or '#' or '!' or '$' or '-'))) i++;
                }
                Add(start, i, i == start + 1 ? ShellTokenKind.Text : ShellTokenKind.Variable);
                atCommandStart = false;
                continue;
            }
            if (c is '\'' or '"')
            {
                var start = i;
                i = SkipQuoted(command, i, c, allowEscapes: c == '"');
                Add(start, i, ShellTokenKind.String);
                atCommandStart = false;
                continue;
            }

            {
                var start = i;
                while (i < n && !char.IsWhiteSpace(command[i]) && !IsOperatorChar(command[i]) && command[i] is not ('\'' or '"' or '$'))
                {
                    if (command[i] == '\\' && i + 1 < n) i++;
                    i++;
                }
                if (i == start)
                {
                    Add(i, i + 1, ShellTokenKind.Text);
                    i++;
                    continue;
                }
                var word = command[start..i];
                var isAssignment = atCommandStart && word.Contains('=') && !word.StartsWith('=');
                var kind = isAssignment ? ShellTokenKind.Variable
                    : atCommandStart ? ShellTokenKind.Command
                    : word.StartsWith('-') ? ShellTokenKind.Option
                    : ShellTokenKind.Text;
                Add(start, i, kind);
                if (!isAssignment && !IsPrefixCommand(word)) atCommandStart = false;
            }
        }
        return tokens;
    }

    private static bool IsPrefixCommand(string word) => word is "sudo" or "time" or "env" or "nohup" or "exec" or "then" or "do" or "else" or "if" or "while" or "until" or "!" or "timeout";

    private static bool IsOperatorChar(char c) => c is '|' or '&' or ';' or '>' or '<' or '(' or ')';

    private static int SkipQuoted(string text, int start, char quote, bool allowEscapes)
    {
        var i = start + 1;
        while (i < text.Length)
        {
            if (allowEscapes && text[i] == '\\' && i + 1 < text.Length)
            {
                i += 2;
                continue;
            }
            if (text[i] == quote) return i + 1;
            i++;
        }
        return text.Length;
    }

    private static string ReadWord(string text, ref int i)
    {
        var start = i;
        while (i < text.Length && !char.IsWhiteSpace(text[i]) && !IsOperatorChar(text[i]))
        {
            if (text[i] is '\'' or '"') i = SkipQuoted(text, i, text[i], allowEscapes: false);
            else i++;
        }
        return text[start..i];
    }

    private static string Unquote(string word) => word.Replace("'", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal).Replace("\\", "", StringComparison.Ordinal);

    private static int ReadHeredocBodies(string text, int i, Queue<(string Delimiter, bool StripTabs)> pending, Action<int, int, ShellTokenKind> add)
    {
        while (pending.Count > 0)
        {
            var (delimiter, stripTabs) = pending.Dequeue();
            var bodyStart = i;
            while (i < text.Length)
            {
                var lineEnd = text.IndexOf('\n', i);
                var end = lineEnd < 0 ? text.Length : lineEnd;
                var line = text.AsSpan(i, end - i).TrimEnd('\r');
                if (stripTabs) line = line.TrimStart('\t');
                if (line.SequenceEqual(delimiter))
                {
                    add(bodyStart, i, ShellTokenKind.Heredoc);
                    add(i, end, ShellTokenKind.String);
                    i = end;
                    break;
                }
                i = lineEnd < 0 ? text.Length : lineEnd + 1;
                if (i >= text.Length) add(bodyStart, i, ShellTokenKind.Heredoc);
            }
        }
        return i;
    }
}
