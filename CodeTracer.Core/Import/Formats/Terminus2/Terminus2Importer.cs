using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.Terminus2;

/// <summary>
/// Terminus 2 runs from their episode folders: Terminal-Bench's <c>&lt;trial&gt;/agent-logs/episode-N/</c> or
/// Harbor's <c>&lt;trial&gt;/agent/episode-N/</c> (when there is no ATIF <c>agent/trajectory.json</c>). One step per
/// episode: <c>response.txt</c> is the model's action, the next episode's <c>prompt.txt</c> its observation.
/// </summary>
/// <remarks>
/// Every other file is optional: real trials rebuilt from benchmark data have no <c>episode-0/prompt.txt</c>,
/// <c>debug.json</c>, <c>results.json</c>, <c>sessions/</c> or <c>panes/</c>, and still import.
/// </remarks>
public sealed class Terminus2Importer : ITrajectoryImporter
{
    private const string EpisodePrefix = "episode-";

    // Headers the harness starts an observation prompt with; anything else first is a context-summary handoff.
    private static readonly string[] s_observationHeaders =
        ["Previous response had", "New Terminal Output:", "Current Terminal Screen:", "Current terminal state:"];

    private static readonly string[] s_terminalHeaders = ["New Terminal Output:", "Current Terminal Screen:", "Current terminal state:"];

    public string Name => "terminus-2";

    /// <summary>Below ATIF (a Harbor trial with trajectory.json), above Claude Code (both live in trial folders).</summary>
    public int Priority => 250;

    public string Describes => "a Terminal-Bench trial folder with agent-logs/episode-N/response.txt, or a Harbor trial folder with agent/episode-N/";

    public bool ClaimsDirectory(DirectoryInfo directory)
    {
        var path = directory.FullName;
        if (HasEpisodes(Path.Combine(path, "agent-logs"))) return true;
        var agent = Path.Combine(path, "agent");
        return HasEpisodes(agent) && !File.Exists(Path.Combine(agent, "trajectory.json"));
    }

