using System.Text;

namespace CodeTracer.Core.Tree;

/// <summary>How a simple command is joined to the one before it.</summary>
public enum ShellConnector
{
    /// <summary>The first command of the text, or the first after a newline or <c>;</c>.</summary>
    Sequence = 0,
    /// <summary><c>|</c> or <c>|&amp;</c>: reads the previous command's output.</summary>
    Pipe,
    /// <summary><c>&amp;&amp;</c>: runs when the previous command succeeded.</summary>
    And,
    /// <summary><c>||</c>: runs when the previous command failed.</summary>
    Or,
    /// <summary>The previous command was sent to the background with <c>&amp;</c>.</summary>
    Background,
}

/// <summary>A redirection of a simple command (<c>&gt; f</c>, <c>2&gt;&amp;1</c>, <c>&lt;&lt;EOF</c>, ...).</summary>
public sealed class ShellRedirect
{
    /// <summary>The operator as written: <c>&gt;</c>, <c>&gt;&gt;</c>, <c>&lt;</c>, <c>&lt;&lt;</c>, <c>&lt;&lt;-</c>, <c>&lt;&lt;&lt;</c>, <c>&amp;&gt;</c>, <c>&gt;&amp;</c>, ...</summary>
    public string Operator { get; init; } = "";

    /// <summary>The file descriptor written before the operator (<c>2</c> in <c>2&gt;</c>), when there is one.</summary>
    public int? FileDescriptor { get; init; }

    /// <summary>The target word with quotes removed (a file, <c>&amp;1</c>'s <c>1</c>, or a heredoc delimiter).</summary>
    public string Target { get; init; } = "";

    /// <summary>For heredocs: the body lines, without the delimiter line.</summary>
    public string? HeredocBody { get; set; }

    /// <summary>True for an output redirection that writes a real file (not <c>/dev/null</c>, a descriptor or a terminal).</summary>
    public bool WritesFile
    {
        get
        {
            if (Operator is not (">" or ">>" or ">|" or "&>" or "&>>" or "<>")) return Operator == ">&" && IsFileTarget(Target);
            return IsFileTarget(Target);
        }
    }

    /// <summary>True when the redirection appends rather than truncates.</summary>
    public bool Appends => Operator is ">>" or "&>>";

    private static bool IsFileTarget(string target)
    {
        if (target.Length == 0) return false;
        // ">&2", ">&-" and "2>&1" duplicate descriptors; they write no file.
        if (target == "-" || target.All(char.IsAsciiDigit)) return false;
        return target is not ("/dev/null" or "/dev/stdout" or "/dev/stderr" or "/dev/tty" or "/dev/zero" or "/dev/full")
            && !target.StartsWith("/dev/fd/", StringComparison.Ordinal)
            && !target.StartsWith("/proc/self/fd/", StringComparison.Ordinal);
    }
}

/// <summary>One simple command: its words (quotes removed) and its redirections.</summary>
public sealed class ShellCommand
{
    /// <summary>Words with quoting removed; command and parameter substitutions are kept as written.</summary>
    public List<string> Words { get; } = [];

    public List<ShellRedirect> Redirects { get; } = [];

    public ShellConnector Connector { get; set; }

    /// <summary>Nesting depth inside <c>( ... )</c> subshells and <c>{ ...; }</c> groups.</summary>
    public int Depth { get; set; }

    /// <summary>The first word, or empty.</summary>
    public string Name => Words.Count > 0 ? Words[0] : "";

    public override string ToString() => string.Join(' ', Words) + string.Concat(Redirects.Select(r => $" {r.FileDescriptor}{r.Operator}{r.Target}"));
}

/// <summary>The simple commands read from a piece of shell text.</summary>
public sealed class ShellScript
{
    public List<ShellCommand> Commands { get; } = [];

    /// <summary>True when the text was longer than the reader's limit and only its start was read.</summary>
    public bool Truncated { get; set; }

    /// <summary>True when a quote, substitution or heredoc was still open at the end of the text.</summary>
    public bool Unterminated { get; set; }
}

