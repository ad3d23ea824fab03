using System.Text.Json;
using CodeTracer.Tests.Shared;
using CodeTracer.Web.Cli;

namespace CodeTracer.Tests.Core.Diagnosis;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The diagnosis verbs end to end, in process, with the console redirected (so not in parallel with anything).</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class DiagnosisCliTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly string? _databaseBefore = Environment.GetEnvironmentVariable("Storage__DatabasePath");

    public DiagnosisCliTests()
    {
        // Keep any database the verbs open out of the test folder.
        Environment.SetEnvironmentVariable("Storage__DatabasePath", _temp.File("codetracer.db"));
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("Storage__DatabasePath", _databaseBefore);
        _temp.Dispose();
    }

    /// <summary>A small SWE-agent run written here: explore, edit, a failing test run, submit; the batch verdict says unresolved.</summary>
    private string WriteFailedRun()
    {
        _temp.Write("batch/results.json", """{"resolved_ids":[],"unresolved_ids":["demo__calc-3"],"empty_patch_ids":[],"error_ids":[]}""");
        return _temp.Write("batch/demo__calc-3/demo__calc-3.traj", """
            {"trajectory":[
              {"action":"ls","observation":"calc/\ntests/","thought":"Look around.","response":"Look around."},
              {"action":"open calc/ops.py","observation":"[File: calc/ops.py (10 lines total)]\n1:def add(a, b):\n2:    return a - b","thought":"Open ops.","response":"Open ops."},
              {"action":"edit 2:2\n    return a * b\nend_of_edit","observation":"File updated.","thought":"Fix add.","response":"Fix add."},
              {"action":"python -m pytest tests/test_ops.py","observation":"F\nFAILED tests/test_ops.py::test_add - assert 6 == 5\n1 failed in 0.1s","thought":"Test.","response":"Test."},
              {"action":"submit","observation":"diff --git a/calc/ops.py b/calc/ops.py","thought":"Done.","response":"Done."}
             ],
             "info":{"exit_status":"submitted"},
             "history":[{"role":"system","content":"You are a programmer."},{"role":"user","content":"ISSUE: add() subtracts instead of adding"}]}
            """);
    }

    private static async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        var (outBefore, errorBefore) = (Console.Out, Console.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        Console.SetOut(stdout);
        Console.SetError(stderr);
        try
        {
            var exit = await CodeTracerCli.InvokeAsync(args);
            return (exit, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(outBefore);
            Console.SetError(errorBefore);
        }
    }

    [Fact]
    public async Task Diagnose_ShowPrompt_PrintsTheFirstRequestWithItsTokensAndNeedsNoEndpoint()
    {
        var path = WriteFailedRun();

        var (exit, stdout, stderr) = await RunAsync("diagnose", path, "--show-prompt");
        var (directExit, direct, _) = await RunAsync("diagnose", path, "--direct", "--show-prompt");

        Assert.True(exit == 0, stderr);
        Assert.Matches(@"### [0-9a-f]{16}: first tree-indexed request, [\d,]+ tokens \(o200k: messages [\d,]+, tool definitions 0, response schema [\d,]+\)", stdout);
        Assert.Contains("--- system", stdout, StringComparison.Ordinal);
        Assert.Contains("Security:", stdout, StringComparison.Ordinal);
        Assert.Contains("--- user", stdout, StringComparison.Ordinal);
        // Five steps are sent whole, with the heuristic's candidates.
        Assert.Contains("THE WHOLE RUN (small", stdout, StringComparison.Ordinal);
        Assert.Contains("HEURISTIC CANDIDATES:", stdout, StringComparison.Ordinal);
        Assert.Contains("return a * b", stdout, StringComparison.Ordinal);
        Assert.Equal(0, directExit);
        Assert.Contains("first direct request", direct, StringComparison.Ordinal);
        Assert.DoesNotContain("HEURISTIC CANDIDATES", direct, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_PathWithJson_PrintsTheDocumentedShapeWithAnOnsetInsideTheRun()
    {
        var path = WriteFailedRun();

        var (exit, stdout, stderr) = await RunAsync("diagnose", path, "--json");

        Assert.True(exit == 0, stderr);
        var run = JsonDocument.Parse(stdout).RootElement.GetProperty("runs").EnumerateArray().Single();
        Assert.Equal("unresolved", run.GetProperty("outcome").GetString());
        Assert.Equal(5, run.GetProperty("stepCount").GetInt32());
        var diagnosis = run.GetProperty("diagnosis");
        Assert.Equal("heuristic", diagnosis.GetProperty("method").GetString());
        Assert.InRange(diagnosis.GetProperty("onsetStep").GetInt32(), 1, 5);
        Assert.NotEmpty(diagnosis.GetProperty("errorChain").EnumerateArray());
        Assert.Equal(0, diagnosis.GetProperty("tokens").GetProperty("prompt").GetInt64());
    }

    [Fact]
    public async Task Diagnose_LlmWithoutConfiguration_ExitsTwoWithAClearError()
    {
        var path = WriteFailedRun();

        var (exit, stdout, stderr) = await RunAsync("diagnose", path, "--llm");

        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("Diagnosis__Endpoint", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diagnose_UnknownRunId_ExitsOneNamingIt()
    {
        var (exit, _, stderr) = await RunAsync("diagnose", "no-such-run-id");

        Assert.Equal(1, exit);
        Assert.Contains("no-such-run-id", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ReplayAndTracebench_WriteTheBriefAndTheLabels()
    {
        var path = WriteFailedRun();
        var brief = _temp.File("brief.md");

        var (exit, _, stderr) = await RunAsync("export", path, "--format", "replay", "--out", brief);
        var (labelsExit, labels, _) = await RunAsync("export", path, "--format", "tracebench");

        Assert.True(exit == 0, stderr);
        Assert.Contains("# Reflective replay brief", await File.ReadAllTextAsync(brief), StringComparison.Ordinal);
        var messages = JsonDocument.Parse(await File.ReadAllTextAsync(_temp.File("brief.messages.json"))).RootElement;
        Assert.Equal(2, messages.GetProperty("messages").GetArrayLength());
        Assert.Equal(0, labelsExit);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(labels).RootElement.ValueKind);
    }

    [Fact]
    public async Task Eval_ManifestAgainstRunsFromPath_PrintsScoresAndMacroAverages()
    {
        var path = WriteFailedRun();
        var manifest = _temp.Write("manifest.jsonl",
            """{"traj_id":"demo__calc-3","stages":[{"stage_id":1,"start_step_id":1,"end_step_id":2},{"stage_id":2,"start_step_id":3,"end_step_id":5}],"incorrect_stages":[{"stage_id":2,"incorrect_step_ids":[3],"unuseful_step_ids":[]}]}""" + "\n"
            + """{"traj_id":"not-here","incorrect_stages":[]}""");

        var (exit, stdout, stderr) = await RunAsync("eval", "--labels", manifest, "--from", path, "--json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, result.GetProperty("macro").GetProperty("runs").GetInt32());
        Assert.Equal(["not-here"], result.GetProperty("unmatched").EnumerateArray().Select(e => e.GetString()));
        var row = result.GetProperty("runs")[0];
        Assert.Equal([3], row.GetProperty("gold").EnumerateArray().Select(e => e.GetInt32()));
        Assert.InRange(row.GetProperty("f1").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Diagnose_LlmConfiguredFromEnvironment_PrintsTheLlmDiagnosisAndNeverTheKey()
    {
        var path = WriteFailedRun();
        const string Answer = """
            {"onset_step":3,"recovered":false,"error_kind":"hypothesis",
             "error_chain":[{"step":3,"role":"onset","why":"replaces a - b with a * b"},{"step":4,"role":"terminal","why":"test_add fails: assert 6 == 5"}],
             "stage_labels":[],"root_cause_chain":["test fails","wrong operator"],
             "critical_decision_points":[{"step_id":3,"decision":"used *","should_have":"used +"}],
             "correct_strategy":"return a + b","summary":"The fix multiplies instead of adding."}
            """;
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.ToolCalls(("open_step", """{"stepId":3}""")), FakeReply.Text(Answer, 1_000, 200));
        using var environment = LlmEnvironment(server, inlineRunMaxChars: 0); // the fixture would be sent whole; keep the index

        var (exit, stdout, stderr) = await RunAsync("diagnose", path, "--llm", "--json");

        Assert.True(exit == 0, stderr);
        var diagnosis = JsonDocument.Parse(stdout).RootElement.GetProperty("runs")[0].GetProperty("diagnosis");
        Assert.Equal("llm:gpt-4o-mini", diagnosis.GetProperty("method").GetString());
        Assert.Equal(3, diagnosis.GetProperty("onsetStep").GetInt32());
        Assert.Equal(1_100, diagnosis.GetProperty("tokens").GetProperty("prompt").GetInt64());
        Assert.True(diagnosis.GetProperty("costUsd").GetDouble() > 0);
        Assert.Contains("open_step(3)", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", stdout + stderr, StringComparison.Ordinal);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Diagnose_LlmOnARunWithoutSteps_SendsNothingAndShowsTheHeuristicsReason()
    {
        _temp.Write("empty/results.json", """{"resolved_ids":[],"unresolved_ids":["demo__empty-1"]}""");
        var path = _temp.Write("empty/demo__empty-1/demo__empty-1.traj", """{"trajectory":[],"history":[],"info":{"exit_status":"early_exit"}}""");
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.Text("{}"));
        using var environment = LlmEnvironment(server);

        var (exit, stdout, stderr) = await RunAsync("diagnose", path, "--llm");

        Assert.True(exit == 0, stderr);
        Assert.Contains("nothing for a model to read", stderr, StringComparison.Ordinal);
        Assert.Contains("heuristic: no failure onset", stdout, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task Eval_MethodLlm_ScoresTheModelsLabelsAndCountsItsTokens()
    {
        var path = WriteFailedRun();
        var manifest = _temp.Write("manifest.jsonl",
            """{"traj_id":"demo__calc-3","incorrect_stages":[{"stage_id":2,"incorrect_step_ids":[3],"unuseful_step_ids":[]}]}""" + "\n");
        const string Answer = """
            {"onset_step":3,"recovered":false,"error_kind":"hypothesis",
             "error_chain":[{"step":3,"role":"onset","why":"a * b"},{"step":4,"role":"terminal","why":"assert 6 == 5"}],
             "stage_labels":[{"stage_id":1,"incorrect_step_ids":[3],"unuseful_step_ids":[],"reasoning":"wrong operator"}],
             "root_cause_chain":[],"critical_decision_points":[],"correct_strategy":"return a + b","summary":"Wrong operator."}
            """;
        await using var server = await FakeOpenAiServer.StartAsync(FakeReply.Text(Answer, 2_000, 300));
        using var environment = LlmEnvironment(server);

        var (exit, stdout, stderr) = await RunAsync("eval", "--labels", manifest, "--from", path, "--method", "llm", "--json");

        Assert.True(exit == 0, stderr);
        var result = JsonDocument.Parse(stdout).RootElement;
        var row = result.GetProperty("runs")[0];
        Assert.Equal([3], row.GetProperty("predicted").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1.0, row.GetProperty("f1").GetDouble());
        Assert.Equal(2_300, result.GetProperty("macro").GetProperty("meanTokens").GetDouble());
        // Five steps are sent whole: one request, no tools.
        Assert.Single(server.Requests);
    }

    /// <summary>Points the verbs at the fake server through the environment, as a user would; restores it on dispose.</summary>
    private static EnvironmentScope LlmEnvironment(FakeOpenAiServer server, int? inlineRunMaxChars = null) => new(new Dictionary<string, string?>
    {
        ["Diagnosis__Endpoint"] = server.BaseUrl,
        ["Diagnosis__Model"] = "gpt-4o-mini",
        ["Diagnosis__ApiKey"] = LlmDiagnosisTests.ApiKey,
        ["Diagnosis__HttpRetries"] = "0",
        ["Diagnosis__InlineRunMaxChars"] = inlineRunMaxChars?.ToString(System.Globalization.CultureInfo.InvariantCulture),
    });

    private sealed class EnvironmentScope : IDisposable
    {
        private readonly Dictionary<string, string?> _saved;

        public EnvironmentScope(Dictionary<string, string?> values)
        {
            _saved = values.Keys.ToDictionary(k => k, Environment.GetEnvironmentVariable);
            foreach (var (key, value) in values) Environment.SetEnvironmentVariable(key, value);
        }

        public void Dispose()
        {
            foreach (var (key, value) in _saved) Environment.SetEnvironmentVariable(key, value);
        }
    }
}
