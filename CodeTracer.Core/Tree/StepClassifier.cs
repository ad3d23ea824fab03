using System.Text;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>
/// Gives every tool call and step its kind (read, search, run, test, edit, create, install, git, think, message,
/// submit), its effect (change or explore) and the files it touches. Tool-aware first: Claude Code's tools, the
/// SWE-agent ACI, OpenHands actions (V0 and V1), Terminus keystrokes and mini-SWE-agent's bash are recognised by name
/// and structured arguments; shell text is then read by <see cref="ShellCommandClassifier"/>.
/// A step's kind is that of its most significant call; its effect is change when any call changes state.
/// </summary>
public sealed class StepClassifier
{
    private readonly TreeOptions _options;

    public StepClassifier(TreeOptions options)
    {
        _options = options;
    }

    /// <summary>Classifies every step and tool call of <paramref name="run"/> in place.</summary>
    public void Classify(Run run) => ClassifyWithFacts(run);

    /// <summary>Classifies the run and returns what was learned per call, for signal detection and segmentation.</summary>
    internal CallFacts[][] ClassifyWithFacts(Run run)
    {
        var state = new RunState(run.Framework);
        var rawActions = run.Format == RunFormats.CodeTracerNormalized;
        var shell = new ShellCommandClassifier(_options.MaxShellCommandChars, state);
        var result = new CallFacts[run.Steps.Count][];
        for (var s = 0; s < run.Steps.Count; s++)
        {
            var step = run.Steps[s];
            var calls = new CallFacts[step.ToolCalls.Count];
            var stepKind = StepKind.Unknown;
            var stepRank = -1;
            var stepEffect = StepEffect.Explore;
            for (var c = 0; c < step.ToolCalls.Count; c++)
            {
                var call = step.ToolCalls[c];
                var facts = rawActions ? ClassifyRawCall(call, state, shell) : ClassifyCall(call, state, shell);
                calls[c] = facts;
                call.Kind = facts.Kind;
                call.Effect = facts.Effect;
                call.FilesTouched = FilesOf(facts);
                call.DecodedAction = rawActions && facts.Display is { } display && !string.Equals(display, call.Command, StringComparison.Ordinal) ? display : null;
                if (facts.KindRank > stepRank)
                {
                    stepRank = facts.KindRank;
                    stepKind = facts.Kind;
                }
                if (facts.Effect == StepEffect.Change) stepEffect = StepEffect.Change;
                state.Learn(facts);
            }
            if (step.ToolCalls.Count == 0)
            {
                // A turn with only text: the agent talking (or a marker such as a context condensation).
                stepKind = StepKind.Message;
            }
            step.Kind = stepKind;
            step.Effect = stepEffect;
            result[s] = calls;
        }
        return result;
    }

    /// <summary>The files a call touched, each once, in first-seen order (at most 32).</summary>
    private static List<string> FilesOf(CallFacts facts)
    {
        var files = new List<string>();
        foreach (var file in facts.AllFiles)
        {
            if (file.Length == 0 || files.Contains(file)) continue;
            files.Add(file);
            if (files.Count == 32) break;
        }
        return files;
    }

    /// <summary>A call whose command is a raw artifact (CodeTracer's normalized steps): classify the actions inside it.</summary>
    private static CallFacts ClassifyRawCall(ToolCall call, RunState state, ShellCommandClassifier shell)
    {
        if (RawActionDecoder.Decode(call.Command) is not { } inner) return ClassifyCall(call, state, shell);
        if (inner.Count == 1) return ClassifyCall(inner[0], state, shell);
        // Every action the artifact holds, one per line (a Terminus batch sends several keystroke lines).
        var facts = new CallFacts { Display = inner.Count > 0 ? string.Join('\n', inner.Take(8).Select(c => c.Command ?? c.Tool)) : "(no action)" };
        if (inner.Count == 0)
        {
            // A response without commands: the agent only wrote (or the harness could not parse it).
            facts.Is(StepKind.Message);
            facts.Normalized = "";
            return facts;
        }
        var allWait = true;
        var normalized = new List<string>(inner.Count);
        foreach (var part in inner)
        {
            var partFacts = ClassifyCall(part, state, shell);
            facts.Absorb(partFacts);
            allWait &= partFacts.IsWait;
            normalized.Add(partFacts.Normalized);
            state.Learn(partFacts);
        }
        facts.IsWait = allWait;
        facts.Normalized = string.Join('\u001e', normalized);
        return facts;
    }

