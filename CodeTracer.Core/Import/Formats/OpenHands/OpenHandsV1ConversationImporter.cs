using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// A V1 software-agent-sdk conversation folder: <c>events/event-NNNNN-&lt;uuid&gt;.json</c> beside
/// <c>base_state.json</c> (agent, model, status, stats), and in the benchmarks variant under <c>event_service/</c>
/// with a <c>meta.json</c>. Condensation events stay in the run as marker steps.
/// </summary>
internal sealed class OpenHandsV1ConversationImporter : ITrajectoryImporter
{
    public string Name => "openhands-v1-conversation";

    public int Priority => 10;

    public string Describes => "OpenHands V1 conversation folder: events/event-NNNNN-<id>.json (+ base_state.json, meta.json)";

    public bool ClaimsDirectory(DirectoryInfo directory)
    {
        var events = new DirectoryInfo(Path.Combine(directory.FullName, "events"));
        if (!events.Exists) return false;
        var first = OpenHandsEventFiles.Lowest(events.EnumerateFiles("event-*.json"), OpenHandsEventFiles.V1EventIndex);
        // Judged by content too: V1 events are typed by "kind".
        return first is not null && OpenHandsEventFiles.HeadContains(first.FullName, "\"kind\"");
    }

    public bool CanRead(FileSniff sniff) => false;

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var folder = unit.Path;
        var run = new Run
        {
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsV1ConversationDir,
            FormatVersion = OpenHandsRecord.V1,
        };
        run.Source.Path = folder;

        Dictionary<string, StepTokens>? usage = null;
        DateTime? createdAt = null, updatedAt = null;
        using (var state = OpenHandsEventFiles.ReadSideFile(Path.Combine(folder, "base_state.json"), context, run))
        {
            if (state?.RootElement is { ValueKind: JsonValueKind.Object } s)
            {
                run.Model = OpenHandsJson.ModelFromConfig(s.Prop("agent")?.Prop("llm"));
                run.ExitStatus = OpenHandsJson.NonEmpty(s.Str("agent_status"));
                usage = ReadStats(run.Metrics, s.Prop("stats")?.Prop("service_to_metrics"));
            }
        }
        using (var meta = OpenHandsEventFiles.ReadSideFile(Path.Combine(folder, "meta.json"), context, run))
        {
            if (meta?.RootElement is { ValueKind: JsonValueKind.Object } m)
            {
                run.Model ??= OpenHandsJson.ModelFromConfig(m.Prop("agent")?.Prop("llm"));
                createdAt = OpenHandsJson.Timestamp(m, "created_at");
                updatedAt = OpenHandsJson.Timestamp(m, "updated_at");
                if (run.Metrics.CostUsd is null) OpenHandsRecord.ReadMetrics(run.Metrics, m.Prop("metrics"));
            }
        }

        var files = new DirectoryInfo(Path.Combine(folder, "events")).EnumerateFiles("event-*.json")
            .Select(f => (File: f.FullName, Index: OpenHandsEventFiles.V1EventIndex(f.Name)))
            .Where(f => f.Index is not null)
            .OrderBy(f => f.Index)
            .ToList();
        var reader = new V1EventReader(usage);
        foreach (var (file, _) in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            OpenHandsEventFiles.ReadEvent(file, context, run, reader.Add);
        }
        OpenHandsEventFiles.Fill(run, reader, folder);
        // meta.json times are UTC while event times are the writer's local clock without an offset: the run's span
        // comes from the events so that it lines up with its steps, and from meta.json only when there are none.
        run.Metrics.StartedAtUtc ??= createdAt;
        run.Metrics.EndedAtUtc ??= updatedAt;
        return [RunReadResult.Ok(run)];
    }

    /// <summary>Sums cost and tokens over the conversation's LLM services (the agent and its condenser); returns usage per response.</summary>
    private static Dictionary<string, StepTokens>? ReadStats(RunMetrics metrics, JsonElement? services)
    {
        if (services is not { ValueKind: JsonValueKind.Object } byService) return null;
        var perService = new List<JsonElement>();
        foreach (var service in byService.EnumerateObject())
        {
            if (service.Value.ValueKind != JsonValueKind.Object) continue;
            perService.Add(service.Value);
            var one = new RunMetrics();
            OpenHandsRecord.ReadMetrics(one, service.Value);
            metrics.CostUsd = Add(metrics.CostUsd, one.CostUsd);
            metrics.PromptTokens = Add(metrics.PromptTokens, one.PromptTokens);
            metrics.CompletionTokens = Add(metrics.CompletionTokens, one.CompletionTokens);
            metrics.CachedTokens = Add(metrics.CachedTokens, one.CachedTokens);
            metrics.ApiCalls = Add(metrics.ApiCalls, one.ApiCalls);
        }
        return OpenHandsRecord.UsageByResponse(perService);
    }

    private static T? Add<T>(T? total, T? value) where T : struct, System.Numerics.INumber<T> =>
        value is null ? total : (total ?? T.Zero) + value.Value;
}
