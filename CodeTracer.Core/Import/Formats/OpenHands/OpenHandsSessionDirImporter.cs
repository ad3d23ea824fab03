using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// A V0 server session folder: <c>events/0.json … N.json</c> (one event per file), <c>metadata.json</c> (title,
/// model, tokens, cost) and a binary <c>agent_state.pkl</c> that is ignored. Events are ordered by their integer
/// file name, since <c>10.json</c> sorts before <c>2.json</c> as text.
/// </summary>
internal sealed class OpenHandsSessionDirImporter : ITrajectoryImporter
{
    public string Name => "openhands-session";

    public int Priority => 10;

    public string Describes => "OpenHands session folder: events/N.json (+ metadata.json)";

    public bool ClaimsDirectory(DirectoryInfo directory) => EventsFolder(directory) is not null;

    public bool CanRead(FileSniff sniff) => false;

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var directory = new DirectoryInfo(unit.Path);
        var events = EventsFolder(directory)
            ?? throw new ImportException(unit.Path, null, "no events/N.json files: not an OpenHands session folder");
        var run = new Run
        {
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsSessionDir,
            FormatVersion = OpenHandsRecord.V0,
        };
        run.Source.Path = directory.FullName;

        // The session folder is the events folder's parent, unless the user pointed at the events folder itself.
        var sessionFolder = events.FullName == directory.FullName && directory.Name == "events" && directory.Parent is { } parent
            && File.Exists(Path.Combine(parent.FullName, "metadata.json"))
                ? parent.FullName
                : directory.FullName;
        DateTime? createdAt = null, updatedAt = null;
        using (var metadata = OpenHandsEventFiles.ReadSideFile(Path.Combine(sessionFolder, "metadata.json"), context, run))
        {
            if (metadata?.RootElement is { ValueKind: System.Text.Json.JsonValueKind.Object } m)
            {
                run.Task.Title = OpenHandsJson.NonEmpty(m.Str("title")) ?? "";
                run.Model = OpenHandsJson.NonEmpty(m.Str("llm_model"));
                run.Metrics.CostUsd = m.Double("accumulated_cost");
                run.Metrics.PromptTokens = m.Long("prompt_tokens");
                run.Metrics.CompletionTokens = m.Long("completion_tokens");
                createdAt = OpenHandsJson.Timestamp(m, "created_at");
                updatedAt = OpenHandsJson.Timestamp(m, "last_updated_at");
            }
        }

        var files = events.EnumerateFiles("*.json")
            .Select(f => (File: f.FullName, Id: OpenHandsEventFiles.NumericName(f.FullName)))
            .Where(f => f.Id is not null)
            .OrderBy(f => f.Id)
            .ToList();
        var reader = new V0EventReader(V0Joining.ByCause);
        foreach (var (file, _) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            OpenHandsEventFiles.ReadEvent(file, context, run, reader.Add);
        }
        OpenHandsEventFiles.Fill(run, reader, directory.FullName);
        // Event times line up with the steps; metadata.json's are the fallback for a session with no event times.
        run.Metrics.StartedAtUtc ??= createdAt;
        run.Metrics.EndedAtUtc ??= updatedAt;
        return [RunReadResult.Ok(run)];
    }

    /// <summary>The folder holding the numbered event files: <c>events/</c> inside a session, or the folder itself when it is that.</summary>
    private static DirectoryInfo? EventsFolder(DirectoryInfo directory)
    {
        var events = new DirectoryInfo(Path.Combine(directory.FullName, "events"));
        if (events.Exists && HasNumberedEvents(events)) return events;
        return directory.Name == "events" && HasNumberedEvents(directory) ? directory : null;
    }

    /// <summary>Numbered JSON files whose first one reads as a V0 event (an action or an observation), judged by content.</summary>
    private static bool HasNumberedEvents(DirectoryInfo folder)
    {
        var first = OpenHandsEventFiles.Lowest(folder.EnumerateFiles("*.json"), OpenHandsEventFiles.NumericName);
        return first is not null && OpenHandsEventFiles.HeadContains(first.FullName, "\"action\"", "\"observation\"");
    }
}