    private static CallFacts ClassifyCall(ToolCall call, RunState state, ShellCommandClassifier shell)
    {
        var facts = new CallFacts();
        var tool = NormalizeTool(call.Tool);
        using var args = ToolArguments.Parse(call.Arguments);
        facts.Normalized = Normalize(call);
        facts.Display = call.Command;

        switch (tool)
        {
            // ---- shells ----
            case "bash" or "sh" or "shell" or "zsh" or "executebash" or "executebashaction" or "run" or "terminal" or "terminalaction"
                or "cmdrun" or "cmdrunaction" or "runcommand" or "execute" or "executecommand" or "exec" or "command" or "runterminalcmd"
                or "runshellcommand" or "shellcommand" or "localshell" or "container.exec":
                ClassifyShellText(call.Command ?? args.String("command") ?? args.String("cmd"), facts, state, shell);
                break;
            case "keystrokes" or "bashcommand" or "sendkeys" or "tmux" or "tmuxsendkeys":
                ClassifyKeystrokes(call.Command ?? args.String("keystrokes") ?? args.String("command") ?? args.String("keys"), facts, state, shell);
                break;
            case "runipython" or "executeipythoncell" or "ipython" or "ipythonruncell" or "ipythonruncellaction" or "jupyter" or "notebook" or "pythoninterpreter" or "executecode" or "codeinterpreter":
                ClassifyIpython(call.Command ?? args.String("code") ?? "", facts, shell);
                break;
            case "bashoutput" or "bashoutputtool" or "taskoutput":
                facts.Is(StepKind.Read);
                break;
            case "killbash" or "killshell":
                facts.Is(StepKind.Run, StepEffect.Change);
                break;

            // ---- file tools ----
            case "read" or "readfile" or "view" or "viewfile" or "fileread" or "filereadaction" or "notebookread" or "cat" or "openfile" or "filemap" or "readmanyfiles":
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                AddPath(facts.Reads, args.String("file_path") ?? args.String("path") ?? args.String("notebook_path") ?? args.String("absolute_path") ?? PathFromCommand(call.Command, tool));
                break;
            case "write" or "writefile" or "createfile" or "filewrite" or "filewriteaction" or "writetofile":
                ClassifyWrite(args.String("file_path") ?? args.String("path") ?? args.String("filename"), args.String("content") ?? args.String("file_text") ?? args.String("contents"), facts);
                break;
            case "strreplaceeditor" or "fileeditor" or "fileeditoraction" or "strreplacebasededittool" or "texteditor" or "editfile" or "fileedit" or "fileeditaction"
                or "editor" or "strreplace" or "applypatch" or "multiedit" or "notebookedit" or "edit" or "replaceinfile" or "searchreplace":
                if (tool == "edit" && !args.HasAny && call.Command is { } aciEdit && IsAciCommand(FirstWord(aciEdit), state))
                {
                    ClassifyAci(aciEdit, facts, state);
                }
                else
                {
                    ClassifyEditor(tool, args, call.Command, facts, state);
                }
                break;
            case "create" when !args.HasAny && call.Command is { } aciCreate && FirstWord(aciCreate) == "create":
                ClassifyAci(aciCreate, facts, state);
                break;
            case "create":
                ClassifyWrite(args.String("path") ?? args.String("filename") ?? args.String("file_path"), args.String("file_text") ?? args.String("content"), facts);
                break;
            case "insert":
                facts.Is(StepKind.Edit, StepEffect.Change);
                facts.IsEditorCall = true;
                AddPath(facts.Writes, args.String("path") ?? state.OpenFile);
                break;

            // ---- search ----
            case "grep" or "glob" or "ls" or "listfiles" or "listdirectory" or "listdir" or "searchfiles" or "findfiles" or "searchdir" or "searchfile"
                or "findfile" or "codebasesearch" or "search" or "filesearch" or "grepsearch" or "ripgrep" or "find" or "semanticsearch" or "websearch"
                or "toolsearch" or "lsp":
                facts.Is(StepKind.Search);
                if (tool is "searchfile") AddPath(facts.Reads, args.String("path") ?? args.String("file") ?? state.OpenFile);
                break;
            case "webfetch" or "fetch" or "browse" or "browser" or "readurl" or "fetchurl":
                facts.Is(StepKind.Read);
                break;
            case "open" or "goto" or "scrollup" or "scrolldown" when args.HasAny:
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                var opened = args.String("path") ?? args.String("file");
                if (tool == "open" && opened is not null) state.OpenFile = opened;
                AddPath(facts.Reads, opened ?? state.OpenFile);
                break;

            // ---- thinking, talking, finishing ----
            case "think" or "thinkaction" or "todowrite" or "todoread" or "tasktracker" or "tasktrackeraction" or "exitplanmode" or "plan" or "updateplan" or "sequentialthinking" or "scratchpad" or "note":
                facts.Is(StepKind.Think);
                break;
            case "message" or "messageaction" or "sendmessage" or "askuser" or "askuserquestion" or "askfollowupquestion" or "recall" or "system" or "condensation" or "condensationaction" or "agentcondensationaction" or "changeagentstate":
                facts.Is(StepKind.Message);
                break;
            case "submit" or "finish" or "finishaction" or "agentfinishaction" or "marktaskcomplete" or "taskcomplete" or "completetask" or "attemptcompletion"
                or "exitcost" or "exitcontext" or "exitformat" or "exiterror" or "exitforfeit" or "exitapi" or "exit" or "done" or "endtask":
                facts.Is(StepKind.Submit);
                break;
            case "formaterror":
                facts.Is(StepKind.Message);
                facts.IsFormatError = true;
                break;
            case "harnessmessage":
                facts.Is(StepKind.Message);
                break;
            case "task" or "agent" or "delegate" or "agentdelegateaction" or "subagent" or "dispatchagent":
                facts.Is(StepKind.Run);
                break;

            default:
                if (tool.StartsWith("browser", StringComparison.Ordinal) || tool.StartsWith("browse", StringComparison.Ordinal))
                {
                    ClassifyBrowser(tool, args, facts);
                }
                else if (!string.IsNullOrWhiteSpace(call.Command) || args.String("command") is not null)
                {
                    // Unknown or unnamed tool with a command: the SWE-agent ACI if it looks like it, else shell text.
                    ClassifyShellText(call.Command ?? args.String("command"), facts, state, shell);
                }
                else
                {
                    facts.Is(StepKind.Run);
                }
                break;
        }

        if (facts.KindRank < 0) facts.Is(StepKind.Run);
        return facts;
    }

