using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary>The diagnosis verbs: <c>diagnose</c>, <c>eval</c>, <c>export</c>.</summary>
internal static class DiagnosisVerbs
{
    public static IEnumerable<Command> Create() => [];
}
