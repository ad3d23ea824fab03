using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CodeTracer.Tests.Shared;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CodeTracer.Tests.E2E;

[CollectionDefinition(Name)]
public sealed class LlmExplorerCollection : ICollectionFixture<LlmExplorerFixture>
{
    public const string Name = "Explorer with an LLM endpoint in a browser";
}

/// <summary>
/// A second explorer process configured for LLM diagnosis against a <see cref="FakeOpenAiServer"/> in the test
/// process, so the shared explorer of the other browser tests keeps its heuristic-only configuration.
/// </summary>
public sealed class LlmExplorerFixture : IAsyncLifetime
{
    public const string Model = "gpt-test";
    public const string ApiKey = "sk-e2e-SECRET-do-not-show";

    // The second reply waits for this, so the progress of the first round (a function call) stays on screen until seen.
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeOpenAiServer Server { get; private set; } = null!;

    public ExplorerFixture Explorer { get; private set; } = null!;

    /// <summary>Lets the fake endpoint send its final answer.</summary>
    public void ReleaseAnswer() => _release.TrySetResult();

    public async Task InitializeAsync()
    {
        Server = await FakeOpenAiServer.StartAsync(
            _ => FakeReply.ToolCalls(("open_step", """{"stepId":5}""")),
            _ =>
            {
                // Kestrel runs this on a pool thread; a bounded wait keeps a broken test from hanging the endpoint.
                _release.Task.Wait(TimeSpan.FromSeconds(120));
                return FakeReply.Text(DiagnosisLlmPageTests.Answer);
            });
        Explorer = new ExplorerFixture(
            new Dictionary<string, string>
            {
                ["Diagnosis__Endpoint"] = Server.BaseUrl,
                ["Diagnosis__Model"] = Model,
                ["Diagnosis__ApiKey"] = ApiKey,
                ["Diagnosis__HttpRetries"] = "0",
                // The demo run is small enough to be sent whole; this test is about the tree-indexed path with its function calls.
                ["Diagnosis__InlineRunMaxChars"] = "0",
            },
            importCorpus: false);
        await Explorer.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        ReleaseAnswer();
        if (Explorer is not null) await Explorer.DisposeAsync();
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>The LLM diagnosis on the run page, in a browser, against a scripted OpenAI-compatible endpoint.</summary>
[Collection(LlmExplorerCollection.Name)]
public sealed partial class DiagnosisLlmPageTests : BrowserTest
{
    // acme__sizefmt-214 opens the stale copy build/lib/sizefmt/filesize.py at step 5 and edits it at step 6 instead of
    // src/; its tests fail at step 10. The heuristic names step 6; this answer names step 5, so the marks show whose it is.
    internal const string Answer = """
        {"onset_step":5,"recovered":false,"error_kind":"localization",
         "error_chain":[{"step":5,"role":"onset","why":"opens build/lib, not src/sizefmt"},{"step":6,"role":"propagation","why":"edits the build copy"},{"step":10,"role":"terminal","why":"the binary-suffix tests still fail"}],
         "stage_labels":[],
         "root_cause_chain":["tests fail at step 10","the edit at step 6 went to the build copy opened at step 5"],
         "critical_decision_points":[{"step_id":5,"decision":"opened build/lib/sizefmt/filesize.py","should_have":"opened src/sizefmt/filesize.py"}],
         "correct_strategy":"Change _BINARY in src/sizefmt/filesize.py.","summary":"LLM-E2E: the agent edited the build copy instead of the source."}
        """;

    // Text deep inside an observation (pytest's header at step 10): the index must not carry it.
    private const string DeepObservation = "configfile: pyproject.toml";

    private readonly LlmExplorerFixture _llm;

    public DiagnosisLlmPageTests(LlmExplorerFixture fixture, ITestOutputHelper output) : base(fixture.Explorer, output)
    {
        _llm = fixture;
    }

    [BrowserFact]
    public async Task RunPage_AskLlm_ShowsTheFunctionCallThenTheLlmDiagnosisAndNeverTheKey()
    {
        var id = await FindRunIdAsync("acme__sizefmt-214");
        await OpenAsync("/runs/" + id);
        var ask = Page.Locator("#ct-diagnose-llm");
        await Assertions.Expect(ask).ToContainTextAsync(LlmExplorerFixture.Model);
        await Assertions.Expect(ask).ToBeEnabledAsync();

        await ask.ClickAsync();

        // The first round asks for a function call; the second waits until the progress has been seen.
        var progress = Page.Locator("#ct-diagnosis-progress");
        await Assertions.Expect(progress).ToContainTextAsync("open_step(5)", new() { Timeout = 60_000 });
        await Assertions.Expect(progress.Locator(".ct-diagnosis-tokens")).ToContainTextAsync("1 function call", new() { Timeout = 30_000 });
        await ScreenshotAsync("run-page-llm-diagnosis-progress");
        _llm.ReleaseAnswer();

        var panel = Page.Locator("#ct-diagnosis-panel");
        await Assertions.Expect(panel.Locator(".ct-method-badge")).ToContainTextAsync("llm:" + LlmExplorerFixture.Model, new() { Timeout = 60_000 });
        await Assertions.Expect(progress).ToHaveCountAsync(0);
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToContainTextAsync("Diagnosis by llm:" + LlmExplorerFixture.Model);
        await Assertions.Expect(Page.Locator("#ct-diagnosis-source")).ToHaveAttributeAsync("data-preview", "false");
        await Assertions.Expect(panel.Locator(".ct-diagnosis-summary")).ToContainTextAsync("LLM-E2E");
        await Assertions.Expect(panel.Locator(".ct-onset-link")).ToContainTextAsync("step 5");
        var onsetRow = Page.Locator("#ct-tree .ct-step-row.ct-onset");
        await Assertions.Expect(onsetRow).ToHaveCountAsync(1);
        await Assertions.Expect(onsetRow).ToHaveAttributeAsync("data-step", "5");
        var chainRows = Page.Locator("#ct-tree .ct-step-row.ct-chain");
        await Assertions.Expect(chainRows).ToHaveCountAsync(3);
        Assert.Equal(["5", "6", "10"], await chainRows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.step)"));
        await ExpectUrlAsync(Page, "[?&]diagnosis=[^&]+");
        await ScreenshotAsync("run-page-llm-diagnosis");

        // Two rounds: the first carries the index of the run (stages, one line per step), not the run's deep output.
        Assert.Equal(2, _llm.Server.Bodies.Count);
        var first = _llm.Server.Requests[0];
        var firstText = string.Join('\n', first["messages"]!.AsArray().Select(m => Content(m!)));
        Output.WriteLine("--- first request ---\n" + firstText);
        Assert.Contains("INDEX", firstText, StringComparison.Ordinal);
        Assert.Matches(StageLine(), firstText);
        Assert.Contains("python -m pytest tests/test_filesize.py -q", firstText, StringComparison.Ordinal);
        Assert.DoesNotContain(DeepObservation, _llm.Server.Bodies[0], StringComparison.Ordinal);
        Assert.Equal(LlmExplorerFixture.Model, first["model"]!.GetValue<string>());
        Assert.All(_llm.Server.Authorizations, a => Assert.Equal("Bearer " + LlmExplorerFixture.ApiKey, a));

        // The key reaches the endpoint and nothing else: not the page, not the explorer's output.
        Assert.DoesNotContain(LlmExplorerFixture.ApiKey, await Page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(LlmExplorerFixture.ApiKey, Fixture.RecentOutput(int.MaxValue), StringComparison.Ordinal);

        // Diagnose stores the heuristic beside it; the LLM's stays one link away, and the link brings it back.
        await Page.Locator("#ct-diagnose").ClickAsync();
        await Assertions.Expect(panel.Locator(".ct-heuristic-badge")).ToBeVisibleAsync();
        var other = panel.Locator(".ct-other-diagnosis");
        await Assertions.Expect(other).ToHaveCountAsync(1);
        await Assertions.Expect(other).ToContainTextAsync("llm:" + LlmExplorerFixture.Model);
        await Assertions.Expect(other).ToContainTextAsync("onset step 5");
        await other.ClickAsync();
        await Assertions.Expect(panel.Locator(".ct-method-badge")).ToContainTextAsync("llm:" + LlmExplorerFixture.Model);
        await Assertions.Expect(onsetRow).ToHaveAttributeAsync("data-step", "5");
        await Assertions.Expect(panel.Locator(".ct-other-diagnosis")).ToContainTextAsync("heuristic");
        await ScreenshotAsync("run-page-other-diagnoses");
        Assert.Empty(BrowserErrors);
    }

    private static string Content(JsonNode message) => message["content"] switch
    {
        JsonValue value => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => p?["text"]?.GetValue<string>() ?? "")),
        _ => "",
    };

    // An index stage line: "S2 [4-6] edit: ...".
    [GeneratedRegex(@"(?m)^S\d+ \[\d+-\d+\] ")]
    private static partial Regex StageLine();
}