    private static void ClassifyShellText(string? text, CallFacts facts, RunState state, ShellCommandClassifier shell)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            facts.Is(StepKind.Run);
            facts.IsWait = true;
            return;
        }
        var first = FirstWord(text);
        if (IsAciCommand(first, state))
        {
            ClassifyAci(text, facts, state);
            return;
        }
        shell.Classify(text, facts);
    }

    /// <summary>tmux key names Terminus sends (C-c, Escape, Enter, ...): pressing a key, not running a command.</summary>
    private static readonly HashSet<string> s_keyNames = new(StringComparer.Ordinal)
    {
        "C-c", "C-d", "C-z", "C-l", "C-a", "C-e", "C-u", "C-k", "C-w", "C-r", "C-x", "C-o", "C-s", "C-q", "C-\\", "C-[", "C-]", "^C", "^D",
        "Escape", "Esc", "Enter", "Return", "KPEnter", "Tab", "BTab", "Space", "BSpace", "Up", "Down", "Left", "Right", "Home", "End",
        "PageUp", "PageDown", "PgUp", "PgDn", "NPage", "PPage", "DC", "IC", "q", "y", "n", "Y", "N", ":q", ":q!", ":wq", ":x", "ZZ", "yes", "no",
    };

    private static void ClassifyKeystrokes(string? text, CallFacts facts, RunState state, ShellCommandClassifier shell)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0 || s_keyNames.Contains(trimmed))
        {
            facts.Is(StepKind.Run);
            facts.IsWait = true;
            return;
        }
        ClassifyShellText(text, facts, state, shell);
    }

    private static void ClassifyIpython(string code, CallFacts facts, ShellCommandClassifier shell)
    {
        // Lines starting with "!" or "%" are shell commands and magics; the rest is Python.
        var python = new StringBuilder();
        foreach (var raw in code.Split('\n'))
        {
            var line = raw.TrimStart();
            if (line.StartsWith('!'))
            {
                shell.Classify(line[1..], facts);
            }
            else if (line.StartsWith("%pip ", StringComparison.Ordinal) || line.StartsWith("%conda ", StringComparison.Ordinal))
            {
                shell.Classify(line[1..], facts);
            }
            else if (line.StartsWith("%%bash", StringComparison.Ordinal) || line.StartsWith("%%sh", StringComparison.Ordinal))
            {
                shell.Classify(code[(code.IndexOf('\n') + 1)..], facts);
                return;
            }
            else
            {
                python.Append(raw).Append('\n');
            }
        }
        ShellCommandClassifier.ClassifyCode(python.ToString(), facts);
    }

    private static void ClassifyWrite(string? path, string? content, CallFacts facts)
    {
        facts.Is(StepKind.Create, StepEffect.Change);
        facts.IsEditorCall = true;
        if (!string.IsNullOrEmpty(path))
        {
            facts.Writes.Add(path);
            if (content is not null) facts.Contents.Add(new WrittenContent(path, content));
        }
    }

    private static void ClassifyEditor(string tool, ToolArguments args, string? commandText, CallFacts facts, RunState state)
    {
        var path = args.String("file_path") ?? args.String("path") ?? args.String("notebook_path") ?? args.String("filename") ?? args.String("target_file");
        var command = args.String("command")?.Trim();
        var oldText = args.String("old_string") ?? args.String("old_str") ?? args.String("search");
        var newText = args.String("new_string") ?? args.String("new_str") ?? args.String("replace") ?? args.String("replacement");

        if (command is null && args.HasAny is false && commandText is not null)
        {
            // A rendering such as "str_replace_editor view /repo/x.py" or "view /repo/x.py".
            var words = ShellCommandReader.Read(commandText).Commands.FirstOrDefault()?.Words ?? [];
            var offset = words.Count > 0 && NormalizeTool(words[0]) == tool ? 1 : 0;
            if (words.Count > offset) command = words[offset];
            if (words.Count > offset + 1) path ??= words[offset + 1];
            oldText ??= WordAfter(words, "--old_str");
            newText ??= WordAfter(words, "--new_str");
        }

        facts.IsEditorCall = true;
        switch (command)
        {
            case "view" or "read" or "show":
                if (path is not null && LooksLikeDirectory(path))
                {
                    // Viewing a folder lists it.
                    facts.Is(StepKind.Search);
                    return;
                }
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                AddPath(facts.Reads, path);
                return;
            case "create" or "write" or "overwrite":
                ClassifyWrite(path, args.String("file_text") ?? args.String("content"), facts);
                return;
            case "undo_edit" or "undo":
                facts.Is(StepKind.Edit, StepEffect.Change);
                AddPath(facts.Writes, path);
                if (path is not null) facts.RevertedFiles.Add(path);
                facts.UndoesLastEdit = true;
                return;
        }

        if (command is null && oldText is null && args.String("file_text") is { } text && tool is not ("edit" or "multiedit"))
        {
            ClassifyWrite(path, text, facts);
            return;
        }

        facts.Is(StepKind.Edit, StepEffect.Change);
        path ??= state.OpenFile;
        AddPath(facts.Writes, path);
        if (oldText is not null && newText is not null) facts.Replacements.Add(new Replacement(path, oldText, newText));
        foreach (var (o, n) in args.Edits())
        {
            facts.Replacements.Add(new Replacement(path, o, n));
        }
    }

    private static void ClassifyBrowser(string tool, ToolArguments args, CallFacts facts)
    {
        // Looking at pages is reading; clicking, typing and submitting forms changes the web application's state.
        var action = tool + " " + (args.String("browser_actions") ?? args.String("action") ?? "");
        if (action.Contains("click", StringComparison.OrdinalIgnoreCase) || action.Contains("type", StringComparison.OrdinalIgnoreCase)
            || action.Contains("fill", StringComparison.OrdinalIgnoreCase) || action.Contains("select_option", StringComparison.OrdinalIgnoreCase)
            || action.Contains("upload", StringComparison.OrdinalIgnoreCase) || action.Contains("press", StringComparison.OrdinalIgnoreCase))
        {
            facts.Is(StepKind.Run, StepEffect.Change);
        }
        else
        {
            facts.Is(StepKind.Read);
        }
    }

    // ---------------- SWE-agent ACI ----------------

    private static readonly HashSet<string> s_aciOnly = new(StringComparer.Ordinal)
    {
        "goto", "scroll_up", "scroll_down", "search_dir", "search_file", "find_file", "str_replace_editor", "filemap", "submit",
        "exit_cost", "exit_context", "exit_format", "exit_error", "exit_forfeit", "exit_api", "end_of_edit",
        "disassemble", "decompile", "debug_start", "debug_add_breakpoint", "debug_continue", "debug_step", "debug_exec", "debug_stop",
        "connect_start", "connect_sendline", "connect_exec", "connect_stop",
    };

    /// <summary>ACI words that are also ordinary words or programs: only taken as ACI in SWE-agent runs.</summary>
    private static readonly HashSet<string> s_aciShared = new(StringComparer.Ordinal) { "open", "edit", "create", "insert", "append" };

    private static bool IsAciCommand(string first, RunState state) =>
        s_aciOnly.Contains(first) || (state.AciFramework && s_aciShared.Contains(first));

    private static void ClassifyAci(string text, CallFacts facts, RunState state)
    {
        var firstLineEnd = text.IndexOf('\n');
        var firstLine = (firstLineEnd < 0 ? text : text[..firstLineEnd]).Trim();
        var words = ShellCommandReader.Read(firstLine).Commands.FirstOrDefault()?.Words ?? [];
        var name = words.Count > 0 ? words[0] : "";
        var arg1 = words.Count > 1 ? words[1] : null;

        switch (name)
        {
            case "open":
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                if (arg1 is not null)
                {
                    state.OpenFile = arg1;
                    facts.Reads.Add(arg1);
                }
                break;
            case "goto" or "scroll_up" or "scroll_down":
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                AddPath(facts.Reads, state.OpenFile);
                break;
            case "filemap":
                facts.Is(StepKind.Read);
                facts.OutputIsFileContent = true;
                AddPath(facts.Reads, arg1);
                break;
            case "search_dir" or "find_file":
                facts.Is(StepKind.Search);
                break;
            case "search_file":
                facts.Is(StepKind.Search);
                AddPath(facts.Reads, words.Count > 2 ? words[2] : state.OpenFile);
                break;
            case "create":
                facts.Is(StepKind.Create, StepEffect.Change);
                facts.IsEditorCall = true;
                if (arg1 is not null)
                {
                    state.OpenFile = arg1;
                    facts.Writes.Add(arg1);
                    facts.Contents.Add(new WrittenContent(arg1, ""));
                }
                break;
            case "edit" or "insert" or "append" or "end_of_edit":
                facts.Is(StepKind.Edit, StepEffect.Change);
                facts.IsEditorCall = true;
                AddPath(facts.Writes, state.OpenFile);
                break;
            case "str_replace_editor":
                using (var none = ToolArguments.Parse(null))
                {
                    ClassifyEditor("strreplaceeditor", none, text, facts, state);
                }
                break;
            case "submit" or "exit_cost" or "exit_context" or "exit_format" or "exit_error" or "exit_forfeit" or "exit_api":
                facts.Is(StepKind.Submit);
                break;
            case "disassemble" or "decompile":
                facts.Is(StepKind.Read);
                AddPath(facts.Reads, arg1);
                break;
            default:
                // EnIGMA debug_* / connect_*: driving a debugger or a remote service.
                facts.Is(StepKind.Run);
                break;
        }
    }

    // ---------------- helpers ----------------

    /// <summary>Lower-case, without separators: <c>str_replace_editor</c>, <c>StrReplaceEditor</c> and <c>str-replace-editor</c> read the same.</summary>
    internal static string NormalizeTool(string? tool)
    {
        if (string.IsNullOrEmpty(tool)) return "";
        // A run uses a handful of tool names thousands of times: normalise each once.
        if (s_toolNames.TryGetValue(tool, out var known)) return known;
        var normalized = NormalizeToolCore(tool);
        if (s_toolNames.Count < 4096) s_toolNames.TryAdd(tool, normalized);
        return normalized;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> s_toolNames = new(StringComparer.Ordinal);

    private static string NormalizeToolCore(string tool)
    {
        var sb = new StringBuilder(tool.Length);
        foreach (var c in tool)
        {
            if (char.IsLetterOrDigit(c) || c == '.') sb.Append(char.ToLowerInvariant(c));
        }
        var name = sb.ToString();
        // "functions.Read", "mcp__server__tool": keep the last segment.
        var dot = name.LastIndexOf('.');
        if (dot >= 0 && dot < name.Length - 1 && name != "container.exec") name = name[(dot + 1)..];
        return name;
    }

    private static string FirstWord(string text)
    {
        var span = text.AsSpan().TrimStart();
        var end = span.IndexOfAny(" \t\r\n");
        return (end < 0 ? span : span[..end]).ToString();
    }

    private static string? WordAfter(List<string> words, string option)
    {
        var i = words.IndexOf(option);
        return i >= 0 && i + 1 < words.Count ? words[i + 1] : null;
    }

    private static string? PathFromCommand(string? command, string tool)
    {
        if (string.IsNullOrWhiteSpace(command)) return null;
        var words = ShellCommandReader.Read(command).Commands.FirstOrDefault()?.Words;
        if (words is null || words.Count == 0) return null;
        var offset = NormalizeTool(words[0]) == tool ? 1 : 0;
        return words.Count > offset && !words[offset].StartsWith('-') ? words[offset] : null;
    }

    /// <summary>A path whose last segment has no extension and is lower-case (<c>/repo/src</c>), unlike <c>Makefile</c> or <c>README</c>.</summary>
    private static bool LooksLikeDirectory(string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed.Length != path.Length) return true;
        var name = ShellCommandClassifier.Base(trimmed);
        return name.Length > 0 && !name.Contains('.') && !name.Any(char.IsUpper);
    }

    private static void AddPath(List<string> list, string? path)
    {
        if (!string.IsNullOrWhiteSpace(path)) list.Add(path.Trim());
    }

    /// <summary>
    /// A fingerprint of the action: its tool, then a 64-bit FNV-1a hash of its text with whitespace runs collapsed,
    /// so two identical actions compare equal without keeping copies of heredocs and file contents around. The
    /// arguments count too when there are any: "view x.py" with two different line ranges is not a repeat.
    /// </summary>
    private static string Normalize(ToolCall call)
    {
        const ulong Offset = 14695981039346656037UL;
        const ulong Prime = 1099511628211UL;
        var hash = Offset;
        var length = 0;
        var pendingSpace = false;
        // Short texts (one command line) are compared with whitespace runs collapsed ("ls  -la" is "ls -la"); longer
        // ones (scripts, heredocs, file contents) by a fast hash of their trimmed text: its first 16 KB, last 4 KB and length.
        void Feed(string? text)
        {
            if (text is null) return;
            if (text.Length <= 256)
            {
                FeedSpan(text);
                return;
            }
            var trimmed = text.AsSpan().Trim();
            var fast = new HashCode();
            fast.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(trimmed[..Math.Min(trimmed.Length, 16 * 1024)]));
            fast.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(trimmed[Math.Max(0, trimmed.Length - 4 * 1024)..]));
            fast.Add(trimmed.Length);
            hash = (hash ^ (uint)fast.ToHashCode()) * Prime;
            hash = (hash ^ (ulong)trimmed.Length) * Prime;
            length += trimmed.Length;
        }
        void FeedSpan(ReadOnlySpan<char> text)
        {
            foreach (var c in text)
            {
                if (char.IsWhiteSpace(c))
                {
                    pendingSpace = length > 0;
                    continue;
                }
                if (pendingSpace)
                {
                    hash = (hash ^ ' ') * Prime;
                    length++;
                    pendingSpace = false;
                }
                hash = (hash ^ c) * Prime;
                length++;
            }
        }
        Feed(call.Command);
        if (!string.IsNullOrWhiteSpace(call.Arguments))
        {
            pendingSpace = false;
            hash = (hash ^ 0x1F) * Prime;
            Feed(call.Arguments);
        }
        return length == 0 ? "" : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{NormalizeTool(call.Tool)}\u001f{length}\u001f{hash:x16}");
    }

    /// <summary>What classification remembers across the steps of one run.</summary>
    private sealed class RunState(string framework) : IRunMemory
    {
        private readonly Dictionary<string, List<string>> _writerScripts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<string>> _patches = new(StringComparer.Ordinal);

        /// <summary>SWE-agent's ACI reuses ordinary words (open, edit, create); only read them as ACI there.</summary>
        public bool AciFramework { get; } = framework is Frameworks.SweAgent or "" or Frameworks.CodeTracer;

        /// <summary>The file the SWE-agent ACI has open (its <c>edit</c> and <c>goto</c> act on it).</summary>
        public string? OpenFile { get; set; }

        /// <summary>For a script the run wrote with code that writes files, the files its code names; null otherwise.</summary>
        public IReadOnlyList<string>? WriterScriptTargets(string path)
        {
            if (_writerScripts.Count == 0) return null;
            return _writerScripts.GetValueOrDefault(path) ?? _writerScripts.GetValueOrDefault(ShellCommandClassifier.Base(path));
        }

        public IReadOnlyList<string>? PatchTargets(string path)
        {
            if (_patches.Count == 0) return null;
            return _patches.GetValueOrDefault(path) ?? _patches.GetValueOrDefault(ShellCommandClassifier.Base(path));
        }

        public void Learn(CallFacts facts)
        {
            foreach (var written in facts.Contents)
            {
                var file = written.File;
                var name = ShellCommandClassifier.Base(file);
                if (written.IsDiff)
                {
                    _patches[file] = written.Targets;
                    _patches[name] = written.Targets;
                    continue;
                }
                if (written.WritesFiles)
                {
                    _writerScripts[file] = written.Targets;
                    _writerScripts[name] = written.Targets;
                }
                else
                {
                    _writerScripts.Remove(file);
                    _writerScripts.Remove(name);
                }
            }
        }
    }
}

