using CodeTracer.Core.Model;
using CodeTracer.Core.Rendering;

namespace CodeTracer.Tests.Core.Rendering;

public sealed class ShellHighlighterTests
{
    [Theory]
    [InlineData("ls -la /tmp && cat 'a b.txt' | grep -n \"x\" > out 2>&1")]
    [InlineData("cat <<'EOF' > f.py\nprint('hi')\nEOF\npython f.py")]
    [InlineData("FOO=1 ${BAR} $(pwd) # comment\nedit 1:1\nx\nend_of_edit")]
    [InlineData("unterminated 'quote")]
    [InlineData("")]
    public void Tokenize_AnyCommand_ConcatenatesBackToInput(string command)
    {
        var tokens = ShellHighlighter.Tokenize(command);

        Assert.Equal(command, string.Concat(tokens.Select(t => t.Text)));
    }

    [Fact]
    public void Tokenize_Pipeline_ClassifiesWords()
    {
        var tokens = ShellHighlighter.Tokenize("grep -rn 'needle' src | head -5 # first hits");

        Assert.Contains(new ShellToken("grep", ShellTokenKind.Command), tokens);
        Assert.Contains(new ShellToken("-rn", ShellTokenKind.Option), tokens);
        Assert.Contains(new ShellToken("'needle'", ShellTokenKind.String), tokens);
        Assert.Contains(new ShellToken("|", ShellTokenKind.Operator), tokens);
        Assert.Contains(new ShellToken("head", ShellTokenKind.Command), tokens);
        Assert.Contains(new ShellToken("# first hits", ShellTokenKind.Comment), tokens);
    }

    [Fact]
    public void Tokenize_Heredoc_MarksBody()
    {
        var tokens = ShellHighlighter.Tokenize("cat <<EOF > x\nline one\nEOF\n");

        Assert.Contains(new ShellToken("line one\n", ShellTokenKind.Heredoc), tokens);
    }

    [Fact]
    public void Tokenize_Variables_AreMarked()
    {
        var tokens = ShellHighlighter.Tokenize("echo $HOME ${PATH}");

        Assert.Contains(new ShellToken("$HOME", ShellTokenKind.Variable), tokens);
        Assert.Contains(new ShellToken("${PATH}", ShellTokenKind.Variable), tokens);
    }
}

public sealed class UnifiedDiffTests
{
    [Fact]
    public void Build_OneLineChanged_GivesOneHunk()
    {
        var diff = UnifiedDiff.Build("a\nb\nc\n", "a\nB\nc\n");

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal("@@ -1,3 +1,3 @@", hunk.Header);
        Assert.Equal([" a", "-b", "+B", " c"], hunk.Lines.Select(l => l.Prefix + l.Text));
        Assert.Equal(1, diff.Added);
        Assert.Equal(1, diff.Removed);
    }

    [Fact]
    public void Build_DistantChanges_GiveSeparateHunksWithContext()
    {
        var old = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"l{i}"));
        var changed = old.Replace("l2\n", "L2\n", StringComparison.Ordinal).Replace("l28", "L28", StringComparison.Ordinal);

        var diff = UnifiedDiff.Build(old, changed, context: 2);

        Assert.Equal(2, diff.Hunks.Count);
        Assert.Equal("@@ -1,4 +1,4 @@", diff.Hunks[0].Header);
        Assert.Equal("@@ -26,5 +26,5 @@", diff.Hunks[1].Header);
    }

    [Fact]
    public void Build_StartLine_NumbersLikeTheFile()
    {
        var diff = UnifiedDiff.Build("", "x\ny", oldStartLine: 40);

        var hunk = Assert.Single(diff.Hunks);
        Assert.Equal(40, hunk.Lines[0].NewNumber);
        Assert.All(hunk.Lines, l => Assert.Equal(DiffLineKind.Added, l.Kind));
    }

    [Fact]
    public void Build_Identical_HasNoHunks()
    {
        Assert.Empty(UnifiedDiff.Build("same\n", "same").Hunks);
    }

    [Fact]
    public void Build_HugeMiddle_FallsBackToReplaceAll()
    {
        var a = string.Join('\n', Enumerable.Range(0, 1500).Select(i => $"a{i}"));
        var b = string.Join('\n', Enumerable.Range(0, 1500).Select(i => $"b{i}"));

        var diff = UnifiedDiff.Build(a, b);

        Assert.True(diff.IsApproximate);
        Assert.Equal(1500, diff.Added);
        Assert.Equal(1500, diff.Removed);
    }
}

