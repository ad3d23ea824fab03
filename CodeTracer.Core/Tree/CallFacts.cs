using CodeTracer.Core.Model;

namespace CodeTracer.Core.Tree;

/// <summary>
/// What classification learned about one tool call, beyond its kind and effect: which files it reads, writes or runs,
/// the text it replaced, whole contents it wrote, what it reverted. Signal detection and stage segmentation read
/// these instead of parsing the command again.
/// </summary>
internal sealed class CallFacts
{
    /// <summary>The most significant kind seen so far (see <see cref="Significance"/>).</summary>
    public StepKind Kind { get; private set; } = StepKind.Unknown;

    /// <summary>Change when any part of the call changes state.</summary>
    public StepEffect Effect { get; private set; }

    /// <summary>Rank of <see cref="Kind"/> with the effect it was seen with.</summary>
    public int KindRank { get; private set; } = -1;

    public List<string> Reads => _reads ??= [];

    private List<string>? _reads;

    public List<string> Writes => _writes ??= [];

    private List<string>? _writes;

    /// <summary>Scripts or programs the call runs by path (<c>python repro.py</c>, <c>./run.sh</c>).</summary>
    public List<string> Executes => _executes ??= [];

    private List<string>? _executes;

    /// <summary>Whole-file copies and moves (<c>cp a b</c>, <c>mv a b</c>), to see a backup put back.</summary>
    public List<(string From, string To)> Copies => _copies ??= [];

    private List<(string From, string To)>? _copies;

    /// <summary>Files the call deletes (<c>rm</c>, <c>unlink</c>); they are in <see cref="Writes"/> too.</summary>
    public List<string> Deletes => _deletes ??= [];

    private List<string>? _deletes;

    /// <summary>Files a script the run wrote is seen to write when the call runs it (<c>python apply_fix.py</c> editing <c>src/x.py</c>).</summary>
    public List<string> ScriptTargets => _scriptTargets ??= [];

    private List<string>? _scriptTargets;

    /// <summary>The action a person would read first (for a raw artifact, the command found inside it), for labels.</summary>
    public string? Display { get; set; }

    /// <summary>The first program the call runs (<c>python</c>, <c>node</c>, <c>hashcat</c>), for titles.</summary>
    public string? Program { get; set; }

    /// <summary>The call looks at the machine rather than the work (<c>which java</c>, <c>find / -name jdk</c>, <c>python --version</c>).</summary>
    public bool ProbesEnvironment { get; set; }

    /// <summary>The call was wrapped in <c>timeout</c>, so exit code 124 means it hit the limit.</summary>
    public bool TimeoutWrapper { get; set; }

    /// <summary>The observation is a file's content or an editor's echo, not program output: error text in it is not an error.</summary>
    public bool OutputIsFileContent { get; set; }

    /// <summary>A structured edit (editor tool, ACI edit): its errors are in the first lines of the reply.</summary>
    public bool IsEditorCall { get; set; }

    /// <summary>Text replacements the call made: file (when known), old text, new text.</summary>
    public List<Replacement> Replacements => _replacements ??= [];

    private List<Replacement>? _replacements;

    /// <summary>Whole-file contents the call wrote (Write, create, <c>cat &gt; f &lt;&lt;EOF</c>), by file.</summary>
    public List<WrittenContent> Contents => _contents ??= [];

    private List<WrittenContent>? _contents;

    /// <summary>Files the call restored to an earlier version (<c>git checkout -- f</c>, <c>undo_edit</c>).</summary>
    public List<string> RevertedFiles => _revertedFiles ??= [];

    private List<string>? _revertedFiles;

    /// <summary>The call threw away every uncommitted change (<c>git stash</c>, <c>git reset --hard</c>, <c>git checkout .</c>).</summary>
    public bool RevertsAll { get; set; }

    /// <summary>The harness rejected the turn (mini-SWE-agent's <c>format_error</c>): nothing ran.</summary>
    public bool IsFormatError { get; set; }

    /// <summary>The call committed (<c>git commit</c>): later reverts go back to this point, not before it.</summary>
    public bool Commits { get; set; }

    /// <summary>The call undoes the last edit of its file (<c>str_replace_editor undo_edit</c>).</summary>
    public bool UndoesLastEdit { get; set; }

    /// <summary>Only waits or sends a bare key (<c>sleep 5</c>, an empty keystroke, <c>C-c</c>): repeating it is polling, not looping.</summary>
    public bool IsWait { get; set; }

    /// <summary>The action with whitespace collapsed, for spotting repeats.</summary>
    public string Normalized { get; set; } = "";