/// <summary>
/// A small reader for the bash text agents run: quotes, escapes, line continuations, pipelines, <c>&amp;&amp;</c>
/// <c>||</c> <c>;</c> <c>&amp;</c> chains, subshells and groups, <c>$(...)</c> / backtick / <c>${...}</c>
/// substitutions (kept whole so an operator inside them is not taken for a separator), comments, heredocs
/// (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;'EOF'</c>, <c>&lt;&lt;-EOF</c>) and redirections. It does not expand anything
/// and does not need the text to be valid: whatever it cannot make sense of becomes plain words.
/// Control keywords (<c>if</c>, <c>then</c>, <c>do</c>, <c>done</c>, ...) are dropped so the commands inside
/// loops and conditionals are seen as commands; <c>for x in ...</c> and <c>case</c> heads are skipped.
/// </summary>
public static class ShellCommandReader
{
    /// <summary>Text longer than this is read only up to it (heredoc bodies can be whole files).</summary>
    public const int DefaultMaxChars = 256 * 1024;

    private static readonly HashSet<string> s_leadingKeywords = new(StringComparer.Ordinal)
    {
        "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}",
    };

    private static readonly HashSet<string> s_closingKeywords = new(StringComparer.Ordinal)
    {
        "fi", "done", "esac", "}",
    };

    /// <summary>Reads <paramref name="text"/> into simple commands. Never throws.</summary>
    public static ShellScript Read(string? text, int maxChars = DefaultMaxChars)
    {
        var script = new ShellScript();
        if (string.IsNullOrEmpty(text)) return script;
        var source = text;
        if (source.Length > maxChars)
        {
            source = source[..maxChars];
            script.Truncated = true;
        }
        new Parser(source, script).Run();
        return script;
    }

    private static readonly System.Buffers.SearchValues<char> s_special = System.Buffers.SearchValues.Create(" \t\r\n\\'\"`$#;&|()<>");

    private static readonly System.Buffers.SearchValues<char> s_doubleQuoteSpecial = System.Buffers.SearchValues.Create("\"\\$`");

    private sealed class Parser(string text, ShellScript script)
    {
        private readonly string _text = text;
        private readonly ShellScript _script = script;
        private readonly StringBuilder _word = new();
        private readonly List<ShellRedirect> _pendingHeredocs = [];
        private int _pos;
        private int _depth;
        private bool _wordStarted;
        private ShellCommand _current = new();
        private ShellConnector _nextConnector = ShellConnector.Sequence;
        private string? _pendingRedirectOperator;
        private int? _pendingRedirectFd;
        private bool _skipUntilSeparator;
        private bool _inCase;

