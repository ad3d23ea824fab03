using System.Globalization;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;
using CodeTracer.Tests.Core.Cli;
using CodeTracer.Tests.Shared;
using LiteDB;
using static CodeTracer.Tests.Core.Storage.StoreTestRuns;

namespace CodeTracer.Tests.Core.Storage;

/// <summary>
/// The server and the command line share one database file: this test process writes through the store as the web
/// server does while child processes run the real <c>import</c> command on the same file, over and over.
/// </summary>
public sealed class CrossProcessStorageTests
{
    private const int CliRuns = 6;
    private const int CliSteps = 7;
    private const int CliRounds = 4;

    [Fact]
    public async Task ServerAndCommandLine_WritingOneFileAtOnce_LoseNothingAndLeaveItReadable()
    {
        using var dir = new TempDirectory();
        var database = dir.File("shared.db");
        var corpus = Path.Combine(dir.Path, "cli-runs");
        Directory.CreateDirectory(corpus);
        for (var i = 0; i < CliRuns; i++) WriteMiniSweAgentRun(Path.Combine(corpus, $"case-{i}.traj.json"), i);

        // Big enough observations that this process's transactions hold the file for a while.
        var serverRuns = new List<Run>();
        using (var server = new LiteDbRunStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DatabasePath = database, WriteBatchRuns = 5 })))
        {
            var cli = Task.Run(async () =>
            {
                var results = new List<CliProcess.Result>();
                for (var round = 0; round < CliRounds; round++) results.Add(await CliProcess.RunAsync(database, dir.Path, "import", corpus));
                return results;
            });

            var batch = 0;
            var queries = 0;
            while (!cli.IsCompleted || batch < 3)
            {
                var runs = Enumerable.Range(0, 10).Select(i => ServerRun(batch, i)).ToList();
                var saved = await server.SaveRunsAsync(runs, CancellationToken.None);
                Assert.Empty(saved.Errors);
                Assert.Equal(10, saved.Inserted);
                serverRuns.AddRange(runs);
                // Re-save one earlier run, as a re-import from the upload page would.
                Assert.Equal(1, (await server.SaveRunsAsync([serverRuns[batch * 3]], CancellationToken.None)).Updated);
                var page = await server.QueryRunsAsync(new RunQuery { Text = "server" }, CancellationToken.None);
                Assert.Equal(serverRuns.Count, page.TotalCount);
                queries++;
                batch++;
            }

            var cliResults = await cli;
            foreach (var result in cliResults)
            {
                Assert.True(result.ExitCode == 0, $"import exited {result.ExitCode}: {result.StdErr}");
                Assert.Equal("", result.StdErr);
            }
            Assert.Contains($"{CliRuns} run(s) stored ({CliRuns} new, 0 updated), {CliRuns * CliSteps} step(s), 0 error(s)", cliResults[0].StdOut);
            Assert.All(cliResults.Skip(1), r => Assert.Contains($"{CliRuns} run(s) stored (0 new, {CliRuns} updated)", r.StdOut));
            Assert.True(queries >= 3);
        }

        // A fresh store, as after a restart: every run and step of both writers, exactly once.
        using var reopened = new LiteDbRunStore(Microsoft.Extensions.Options.Options.Create(new StorageOptions { DatabasePath = database }));
        Assert.Equal(serverRuns.Count + CliRuns, await reopened.CountRunsAsync(CancellationToken.None));
        var fromCli = await reopened.QueryRunsAsync(new RunQuery { Framework = Frameworks.MiniSweAgent, Take = 100 }, CancellationToken.None);
        Assert.Equal(CliRuns, fromCli.TotalCount);
        foreach (var summary in fromCli.Items)
        {
            var run = await reopened.GetRunAsync(summary.Id, includeSteps: true, CancellationToken.None);
            Assert.Equal(Enumerable.Range(1, CliSteps), run!.Steps.Select(s => s.Id));
            var caseIndex = int.Parse(Path.GetFileName(run.Source.Path)["case-".Length..^".traj.json".Length], CultureInfo.InvariantCulture);
            Assert.Contains($"output of case {caseIndex} step {CliSteps}", run.Steps[^1].ToolCalls.Single().Observation);
            // The big observation went to file storage in the command-line process and comes back whole here.
            Assert.Contains(new string('x', 300_000), run.Steps[3].ToolCalls.Single().Observation);
        }
        foreach (var expected in serverRuns)
        {
            var run = await reopened.GetRunAsync(expected.Id, includeSteps: true, CancellationToken.None);
            Assert.NotNull(run);
            Assert.Equal(Json(expected.Steps), Json(run.Steps));
        }

        // The file itself: every collection scans end to end with LiteDB's own reader.
        using var raw = new LiteDatabase(new ConnectionString { Filename = database, Connection = ConnectionType.Shared });
        Assert.Equal(serverRuns.Count + CliRuns, raw.GetCollection("runs").FindAll().Count());
        Assert.Equal(serverRuns.Sum(r => r.Steps.Count) + CliRuns * CliSteps, raw.GetCollection("steps").FindAll().Count());
        Assert.Equal(serverRuns.Count + CliRuns, raw.GetCollection("summaries").FindAll().Count());
    }

    private static Run ServerRun(int batch, int index)
    {
        var run = Simple($"server-{batch}-{index}", 12, framework: Frameworks.OpenHands, task: $"server task {batch} {index}");
        run.Steps[5].ToolCalls[0].Observation = $"server {batch} {index} " + new string('o', 200_000);
        return run;
    }

    /// <summary>A mini-SWE-agent trajectory with content unique to <paramref name="index"/> and one 300 KB observation.</summary>
    private static void WriteMiniSweAgentRun(string path, int index)
    {
        var messages = new List<object>
        {
            new { role = "system", content = "You are a helpful assistant that can interact with a computer shell." },
            new { role = "user", content = $"<pr_description>Fix bug number {index} in the command-line corpus.</pr_description>" },
        };
        for (var s = 1; s <= CliSteps; s++)
        {
            var output = s == 4 ? new string('x', 300_000) : $"output of case {index} step {s}";
            messages.Add(new { role = "assistant", content = $"THOUGHT: look at file {s}.\n\n```bash\ncat file{index}_{s}.py\n```" });
            messages.Add(new { role = "user", content = $"<returncode>0</returncode>\n<output>\n{output}\n</output>" });
        }
        var trajectory = new
        {
            info = new { exit_status = "Submitted", mini_version = "1.15.0", model_stats = new { instance_cost = 0.01, api_calls = CliSteps }, config = new { model = new { model_name = "acme/tiny-coder" } } },
            messages,
        };
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(trajectory));
    }
}