    /// <summary>Every file the call reads, writes or runs, in first-seen order.</summary>
    public IEnumerable<string> AllFiles => (_writes ?? []).Concat(_reads ?? []).Concat(_executes ?? []);

    public void Absorb(CallFacts other)
    {
        if (other._reads is { Count: > 0 }) Reads.AddRange(other._reads);
        if (other._writes is { Count: > 0 }) Writes.AddRange(other._writes);
        if (other._executes is { Count: > 0 }) Executes.AddRange(other._executes);
        if (other._scriptTargets is { Count: > 0 }) ScriptTargets.AddRange(other._scriptTargets);
        if (other._copies is { Count: > 0 }) Copies.AddRange(other._copies);
        if (other._deletes is { Count: > 0 }) Deletes.AddRange(other._deletes);
        if (other.KindRank > KindRank || Program is null) Program = other.Program ?? Program;
        ProbesEnvironment |= other.ProbesEnvironment;
        if (other._replacements is { Count: > 0 }) Replacements.AddRange(other._replacements);
        if (other._contents is { Count: > 0 }) Contents.AddRange(other._contents);
        if (other._revertedFiles is { Count: > 0 }) RevertedFiles.AddRange(other._revertedFiles);
        TimeoutWrapper |= other.TimeoutWrapper;
        RevertsAll |= other.RevertsAll;
        UndoesLastEdit |= other.UndoesLastEdit;
        Commits |= other.Commits;
        if (other.Effect == StepEffect.Change) Effect = StepEffect.Change;
        if (other.KindRank > KindRank)
        {
            Kind = other.Kind;
            KindRank = other.KindRank;
        }
    }

    /// <summary>Records one thing the call does; the kind is kept when it is the most significant so far.</summary>
    public CallFacts Is(StepKind kind, StepEffect effect = StepEffect.Explore)
    {
        if (effect == StepEffect.Change) Effect = StepEffect.Change;
        var rank = Significance.Of(kind, effect);
        if (rank > KindRank)
        {
            Kind = kind;
            KindRank = rank;
        }
        return this;
    }

    /// <summary>Marks the call as changing state without changing its kind (a program run whose output is redirected to a file).</summary>
    public void MarkChange()
    {
        if (Effect == StepEffect.Change) return;
        Effect = StepEffect.Change;
        KindRank = Significance.Of(Kind, StepEffect.Change);
    }
}

/// <summary>A whole file's content as a call wrote it, with what it is (a patch, a script that writes files) worked out once.</summary>
internal sealed class WrittenContent(string file, string content)
{
    private bool? _isDiff;
    private bool? _writesFiles;
    private List<string>? _targets;
    private int? _hash;

    public string File { get; } = file;

    public string Content { get; } = content;

    public bool IsDiff => _isDiff ??= ShellCommandClassifier.LooksLikeDiff(Content);

    /// <summary>The content is code that writes, moves or deletes files.</summary>
    public bool WritesFiles => _writesFiles ??= !IsDiff && ShellCommandClassifier.PythonCodeWritesFiles(Content);

    /// <summary>For a patch, the files it changes; for code that writes files, the files it names.</summary>
    public List<string> Targets => _targets ??= IsDiff ? ShellCommandClassifier.DiffTargets(Content) : WritesFiles ? ShellCommandClassifier.WriteTargets(Content, File) : [];

    public int Hash => _hash ??= StringComparer.Ordinal.GetHashCode(Content);

    public void Deconstruct(out string file, out string content)
    {
        file = File;
        content = Content;
    }
}

/// <summary>An old-text/new-text replacement made by an edit.</summary>
internal sealed record Replacement(string? File, string OldText, string NewText);

/// <summary>Which call of a step names the step's kind: the one that matters most for the run's state.</summary>
internal static class Significance
{
    /// <summary>
    /// Submitting outranks everything; then anything that changes state outranks anything that only looks; within
    /// each, edits and creations come before installs, git, tests, runs, reads and searches.
    /// </summary>
    public static int Of(StepKind kind, StepEffect effect) => kind == StepKind.Submit
        ? 1_000
        : (effect == StepEffect.Change ? 100 : 0) + kind switch
        {
            StepKind.Edit => 80,
            StepKind.Create => 70,
            StepKind.Install => 60,
            StepKind.Test => 55,
            StepKind.Git => 50,
            StepKind.Run => 40,
            StepKind.Read => 30,
            StepKind.Search => 20,
            StepKind.Think => 10,
            StepKind.Message => 5,
            _ => 0,
        };
}