        public void Run()
        {
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                switch (c)
                {
                    case ' ' or '\t' or '\r':
                        EndWord();
                        _pos++;
                        break;
                    case '\n':
                        EndWord();
                        _pos++;
                        EndCommand(ShellConnector.Sequence);
                        ReadPendingHeredocs();
                        break;
                    case '\\':
                        if (_pos + 1 < _text.Length && _text[_pos + 1] == '\n')
                        {
                            _pos += 2; // line continuation
                        }
                        else if (_pos + 1 < _text.Length && _text[_pos + 1] == '\r' && _pos + 2 < _text.Length && _text[_pos + 2] == '\n')
                        {
                            _pos += 3;
                        }
                        else
                        {
                            if (_pos + 1 < _text.Length) Append(_text[_pos + 1]);
                            _pos += 2;
                        }
                        break;
                    case '\'':
                        ReadSingleQuoted();
                        break;
                    case '"':
                        ReadDoubleQuoted();
                        break;
                    case '`':
                        AppendRaw(ScanBacktick(_pos));
                        break;
                    case '$':
                        ReadDollar();
                        break;
                    case '#' when !_wordStarted:
                        // A comment runs to the end of the line (a '#' inside a word, as in a URL fragment, is literal).
                        while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
                        break;
                    case ';':
                        EndWord();
                        if (Peek(1) == ';')
                        {
                            _pos += 2; // ';;' ends a case branch
                        }
                        else
                        {
                            _pos++;
                        }
                        EndCommand(ShellConnector.Sequence);
                        break;
                    case '&':
                        ReadAmpersand();
                        break;
                    case '|':
                        EndWord();
                        if (Peek(1) == '|')
                        {
                            _pos += 2;
                            EndCommand(ShellConnector.Or);
                        }
                        else
                        {
                            _pos += Peek(1) == '&' ? 2 : 1;
                            EndCommand(ShellConnector.Pipe);
                        }
                        break;
                    case '(':
                        if (_wordStarted)
                        {
                            // "name()" function heads and "=(" array assignments: keep as part of the word.
                            AppendRaw(ScanBalanced(_pos, '(', ')'));
                        }
                        else
                        {
                            EndCommand(ShellConnector.Sequence);
                            _depth++;
                            _pos++;
                        }
                        break;
                    case ')':
                        EndWord();
                        _pos++;
                        if (_inCase)
                        {
                            // "pattern)" in a case branch: drop the pattern words; the branch's command follows.
                            _current.Words.Clear();
                            _skipUntilSeparator = false;
                            break;
                        }
                        EndCommand(ShellConnector.Sequence);
                        if (_depth > 0) _depth--;
                        break;
                    case '<' or '>':
                        ReadRedirect();
                        break;
                    default:
                        // Ordinary characters come in runs: append the run at once.
                        var run = _text.AsSpan(_pos + 1).IndexOfAny(s_special);
                        var end = run < 0 ? _text.Length : _pos + 1 + run;
                        _word.Append(_text, _pos, end - _pos);
                        _wordStarted = true;
                        _pos = end;
                        break;
                }
            }
            EndWord();
            EndCommand(ShellConnector.Sequence);
            if (_pendingHeredocs.Count > 0)
            {
                _script.Unterminated = true;
                foreach (var heredoc in _pendingHeredocs) heredoc.HeredocBody ??= "";
                _pendingHeredocs.Clear();
            }
        }

        private char Peek(int offset) => _pos + offset < _text.Length ? _text[_pos + offset] : '\0';

        private void Append(char c)
        {
            _word.Append(c);
            _wordStarted = true;
        }

        private void AppendRaw(string s)
        {
            _word.Append(s);
            _wordStarted = true;
        }

        private void ReadSingleQuoted()
        {
            var end = _text.IndexOf('\'', _pos + 1);
            if (end < 0)
            {
                _script.Unterminated = true;
                end = _text.Length;
            }
            _word.Append(_text, _pos + 1, end - _pos - 1);
            _wordStarted = true;
            _pos = Math.Min(end + 1, _text.Length);
        }

        private void ReadDoubleQuoted()
        {
            _wordStarted = true;
            _pos++;
            while (_pos < _text.Length)
            {
                var c = _text[_pos];
                if (c == '"')
                {
                    _pos++;
                    return;
                }
                if (c == '\\' && _pos + 1 < _text.Length)
                {
                    var next = _text[_pos + 1];
                    if (next is '"' or '\\' or '$' or '`')
                    {
                        _word.Append(next);
                        _pos += 2;
                        continue;
                    }
                    if (next == '\n')
                    {
                        _pos += 2;
                        continue;
                    }
                    _word.Append(c);
                    _pos++;
                    continue;
                }
                if (c == '$' && Peek(1) is '(' or '{')
                {
                    var open = Peek(1);
                    var raw = ScanBalanced(_pos + 1, open, open == '(' ? ')' : '}');
                    _word.Append('$').Append(raw);
                    continue;
                }
                if (c == '`')
                {
                    _word.Append(ScanBacktick(_pos));
                    continue;
                }
                var run = _text.AsSpan(_pos + 1).IndexOfAny(s_doubleQuoteSpecial);
                var end = run < 0 ? _text.Length : _pos + 1 + run;
                _word.Append(_text, _pos, end - _pos);
                _pos = end;
            }
            _script.Unterminated = true;
        }