    public bool CanRead(FileSniff sniff) => false;

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        yield return RunReadResult.Ok(ReadTrial(unit.Path, context, cancellationToken));
    }

    private static Run ReadTrial(string trial, ImportContext context, CancellationToken cancellationToken)
    {
        var terminalBench = Path.Combine(trial, "agent-logs");
        var isHarbor = !HasEpisodes(terminalBench);
        var logs = isHarbor ? Path.Combine(trial, "agent") : terminalBench;
        var run = new Run
        {
            Framework = Frameworks.Terminus2,
            Format = RunFormats.Terminus2Episodes,
            FormatVersion = isHarbor ? "harbor" : "terminal-bench",
            Source = new RunSource { Path = trial },
        };

        var episodes = ListEpisodes(logs, run);
        if (episodes.Count == 0) throw new ImportException(logs, null, "no episode-N folders with a response.txt or prompt.txt");

        var taskId = TrialNames.TaskIdFromTrialFolder(Path.GetFileName(trial));
        ReadFirstPrompt(run, episodes[0], context);
        run.Model = ModelFromDebug(episodes, context, run.Warnings)
            ?? TrialNames.ModelFromCaseFolder(Path.GetFileName(Path.GetDirectoryName(trial)) ?? "", taskId);

        ReadSteps(run, episodes, context, cancellationToken);

        TrialResults.Apply(run, trial, context);
        run.Task.Id ??= taskId;
        return run;
    }

    private static void ReadSteps(Run run, List<(int Number, string Path)> episodes, ImportContext context, CancellationToken cancellationToken)
    {
        TerminusResponse? last = null;
        for (var i = 0; i < episodes.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (number, folder) = episodes[i];
            var responsePath = Path.Combine(folder, "response.txt");
            if (!File.Exists(responsePath))
            {
                // The harness writes prompt.txt before calling the model; its prompt is still the previous step's observation.
                run.Warnings.Add(new ImportWarning
                {
                    Code = "episode-without-response",
                    Message = $"episode-{number} has a prompt but no response.txt: the model's answer to it was not recorded",
                    File = folder,
                });
                continue;
            }

            var responseText = HarnessFiles.ReadText(responsePath, context);
            HarnessFiles.AddSource(run, responsePath);

            string? observation = null;
            if (i + 1 < episodes.Count)
            {
                var promptPath = Path.Combine(episodes[i + 1].Path, "prompt.txt");
                if (HarnessFiles.TryReadText(promptPath, context, run.Warnings) is { } prompt)
                {
                    HarnessFiles.AddSource(run, promptPath);
                    observation = ObservationOf(prompt);
                }
            }

            var step = new Step
            {
                Provenance = new Provenance { File = responsePath, LineStart = 1, LineEnd = HarnessFiles.CountLines(responseText) },
            };
            var response = TerminusResponseParser.Parse(responseText);
            if (response is null)
            {
                step.Thought = string.IsNullOrWhiteSpace(responseText) ? null : responseText;
                var reply = observation is not null && observation.StartsWith("Previous response had parsing errors", StringComparison.Ordinal)
                    ? "; the harness answered: " + FirstLines(observation, 2)
                    : "";
                run.Warnings.Add(new ImportWarning
                {
                    Code = "response-unparsed",
                    Message = string.IsNullOrWhiteSpace(responseText)
                        ? $"episode-{number}'s response is empty, so the step has no commands{reply}"
                        : $"episode-{number}'s response is neither Terminus JSON nor XML (truncated or free text), so the step has no commands and its raw text is the thought{reply}",
                    File = responsePath,
                });
            }
            else
            {
                step.Thought = response.Thought;
                foreach (var command in response.Commands)
                {
                    var keys = command.Keystrokes.TrimEnd('\n');
                    step.ToolCalls.Add(new ToolCall
                    {
                        Tool = "keystrokes",
                        Command = keys.Length == 0 ? null : keys,
                        Arguments = command.ArgumentsJson,
                        DurationSeconds = command.Duration,
                    });
                }
                if (response.TaskComplete)
                {
                    step.ToolCalls.Add(new ToolCall { Tool = "mark_task_complete", Arguments = "{}" });
                }
                last = response;
            }

            if (observation is not null && step.ToolCalls.Count > 0) step.ToolCalls[^1].Observation = observation;
            run.Steps.Add(step);
        }
        if (last?.TaskComplete == true) run.ExitStatus = "task_complete";
    }

    /// <summary>Task text from episode 0's prompt (<c>Task Description:</c> up to the terminal state).</summary>
    private static void ReadFirstPrompt(Run run, (int Number, string Path) first, ImportContext context)
    {
        if (first.Number != 0) return;
        var path = Path.Combine(first.Path, "prompt.txt");
        if (HarnessFiles.TryReadText(path, context, run.Warnings) is not { } prompt) return;
        HarnessFiles.AddSource(run, path);
        const string Marker = "Task Description:";
        var start = prompt.IndexOf(Marker, StringComparison.Ordinal);
        if (start < 0) return;
        start += Marker.Length;
        var end = prompt.IndexOf("Current terminal state:", start, StringComparison.Ordinal);
        if (end < 0) end = prompt.IndexOf("Current Terminal Screen:", start, StringComparison.Ordinal);
        var text = (end < 0 ? prompt[start..] : prompt[start..end]).Trim();
        if (text.Length > 0) run.Task.Text = text;
    }

    /// <summary>
    /// The model from the first episode's LiteLLM <c>debug.json</c>. Its keys change with LiteLLM versions, so
    /// only a top-level <c>model</c> (or <c>litellm_params.model</c>) is trusted.
    /// </summary>
    private static string? ModelFromDebug(List<(int Number, string Path)> episodes, ImportContext context, List<ImportWarning> warnings)
    {
        foreach (var (_, folder) in episodes)
        {
            var path = Path.Combine(folder, "debug.json");
            if (!File.Exists(path)) continue;
            using var document = HarnessFiles.TryParseJson(path, context, warnings);
            if (document is null || document.RootElement.ValueKind != JsonValueKind.Object) return null;
            var root = document.RootElement;
            return root.Str("model") ?? root.Prop("litellm_params")?.Str("model");
        }
        return null;
    }

    /// <summary>
    /// The observation a prompt carries: the whole prompt (harness warnings and parse errors included), except that a
    /// context-summary handoff before the terminal output is left out.
    /// </summary>
    private static string ObservationOf(string prompt)
    {
        var text = prompt.TrimEnd();
        if (s_observationHeaders.Any(header => text.StartsWith(header, StringComparison.Ordinal))) return text;
        var cut = s_terminalHeaders.Select(header => text.IndexOf(header, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).Min();
        return cut > 0 ? text[cut..] : text;
    }

    private static List<(int Number, string Path)> ListEpisodes(string logs, Run run)
    {
        var episodes = new List<(int Number, string Path)>();
        foreach (var folder in Directory.EnumerateDirectories(logs, EpisodePrefix + "*"))
        {
            var name = Path.GetFileName(folder);
            if (int.TryParse(name.AsSpan(EpisodePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                episodes.Add((number, folder));
            }
        }
        episodes.Sort((a, b) => a.Number.CompareTo(b.Number));

        var expected = 0;
        foreach (var (number, _) in episodes)
        {
            if (number != expected)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "episodes-missing",
                    Message = number == expected + 1
                        ? $"episode-{expected} is missing: the step after it gets the next episode's prompt as its observation"
                        : $"episodes {expected} to {number - 1} are missing",
                    File = logs,
                });
            }
            expected = number + 1;
        }
        return episodes;
    }

    private static bool HasEpisodes(string folder)
    {
        if (!Directory.Exists(folder)) return false;
        foreach (var episode in Directory.EnumerateDirectories(folder, EpisodePrefix + "*"))
        {
            if (File.Exists(Path.Combine(episode, "response.txt")) || File.Exists(Path.Combine(episode, "prompt.txt"))) return true;
        }
        return false;
    }

    private static string FirstLines(string text, int count)
    {
        var lines = text.Split('\n', count + 1);
        return string.Join(" / ", lines.Take(count).Select(l => l.Trim()));
    }
}