/// <summary>A tool call's JSON arguments, parsed on first use and once; string fields read by name. Never throws on bad JSON.</summary>
internal sealed class ToolArguments : IDisposable
{
    private readonly string? _json;
    private JsonDocument? _document;
    private bool _parsed;

    private ToolArguments(string? json) => _json = json;

    /// <summary>True when the arguments are a JSON object with at least one property.</summary>
    public bool HasAny => Document is { } document && document.RootElement.EnumerateObject().Any();

    private JsonDocument? Document
    {
        get
        {
            if (_parsed) return _document;
            _parsed = true;
            _document = TryParse(_json);
            return _document;
        }
    }

    public static ToolArguments Parse(string? json) => new(json);

    private static JsonDocument? TryParse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        var span = json.AsSpan().TrimStart();
        if (span.Length == 0 || span[0] != '{') return null;
        try
        {
            var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind == JsonValueKind.Object) return document;
            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A top-level string property (numbers and booleans as their JSON text); null when absent, null or "None".</summary>
    public string? String(string name)
    {
        if (Document is not { } document || !document.RootElement.TryGetProperty(name, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { } s && s != "None" ? s : null,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
            _ => null,
        };
    }

    /// <summary>Claude Code MultiEdit's <c>edits[]</c> old/new pairs.</summary>
    public IEnumerable<(string Old, string New)> Edits()
    {
        if (Document is not { } document || !document.RootElement.TryGetProperty("edits", out var edits) || edits.ValueKind != JsonValueKind.Array) yield break;
        foreach (var edit in edits.EnumerateArray())
        {
            if (edit.ValueKind != JsonValueKind.Object) continue;
            var o = edit.TryGetProperty("old_string", out var ov) && ov.ValueKind == JsonValueKind.String ? ov.GetString() : null;
            var n = edit.TryGetProperty("new_string", out var nv) && nv.ValueKind == JsonValueKind.String ? nv.GetString() : null;
            if (o is not null && n is not null) yield return (o, n);
        }
    }

    public void Dispose() => _document?.Dispose();
}