        private void ReadDollar()
        {
            var next = Peek(1);
            if (next is '(' or '{')
            {
                var raw = ScanBalanced(_pos + 1, next, next == '(' ? ')' : '}');
                AppendRaw("$" + raw);
                return;
            }
            if (next == '\'')
            {
                // ANSI-C quoting $'...': backslash escapes apply inside; keep the text with its escapes resolved loosely.
                _pos++;
                var start = _pos + 1;
                var i = start;
                while (i < _text.Length && _text[i] != '\'')
                {
                    i += _text[i] == '\\' ? 2 : 1;
                }
                if (i >= _text.Length)
                {
                    _script.Unterminated = true;
                    i = _text.Length;
                }
                _word.Append(_text, start, Math.Min(i, _text.Length) - start);
                _wordStarted = true;
                _pos = Math.Min(i + 1, _text.Length);
                return;
            }
            Append('$');
            _pos++;
        }

        /// <summary>Scans from an opening bracket at <paramref name="start"/> to its match, minding quotes; returns the text and moves past it.</summary>
        private string ScanBalanced(int start, char open, char close)
        {
            var depth = 0;
            var i = start;
            while (i < _text.Length)
            {
                var c = _text[i];
                if (c == '\\')
                {
                    i += 2;
                    continue;
                }
                if (c == '\'' && open == '(')
                {
                    var end = _text.IndexOf('\'', i + 1);
                    i = end < 0 ? _text.Length : end + 1;
                    continue;
                }
                if (c == '"')
                {
                    i++;
                    while (i < _text.Length && _text[i] != '"')
                    {
                        i += _text[i] == '\\' ? 2 : 1;
                    }
                    i++;
                    continue;
                }
                if (c == open)
                {
                    depth++;
                }
                else if (c == close)
                {
                    depth--;
                    if (depth == 0)
                    {
                        i++;
                        break;
                    }
                }
                i++;
            }
            if (depth > 0) _script.Unterminated = true;
            i = Math.Min(i, _text.Length);
            var raw = _text[start..i];
            _pos = i;
            return raw;
        }

        private string ScanBacktick(int start)
        {
            var i = start + 1;
            while (i < _text.Length && _text[i] != '`')
            {
                i += _text[i] == '\\' ? 2 : 1;
            }
            if (i >= _text.Length) _script.Unterminated = true;
            i = Math.Min(i + 1, _text.Length);
            _pos = i;
            return _text[start..i];
        }

        private void ReadAmpersand()
        {
            if (Peek(1) == '&')
            {
                EndWord();
                _pos += 2;
                EndCommand(ShellConnector.And);
                return;
            }
            if (Peek(1) == '>')
            {
                // "&>" and "&>>": stdout and stderr to a file.
                EndWord();
                var op = Peek(2) == '>' ? "&>>" : "&>";
                _pos += op.Length;
                BeginRedirect(op, null);
                return;
            }
            EndWord();
            _pos++;
            EndCommand(ShellConnector.Background);
        }

        private void ReadRedirect()
        {
            // A word made only of digits right before the operator is its file descriptor ("2>", "1>>").
            int? fd = null;
            if (_wordStarted && _word.Length is > 0 and < 3 && IsAllDigits(_word))
            {
                fd = int.Parse(_word.ToString(), System.Globalization.CultureInfo.InvariantCulture);
                _word.Clear();
                _wordStarted = false;
            }
            else
            {
                EndWord();
            }

            var c = _text[_pos];
            string op;
            if (c == '<')
            {
                if (Peek(1) == '(')
                {
                    // Process substitution <(...): a word, not a redirection.
                    AppendRaw("<" + ScanBalanced(_pos + 1, '(', ')'));
                    return;
                }
                op = Peek(1) switch
                {
                    '<' when Peek(2) == '<' => "<<<",
                    '<' when Peek(2) == '-' => "<<-",
                    '<' => "<<",
                    '&' => "<&",
                    '>' => "<>",
                    _ => "<",
                };
            }
            else
            {
                if (Peek(1) == '(')
                {
                    AppendRaw(">" + ScanBalanced(_pos + 1, '(', ')'));
                    return;
                }
                op = Peek(1) switch
                {
                    '>' => ">>",
                    '&' => ">&",
                    '|' => ">|",
                    _ => ">",
                };
            }
            _pos += op.Length;
            BeginRedirect(op, fd);
        }

        private void BeginRedirect(string op, int? fd)
        {
            _pendingRedirectOperator = op;
            _pendingRedirectFd = fd;
        }

