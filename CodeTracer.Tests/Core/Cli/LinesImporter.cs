using CodeTracer.Core;
using CodeTracer.Core.Import;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CodeTracer.Tests.Core.Cli;

/// <summary>
/// A made-up format for command-line tests, so they do not depend on any real agent format: a text file whose first
/// line is <c>lines-run: TASK</c> and whose every other line is one step's shell command. A line <c>!fail</c> makes
/// the importer throw, as a malformed file would.
/// </summary>
internal sealed class LinesImporter : ITrajectoryImporter
{
    public const string Header = "lines-run: ";

    public string Name => "lines-test";

    public int Priority => 0;

    public string Describes => "a text file starting with 'lines-run:'";

    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    public bool CanRead(FileSniff sniff) => sniff.Head.StartsWith(Header, StringComparison.Ordinal);

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var lines = File.ReadAllLines(unit.Path);
        var run = new Run
        {
            Framework = "lines",
            Format = "lines-test",
            Task = new TaskInfo { Title = lines[0][Header.Length..] },
            Source = new RunSource { Path = unit.Path },
        };
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i] == "!fail") throw new ImportException(unit.Path, $"line {i + 1}", "the test format says fail here");
            run.Steps.Add(new Step { ToolCalls = [new ToolCall { Tool = "bash", Command = lines[i], Observation = "ok" }] });
        }
        yield return RunReadResult.Ok(run);
    }

    /// <summary>Core's real services over <paramref name="databasePath"/>, plus this importer.</summary>
    public static ServiceProvider Services(string databasePath)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:DatabasePath"] = databasePath })
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddCodeTracerCore(configuration);
        services.AddSingleton<ITrajectoryImporter, LinesImporter>();
        return services.BuildServiceProvider();
    }
}
