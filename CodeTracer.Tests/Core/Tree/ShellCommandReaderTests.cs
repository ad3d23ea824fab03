using CodeTracer.Core.Tree;

namespace CodeTracer.Tests.Core.Tree;

public sealed class ShellCommandReaderTests
{
    [Fact]
    public void Read_Pipeline_SplitsCommandsAndMarksPipes()
    {
        var script = ShellCommandReader.Read("cat setup.py | grep -n version | head -5");
        Assert.Equal(["cat", "grep", "head"], script.Commands.Select(c => c.Name));
        Assert.Equal([ShellConnector.Sequence, ShellConnector.Pipe, ShellConnector.Pipe], script.Commands.Select(c => c.Connector));
    }

    [Fact]
    public void Read_Chains_SplitsOnAndOrSemicolonAndNewline()
    {
        var script = ShellCommandReader.Read("cd /repo && make || echo failed; ls\npwd");
        Assert.Equal(["cd", "make", "echo", "ls", "pwd"], script.Commands.Select(c => c.Name));
        Assert.Equal(
            [ShellConnector.Sequence, ShellConnector.And, ShellConnector.Or, ShellConnector.Sequence, ShellConnector.Sequence],
            script.Commands.Select(c => c.Connector));
    }

    [Fact]
    public void Read_QuotedOperators_StayInsideTheWord()
    {
        var script = ShellCommandReader.Read("grep -n 'a | b && c; d' \"file name.txt\" > out.txt");
        var grep = Assert.Single(script.Commands);
        Assert.Equal(["grep", "-n", "a | b && c; d", "file name.txt"], grep.Words);
        Assert.Equal("out.txt", Assert.Single(grep.Redirects).Target);
    }

    [Fact]
    public void Read_EscapesAndLineContinuation_AreResolved()
    {
        var script = ShellCommandReader.Read("echo a\\ b \\\n  c \"q\\\"uote\"");
        Assert.Equal(["echo", "a b", "c", "q\"uote"], Assert.Single(script.Commands).Words);
    }

    [Fact]
    public void Read_CommandSubstitution_IsNotSplitOnItsOperators()
    {
        var script = ShellCommandReader.Read("echo $(ls | wc -l; date) `pwd | cat` done");
        var echo = Assert.Single(script.Commands);
        Assert.Equal("echo", echo.Name);
        Assert.Equal(4, echo.Words.Count);
        Assert.Equal("$(ls | wc -l; date)", echo.Words[1]);
    }

    [Fact]
    public void Read_Subshell_YieldsTheCommandsInside()
    {
        var script = ShellCommandReader.Read("(cd src && python -m pytest) ; { echo x; }");
        Assert.Equal(["cd", "python", "echo"], script.Commands.Select(c => c.Name));
        Assert.Equal(1, script.Commands[0].Depth);
    }

    [Fact]
    public void Read_Heredoc_BodyIsAttachedAndNotReadAsCommands()
    {
        var script = ShellCommandReader.Read("cat > fix.py <<'EOF'\nimport os; rm -rf /\nprint('x' > 'y')\nEOF\npython fix.py");
        Assert.Equal(["cat", "python"], script.Commands.Select(c => c.Name));
        var cat = script.Commands[0];
        var heredoc = cat.Redirects.Single(r => r.Operator == "<<");
        Assert.Equal("EOF", heredoc.Target);
        Assert.Equal("import os; rm -rf /\nprint('x' > 'y')", heredoc.HeredocBody);
        Assert.True(cat.Redirects.Single(r => r.Operator == ">").WritesFile);
    }

    [Fact]
    public void Read_HeredocWithDashAndUnquotedDelimiter_StripsTabs()
    {
        var script = ShellCommandReader.Read("cat <<-END > notes.txt\n\tline one\n\tEND\necho after");
        Assert.Equal(["cat", "echo"], script.Commands.Select(c => c.Name));
        Assert.Equal("line one", script.Commands[0].Redirects.Single(r => r.Operator == "<<-").HeredocBody);
    }

    [Fact]
    public void Read_UnterminatedHeredoc_KeepsTheBodyAndSaysSo()
    {
        var script = ShellCommandReader.Read("cat > a.txt << EOF\nhello");
        Assert.True(script.Unterminated);
        Assert.Equal("hello", script.Commands[0].Redirects.Single(r => r.Operator == "<<").HeredocBody);
    }

    [Theory]
    [InlineData("python x.py 2>&1", false)]
    [InlineData("python x.py > /dev/null", false)]
    [InlineData("python x.py &>/dev/null", false)]
    [InlineData("python x.py >&2", false)]
    [InlineData("python x.py > out.log", true)]
    [InlineData("python x.py >> out.log 2>&1", true)]
    [InlineData("python x.py &> out.log", true)]
    public void Read_Redirections_OnlyRealFilesAreWrites(string command, bool writes)
    {
        var script = ShellCommandReader.Read(command);
        Assert.Equal(writes, Assert.Single(script.Commands).Redirects.Any(r => r.WritesFile));
    }

    [Fact]
    public void Read_FileDescriptorPrefix_IsParsed()
    {
        var redirect = Assert.Single(Assert.Single(ShellCommandReader.Read("make 2> err.txt").Commands).Redirects);
        Assert.Equal(2, redirect.FileDescriptor);
        Assert.Equal("err.txt", redirect.Target);
    }

    [Fact]
    public void Read_ControlKeywords_AreDroppedAndLoopHeadsSkipped()
    {
        var script = ShellCommandReader.Read("for f in a b c; do sed -i 's/x/y/' $f; done\nif [ -f x ]; then rm x; fi");
        Assert.Equal(["sed", "[", "rm"], script.Commands.Select(c => c.Name));
    }

    [Fact]
    public void Read_Comment_IsIgnored()
    {
        var script = ShellCommandReader.Read("# look around\nls -la # all files\ncurl http://x/#frag");
        Assert.Equal(["ls", "curl"], script.Commands.Select(c => c.Name));
        Assert.Equal("http://x/#frag", script.Commands[1].Words[1]);
    }

    [Fact]
    public void Read_LongText_IsTruncatedNotThrown()
    {
        var script = ShellCommandReader.Read("echo " + new string('a', 5000), maxChars: 1024);
        Assert.True(script.Truncated);
        Assert.Single(script.Commands);
    }

    [Theory]
    [InlineData("echo 'unterminated")]
    [InlineData("echo $(ls")]
    [InlineData("))) ;; ||| &&& <<")]
    [InlineData("case $x in a) echo a;; b) rm b;; esac")]
    public void Read_MalformedText_NeverThrows(string text)
    {
        var script = ShellCommandReader.Read(text);
        Assert.NotNull(script);
    }

    [Fact]
    public void Read_CaseBranches_YieldTheirCommands()
    {
        var script = ShellCommandReader.Read("case $x in a) echo a;; b) rm b;; esac");
        Assert.Equal(["echo", "rm"], script.Commands.Select(c => c.Name));
    }
}