        private static bool IsAllDigits(StringBuilder sb)
        {
            for (var i = 0; i < sb.Length; i++)
            {
                if (!char.IsAsciiDigit(sb[i])) return false;
            }
            return true;
        }

        private void EndWord()
        {
            if (!_wordStarted) return;
            var word = _word.ToString();
            _word.Clear();
            _wordStarted = false;

            if (_pendingRedirectOperator is { } op)
            {
                var redirect = new ShellRedirect { Operator = op, FileDescriptor = _pendingRedirectFd, Target = word };
                _pendingRedirectOperator = null;
                _pendingRedirectFd = null;
                _current.Redirects.Add(redirect);
                if (op is "<<" or "<<-") _pendingHeredocs.Add(redirect);
                return;
            }

            if (_skipUntilSeparator) return;

            if (_inCase)
            {
                if (word == "esac")
                {
                    _inCase = false;
                    return;
                }
                if (_current.Words.Count == 0 && word == "in") return;
            }

            if (_current.Words.Count == 0)
            {
                if (word is "for" or "select")
                {
                    _skipUntilSeparator = true;
                    return;
                }
                if (word == "case")
                {
                    _inCase = true;
                    _skipUntilSeparator = true;
                    return;
                }
                if (s_leadingKeywords.Contains(word) || s_closingKeywords.Contains(word)) return;
                if (word == "function")
                {
                    _skipUntilSeparator = true;
                    return;
                }
            }
            _current.Words.Add(word);
        }

        private void EndCommand(ShellConnector nextConnector)
        {
            EndWord();
            _skipUntilSeparator = false;
            if (_pendingRedirectOperator is not null)
            {
                // An operator with no target ("echo >"): keep it so the command is still seen as redirecting.
                _current.Redirects.Add(new ShellRedirect { Operator = _pendingRedirectOperator, FileDescriptor = _pendingRedirectFd });
                _pendingRedirectOperator = null;
                _pendingRedirectFd = null;
            }
            if (_current.Words.Count > 0 || _current.Redirects.Count > 0)
            {
                _current.Connector = _nextConnector;
                _current.Depth = _depth;
                _script.Commands.Add(_current);
                _current = new ShellCommand();
                _nextConnector = nextConnector;
            }
            else if (nextConnector != ShellConnector.Sequence)
            {
                _nextConnector = nextConnector;
            }
        }

        /// <summary>After a newline, the bodies of the heredocs opened on the line just ended follow, in order.</summary>
        private void ReadPendingHeredocs()
        {
            if (_pendingHeredocs.Count == 0) return;
            foreach (var heredoc in _pendingHeredocs)
            {
                var stripTabs = heredoc.Operator == "<<-";
                var delimiter = heredoc.Target;
                var bodyStart = _pos;
                var bodyEnd = _pos;
                StringBuilder? stripped = stripTabs ? new StringBuilder() : null;
                var terminated = false;
                while (_pos < _text.Length)
                {
                    var lineStart = _pos;
                    var lineEnd = _text.IndexOf('\n', _pos);
                    var end = lineEnd < 0 ? _text.Length : lineEnd;
                    var line = _text.AsSpan(_pos, end - _pos);
                    if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
                    var compare = stripTabs ? line.TrimStart('\t') : line;
                    _pos = lineEnd < 0 ? _text.Length : lineEnd + 1;
                    // Agents often put the closing delimiter with trailing spaces; bash would not accept it, so the
                    // body would run on. Accept it: what the agent meant is what matters for reading its intent.
                    if (compare.SequenceEqual(delimiter) || (delimiter.Length > 0 && compare.TrimEnd().SequenceEqual(delimiter)))
                    {
                        terminated = true;
                        break;
                    }
                    if (stripped is not null)
                    {
                        if (lineStart > bodyStart) stripped.Append('\n');
                        stripped.Append(compare);
                    }
                    bodyEnd = lineStart + line.Length;
                }
                // The body is one stretch of the text (taken whole, without copying line by line) unless tabs are stripped.
                heredoc.HeredocBody = stripped?.ToString() ?? _text[bodyStart..Math.Max(bodyStart, bodyEnd)];
                if (!terminated) _script.Unterminated = true;
            }
            _pendingHeredocs.Clear();
        }
    }
}
