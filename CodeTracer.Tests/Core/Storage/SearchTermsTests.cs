using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Tests.Core.Storage;

public sealed class SearchTermsTests
{
    private static List<string> Terms(string text)
    {
        var terms = new List<string>();
        SearchTerms.Split(text, splitCamelCase: true, t =>
        {
            terms.Add(t.ToString());
            return true;
        });
        return terms;
    }

    [Fact]
    public void Split_Identifiers_GivesWholeWordsAndCamelCaseParts()
    {
        Assert.Equal(["typeerror", "type", "error"], Terms("TypeError"));
        Assert.Equal(["httpserver", "http", "server"], Terms("HTTPServer"));
        Assert.Equal(["test", "parse", "config"], Terms("test_parse_config"));
        Assert.Equal(["models", "py"], Terms("models.py"));
        Assert.Equal(["utf8", "utf"], Terms("utf8"));
    }

    [Fact]
    public void Split_HashesSingleLettersAndHugeTokens_AreSkipped()
    {
        Assert.Empty(Terms("a b c 1 2"));
        Assert.Empty(Terms("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"));
        Assert.Empty(Terms(new string('x', 41)));
        Assert.Equal(["deadbeef"], Terms("deadbeef")); // short hex is a word
    }

    [Fact]
    public void ForQuery_KeepsWholeWordsOnce()
    {
        Assert.Equal(["typeerror", "parser"], SearchTerms.ForQuery("TypeError parser TYPEERROR"));
    }

    [Fact]
    public void ForRun_Capped_KeepsTaskAndThoughtWordsBeforeObservations()
    {
        var run = new Run { Task = new TaskInfo { Title = "alpha" } };
        run.Steps.Add(new Step
        {
            Thought = "bravo",
            ToolCalls = [new ToolCall { Tool = "sh", Command = "charlie", Observation = string.Join(' ', Enumerable.Range(0, 500).Select(i => "obs" + i)) }],
        });
        run.Steps.Add(new Step { Thought = "delta" });

        var terms = SearchTerms.ForRun(run, maxTerms: 100);

        Assert.Equal(100, terms.Count);
        Assert.Equal(["alpha", "bravo", "sh", "charlie", "delta"], terms.Take(5));
        Assert.Equal(terms.Count, terms.Distinct().Count());
    }
}