public sealed class FileEditsTests
{
    [Fact]
    public void Extract_StrReplaceEditor_ReadsOldAndNew()
    {
        var call = new ToolCall { Tool = "str_replace_editor", Arguments = """{"command":"str_replace","path":"/repo/a.py","old_str":"x = 1\n","new_str":"x = 2\n"}""" };

        var edit = Assert.Single(FileEdits.Extract(call));

        Assert.Equal(FileEditKind.Replace, edit.Kind);
        Assert.Equal("/repo/a.py", edit.Path);
        Assert.Equal(["-x = 1", "+x = 2"], edit.ToDiff().Hunks[0].Lines.Select(l => l.Prefix + l.Text));
    }

    [Fact]
    public void Extract_ClaudeCodeEditAndMultiEdit_ReadOldStringNewString()
    {
        var edit = new ToolCall { Tool = "Edit", Arguments = """{"file_path":"/app/m.c","old_string":"int a;","new_string":"long a;"}""" };
        var multi = new ToolCall { Tool = "MultiEdit", Arguments = """{"file_path":"/app/m.c","edits":[{"old_string":"a","new_string":"b"},{"old_string":"c","new_string":"d"}]}""" };

        Assert.Equal("long a;", Assert.Single(FileEdits.Extract(edit)).NewText);
        Assert.Equal(2, FileEdits.Extract(multi).Count);
    }

    [Fact]
    public void Extract_CreateAndWrite_AreCreates()
    {
        var create = new ToolCall { Tool = "str_replace_editor", Arguments = """{"command":"create","path":"/r/new.py","file_text":"print(1)\n"}""" };
        var write = new ToolCall { Tool = "Write", Arguments = """{"file_path":"/r/w.txt","content":"hello"}""" };

        Assert.Equal(FileEditKind.Create, Assert.Single(FileEdits.Extract(create)).Kind);
        Assert.Equal("hello", Assert.Single(FileEdits.Extract(write)).NewText);
    }

    [Fact]
    public void Extract_SweAgentFunctionEdit_ReadsSearchReplace()
    {
        var call = new ToolCall { Tool = "edit", Arguments = """{"search":"return int(v)", "replace":"return int(round(v))"}""" };

        var edit = Assert.Single(FileEdits.Extract(call));

        Assert.Equal("return int(v)", edit.OldText);
    }

    [Fact]
    public void Extract_AciEditCommand_ReadsLineRange()
    {
        var call = new ToolCall { Tool = "edit", Command = "edit 12:14\n    return x\n    # done\nend_of_edit" };

        var edit = Assert.Single(FileEdits.Extract(call));

        Assert.Equal(FileEditKind.ReplaceLines, edit.Kind);
        Assert.Equal(12, edit.StartLine);
        Assert.Equal(14, edit.EndLine);
        Assert.Equal("    return x\n    # done", edit.NewText);
        Assert.Equal(12, edit.ToDiff().Hunks[0].Lines[0].NewNumber);
    }

    [Theory]
    [InlineData("bash", """{"command":"ls"}""", "ls")]
    [InlineData("str_replace_editor", "not json", null)]
    [InlineData("str_replace_editor", """{"command":"view","path":"/x"}""", null)]
    public void Extract_NotAnEdit_IsEmpty(string tool, string arguments, string? command)
    {
        Assert.Empty(FileEdits.Extract(new ToolCall { Tool = tool, Arguments = arguments, Command = command }));
    }
}
