using Bunit;
using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Core.Diagnosis;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Components.Controls;
using CodeTracer.Web.Services;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MudBlazor.Services;

namespace CodeTracer.Tests.Web;

public sealed class DiagnosisPanelTests : BunitContext, IAsyncLifetime
{
    private readonly InMemoryRunStore _store = new();
    private readonly CapturingLoggerProvider _logs = new();

    private void Setup(FakeOpenAiServer? server = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Diagnosis:Endpoint"] = server?.BaseUrl,
            ["Diagnosis:Model"] = server is null ? null : "gpt-4o-mini",
            ["Diagnosis:ApiKey"] = server is null ? null : LlmDiagnosisTests.ApiKey,
            ["Diagnosis:HttpRetries"] = "0",
            ["Diagnosis:InlineRunMaxChars"] = "0", // keep the index and its function calls on the small fixture
        }).Build();
        Services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(_logs));
        Services.AddCodeTracerDiagnosis(configuration);
        Services.AddSingleton<IRunStore>(_store);
        Services.AddScoped<DiagnosisRunner>();
    }

    private static RunDiagnosis Heuristic(Run run, string id = "d1")
    {
        var diagnosis = Fixtures.Localizer().Diagnose(run);
        diagnosis.Id = id;
        return diagnosis;
    }

    [Fact]
    public void Render_HeuristicDiagnosis_ShowsChainDecisionsAndBadgeWithStepLinks()
    {
        Setup();
        var run = Fixtures.PlantedOnset();

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, Heuristic(run)));

        Assert.NotNull(cut.Find("#ct-diagnosis-panel"));
        Assert.NotNull(cut.Find(".ct-heuristic-badge"));
        Assert.Contains("step 5", cut.Find(".ct-diagnosis-summary").TextContent, StringComparison.Ordinal);
        var chain = cut.FindAll(".ct-error-chain li");
        Assert.Equal(["onset", "terminal"], chain.Select(li => li.GetAttribute("data-role")));
        Assert.Equal("/runs/planted?step=5&diagnosis=d1", chain[0].QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("/runs/planted?step=9&diagnosis=d1", chain[1].QuerySelector("a")!.GetAttribute("href"));
        Assert.Contains(cut.FindAll(".ct-decision-points a"), a => a.GetAttribute("href") == "/runs/planted?step=5&diagnosis=d1");
        Assert.NotEmpty(cut.Find(".ct-correct-strategy").TextContent);
        Assert.Contains("heuristic", cut.Find(".ct-diagnosis-method").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_SeveralStoredDiagnoses_OffersTheOthersAsLinksThatKeepThePage()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        var llm = Heuristic(run, "d3");
        llm.Method = "llm:gpt-4o-mini";
        llm.CreatedAtUtc = new DateTime(2026, 11, 27, 5, 20, 0, DateTimeKind.Utc);
        var heuristic = Heuristic(run, "d2");
        heuristic.CreatedAtUtc = new DateTime(2026, 11, 27, 5, 10, 0, DateTimeKind.Utc);
        var direct = Heuristic(run, "d1");
        direct.Method = "direct:gpt-4o-mini";
        direct.OnsetStep = null;
        direct.CreatedAtUtc = new DateTime(2026, 11, 27, 5, 0, 0, DateTimeKind.Utc);

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, llm)
            .Add(x => x.Stored, [llm, heuristic, direct])
            .Add(x => x.DiagnosisHref, id => $"/runs/planted?step=9&diagnosis={id}"));

        var links = cut.FindAll(".ct-other-diagnosis");
        Assert.Equal(["/runs/planted?step=9&diagnosis=d2", "/runs/planted?step=9&diagnosis=d1"], links.Select(a => a.GetAttribute("href")));
        Assert.Equal("heuristic · 2026-11-27 05:10 · onset step 5", links[0].TextContent);
        Assert.Equal("direct:gpt-4o-mini · 2026-11-27 05:00 · no onset", links[1].TextContent);
    }

    [Fact]
    public void Render_DiagnosisMadeOnAnotherVersionOfTheRun_WarnsThatStepNumbersMayNotMatch()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        var current = Heuristic(run, "d2");
        var old = Heuristic(run, "d1");
        old.RunStepCount = 14;

        var stale = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, old));
        var fresh = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, current));

        Assert.Contains("had 14 steps; it now has 10", stale.Find(".ct-diagnosis-stale").TextContent, StringComparison.Ordinal);
        Assert.Equal(10, current.RunStepCount);
        Assert.Empty(fresh.FindAll(".ct-diagnosis-stale"));
    }

    [Fact]
    public async Task Render_RunWithoutSteps_AskIsDisabledAndSaysWhy()
    {
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.Text("{}"));
        Setup(server);
        var empty = new RunBuilder("empty").Outcome(OutcomeStatus.Unresolved, "reward.txt: 0").Build();

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, empty.Id).Add(x => x.Run, empty));

        var ask = cut.Find("#ct-diagnose-llm");
        Assert.True(ask.HasAttribute("disabled"));
        Assert.Contains("no agent steps", ask.GetAttribute("title"), StringComparison.Ordinal);
        Assert.False(cut.Find("#ct-diagnose").HasAttribute("disabled"));
    }

    [Fact]
    public void Render_OneStoredDiagnosis_OffersNoOthers()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        var only = Heuristic(run);

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, only).Add(x => x.Stored, [only]));

        Assert.Empty(cut.FindAll(".ct-other-diagnoses"));
    }

    [Fact]
    public void Render_LlmDiagnosis_ShowsMethodModelTokensAndCostWithoutHeuristicBadge()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        var diagnosis = Heuristic(run);
        diagnosis.Method = "llm:gpt-4o-mini";
        diagnosis.Model = "gpt-4o-mini";
        diagnosis.PromptTokens = 12_345;
        diagnosis.CompletionTokens = 678;
        diagnosis.CostUsd = 0.0123;

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run).Add(x => x.Diagnosis, diagnosis));

        Assert.Empty(cut.FindAll(".ct-heuristic-badge"));
        Assert.Contains("llm:gpt-4o-mini", cut.Find(".ct-method-badge").TextContent, StringComparison.Ordinal);
        Assert.Contains("gpt-4o-mini", cut.Find(".ct-diagnosis-model").TextContent, StringComparison.Ordinal);
        var usage = cut.Find(".ct-diagnosis-usage").TextContent;
        Assert.Contains("12,345 prompt", usage, StringComparison.Ordinal);
        Assert.Contains("$0.0123", usage, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NoDiagnosis_ShowsEmptyStateAndDisabledButtonWithoutRun()
    {
        Setup();

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, "r"));

        Assert.NotNull(cut.Find(".ct-diagnosis-empty"));
        Assert.True(cut.Find("#ct-diagnose").HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("#ct-diagnose-llm"));
    }

    [Fact]
    public async Task ClickDiagnose_StoredRun_ShowsHeuristicSavesAndNotifies()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        await _store.SaveRunsAsync([run], CancellationToken.None);
        RunDiagnosis? notified = null;

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run)
            .Add(x => x.OnDiagnosed, (RunDiagnosis d) => notified = d));
        cut.Find("#ct-diagnose").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find(".ct-heuristic-badge")));
        Assert.NotNull(notified);
        Assert.Equal(5, notified!.OnsetStep);
        var saved = Assert.Single(await _store.GetDiagnosesAsync(run.Id, CancellationToken.None));
        Assert.Equal(notified.Id, saved.Id);
        Assert.Contains($"diagnosis={saved.Id}", cut.Find(".ct-error-chain a").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClickAskLlm_ThenCancel_ShowsProgressAndAbortsTheRequest()
    {
        await using var server = await FakeOpenAiServer.StartAsync(
            FakeReply.ToolCalls(("open_step", """{"stepId":5}""")),
            FakeReply.Text(LlmDiagnosisTests.ValidAnswer));
        Setup(server);
        var run = Fixtures.PlantedOnset();

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run));
        Assert.Contains("gpt-4o-mini", cut.Find("#ct-diagnose-llm").TextContent, StringComparison.Ordinal);
        // The first round answers at once with a function call; the second waits until cancelled.
        server.DelayAfterRequests = 1;
        server.Delay = TimeSpan.FromMinutes(5);
        cut.Find("#ct-diagnose-llm").Click();

        cut.WaitForAssertion(() => Assert.Contains("open_step(5)", cut.Find("#ct-diagnosis-progress").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("tokens", cut.Find(".ct-diagnosis-tokens").TextContent, StringComparison.Ordinal);
        // The server's state changes without a render, so wait on the server itself, not with WaitForAssertion.
        await server.WaitForRequestsAsync(2).WaitAsync(TimeSpan.FromSeconds(60));
        cut.Find("#ct-diagnose-cancel").Click();

        await server.AbortSeen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        cut.WaitForAssertion(() => Assert.Contains("Cancelled", cut.Find(".ct-diagnosis-error").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Empty(cut.FindAll("#ct-diagnosis-progress"));
    }

    [Fact]
    public async Task ClickAskLlm_Completes_ShowsLlmDiagnosisAndNeverTheKey()
    {
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.Text(LlmDiagnosisTests.ValidAnswer));
        Setup(server);
        var run = Fixtures.PlantedOnset();

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Run, run));
        cut.Find("#ct-diagnose-llm").Click();

        cut.WaitForAssertion(() => Assert.Contains("llm:gpt-4o-mini", cut.Find(".ct-method-badge").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        Assert.Contains("lexer instead of the parser", cut.Find(".ct-diagnosis-summary").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain(LlmDiagnosisTests.ApiKey, cut.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", cut.Markup, StringComparison.Ordinal);
        Assert.All(_logs.Lines, line => Assert.DoesNotContain("SECRET", line, StringComparison.Ordinal));
    }

    [Fact]
    public void Render_HostileTextInDiagnosis_IsShownAsTextNotMarkup()
    {
        Setup();
        var run = Fixtures.PlantedOnset();
        var diagnosis = Heuristic(run);
        diagnosis.Summary = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        diagnosis.ErrorChain[0].Why = "<b>bold</b>";

        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, run.Id).Add(x => x.Diagnosis, diagnosis));

        Assert.Empty(cut.FindAll("#ct-diagnosis-panel script"));
        Assert.Empty(cut.FindAll("#ct-diagnosis-panel img"));
        Assert.Empty(cut.FindAll(".ct-chain-why b"));
        Assert.Contains("<script>", cut.Find(".ct-diagnosis-summary").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void TreeRowClass_OnsetAndChainSteps_GetTheirClasses()
    {
        var run = Fixtures.PlantedOnset();
        var diagnosis = Heuristic(run);

        Assert.Equal("ct-onset ct-chain ct-incorrect", DiagnosisPanel.TreeRowClass(diagnosis, 5));
        Assert.Equal("ct-chain", DiagnosisPanel.TreeRowClass(diagnosis, 9));
        Assert.Equal("ct-unuseful", DiagnosisPanel.TreeRowClass(diagnosis, 4));
        Assert.Equal("", DiagnosisPanel.TreeRowClass(diagnosis, 1));
        Assert.Equal("", DiagnosisPanel.TreeRowClass(null, 5));
        Assert.Equal("/runs/a%2Fb?step=3", DiagnosisPanel.StepHref("a/b", 3, null));
    }

    [Fact]
    public void Dispose_Panel_UnsubscribesFromTheRunner()
    {
        Setup();
        var cut = Render<DiagnosisPanel>(p => p.Add(x => x.RunId, "r"));
        var runner = cut.Instance.Runner;

        cut.Instance.Dispose();

        var field = typeof(DiagnosisRunner).GetField("Changed", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
        Assert.Null(field!.GetValue(runner));
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();
}
