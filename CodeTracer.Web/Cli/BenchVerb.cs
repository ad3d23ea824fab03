using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary><c>bench SUBCOMMAND</c>: speed and memory figures, each printed next to its target.</summary>
internal static class BenchVerb
{
    public static Command Create()
    {
        // One subcommand per figure family, each in its own Bench*.cs file; add new ones here.
        return new Command("bench", "Measure import, storage and query speed and memory against their targets")
        {
            BenchImportCommand.Create(),
            BenchRunsQueryCommand.Create(),
            BenchRunPageVerb.Create(),
            BenchDiagnosisTokensVerb.Create(),
        };
    }
}
