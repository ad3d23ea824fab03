using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import.Formats.CodeTracerNormalized;

/// <summary>
/// CodeTracer's own normalized case folders (<c>steps.json</c> + <c>stage_ranges.json</c> + <c>task.md</c> [+ <c>tree.md</c>]),
/// the intermediate data of its benchmark. One step per <c>steps.json</c> entry; the stage ranges are kept as shipped
/// (they often run past the last step) for tree indexing to check.
/// </summary>
public sealed class CodeTracerNormalizedImporter : ITrajectoryImporter
{
    // Case folders are named <agent>-<Vendor>__<Model>-<task>-<8 hex>; the prefix names the agent the run came from.
    private static readonly Dictionary<string, string> s_agentPrefixes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["miniswe"] = Frameworks.MiniSweAgent,
        ["mini-swe-agent"] = Frameworks.MiniSweAgent,
        ["openhands"] = Frameworks.OpenHands,
        ["terminus2"] = Frameworks.Terminus2,
        ["terminus"] = Frameworks.Terminus2,
        ["sweagent"] = Frameworks.SweAgent,
        ["claude_code"] = Frameworks.ClaudeCode,
    };

    private readonly ImportOptions _options;

    public CodeTracerNormalizedImporter(IOptions<ImportOptions> options)
    {
        _options = options.Value;
    }

    public string Name => "codetracer-normalized";

    public int Priority => 150;

    public string Describes => "a CodeTracer normalized folder: steps.json (a list of {step_id, action | action_ref, observation | observation_ref}) with stage_ranges.json / task.md";

    public bool ClaimsDirectory(DirectoryInfo directory)
    {
        var steps = Path.Combine(directory.FullName, "steps.json");
        return File.Exists(steps) && LooksLikeSteps(FileSniffer.Sniff(steps, _options.SniffBytes).TrimmedHead);
    }

    public bool CanRead(FileSniff sniff) => false;

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        yield return RunReadResult.Ok(ReadCase(unit.Path, context, cancellationToken));
    }

    /// <summary>A JSON list whose first element is an object with <c>step_id</c>.</summary>
    internal static bool LooksLikeSteps(ReadOnlySpan<char> head)
    {
        if (!head.StartsWith("[", StringComparison.Ordinal)) return false;
        var rest = head[1..].TrimStart();
        return rest.StartsWith("{", StringComparison.Ordinal) && rest.Contains("\"step_id\"", StringComparison.Ordinal);
    }

    private static Run ReadCase(string folder, ImportContext context, CancellationToken cancellationToken)
    {
        var caseName = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var prefix = TrialNames.AgentPrefixOfCaseFolder(caseName);
        var run = new Run
        {
            Framework = prefix is not null && s_agentPrefixes.TryGetValue(prefix, out var framework) ? framework : Frameworks.CodeTracer,
            Format = RunFormats.CodeTracerNormalized,
            Source = new RunSource { Path = folder },
        };

        var stepsPath = Path.Combine(folder, "steps.json");
        HarnessFiles.AddSource(run, stepsPath);
        string? firstActionPath = null;
        using (var document = JsonInput.ParseFile(stepsPath, context))
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array) throw new ImportException(stepsPath, "$", "steps.json should be a list of steps");
            firstActionPath = ReadSteps(run, document.RootElement, stepsPath, cancellationToken);
        }

        var taskPath = Path.Combine(folder, "task.md");
        if (HarnessFiles.TryReadText(taskPath, context, run.Warnings) is { } task)
        {
            HarnessFiles.AddSource(run, taskPath);
            if (!string.IsNullOrWhiteSpace(task)) run.Task.Text = task.Trim();
        }

        ReadStageRanges(run, Path.Combine(folder, "stage_ranges.json"), context);

        run.Task.Id = TaskIdFromActionPath(firstActionPath, caseName);
        run.Model = ModelFromActionPath(firstActionPath, caseName) ?? TrialNames.ModelFromCaseFolder(caseName, run.Task.Id);
        return run;
    }

    /// <summary>Reads the steps in step-id order; returns the first action_ref path (it names the task folder).</summary>
    private static string? ReadSteps(Run run, JsonElement steps, string file, CancellationToken cancellationToken)
    {
        var read = new List<(long Id, Step Step)>();
        string? firstActionPath = null;
        var index = -1;
        foreach (var entry in steps.EnumerateArray())
        {
            index++;
            if ((index & 0xFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            if (entry.ValueKind != JsonValueKind.Object || entry.Long("step_id") is not { } id)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "step-skipped",
                    Message = "a steps.json entry without a numeric step_id was skipped",
                    File = file,
                    Location = string.Create(CultureInfo.InvariantCulture, $"$[{index}]"),
                });
                continue;
            }

            var actionRef = entry.Prop("action_ref");
            var observationRef = entry.Prop("observation_ref");
            firstActionPath ??= actionRef?.Str("path");
            var command = NullIfBlank(entry.Str("action")) ?? NullIfBlank(actionRef?.Str("content"));
            var observation = entry.Str("observation") ?? observationRef?.Str("content");
            var step = new Step
            {
                Thought = NullIfBlank(entry.Str("thinking")),
                Provenance = ProvenanceOf(actionRef, file, index),
            };
            if (command is not null || observation is not null)
            {
                step.ToolCalls.Add(new ToolCall
                {
                    Tool = NullIfBlank(entry.Str("tool_type")) ?? "shell",
                    Command = command,
                    Observation = observation,
                });
            }
            read.Add((id, step));
        }

        // Stage ranges name step ids, so steps must sit in id order; parallel-group entries stay separate steps.
        read.Sort((a, b) => a.Id.CompareTo(b.Id));
        for (var i = 0; i < read.Count; i++)
        {
            if (read[i].Id != i + 1)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "step-ids-renumbered",
                    Message = string.Create(CultureInfo.InvariantCulture,
                        $"step ids in steps.json are not 1..{read.Count} in order (found {read[i].Id} at position {i + 1}); steps are renumbered, so shipped stage ranges may point at other steps"),
                    File = file,
                });
                break;
            }
        }
        run.Steps.AddRange(read.Select(r => r.Step));
        return firstActionPath;
    }

    /// <summary>Copies <c>stage_ranges.json</c> as it is into <see cref="Run.ShippedStages"/>: tree indexing checks it.</summary>
    private static void ReadStageRanges(Run run, string path, ImportContext context)
    {
        using var document = HarnessFiles.TryParseJson(path, context, run.Warnings);
        if (document is null) return;
        HarnessFiles.AddSource(run, path);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            run.Warnings.Add(new ImportWarning { Code = "stage-ranges-unreadable", Message = "stage_ranges.json should be a list of {stage, start_step_id, end_step_id}", File = path });
            return;
        }
        var index = -1;
        foreach (var range in document.RootElement.EnumerateArray())
        {
            index++;
            var start = range.Long("start_step_id");
            var end = range.Long("end_step_id");
            if (start is null || end is null)
            {
                run.Warnings.Add(new ImportWarning
                {
                    Code = "stage-ranges-unreadable",
                    Message = "a stage range without numeric start_step_id and end_step_id was skipped",
                    File = path,
                    Location = string.Create(CultureInfo.InvariantCulture, $"$[{index}]"),
                });
                continue;
            }
            run.ShippedStages.Add(new Stage
            {
                Id = (int)Math.Clamp(range.Long("stage") ?? index + 1, int.MinValue, int.MaxValue),
                FirstStep = (int)Math.Clamp(start.Value, int.MinValue, int.MaxValue),
                LastStep = (int)Math.Clamp(end.Value, int.MinValue, int.MaxValue),
                FromSource = true,
            });
        }
    }

    private static Provenance ProvenanceOf(JsonElement? actionRef, string file, int index)
    {
        if (actionRef?.Str("path") is { Length: > 0 } path)
        {
            return new Provenance
            {
                File = path,
                LineStart = ToInt(actionRef.Value.Long("line_start")),
                LineEnd = ToInt(actionRef.Value.Long("line_end")),
            };
        }
        return new Provenance { File = file, JsonPointer = string.Create(CultureInfo.InvariantCulture, $"/{index}") };
    }

    /// <summary>
    /// The task id from an action_ref path such as <c>terminus2/&lt;Model&gt;/terminus2-claude/make-mips-interpreter/make-mips-interpreter.1-of-1.…/agent-logs/…</c>:
    /// the folder before the trial folder, or (when there is no trial folder) the folder holding <c>agent-logs</c> or <c>sessions</c>.
    /// </summary>
    private static string? TaskIdFromActionPath(string? path, string caseName)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var parts = path.Split('/', '\\');
        for (var i = 1; i < parts.Length; i++)
        {
            if (TrialNames.IsTerminalBenchTrial(parts[i]) && parts[i].StartsWith(parts[i - 1] + ".", StringComparison.Ordinal)) return parts[i - 1];
        }
        for (var i = 1; i < parts.Length; i++)
        {
            if (parts[i] is "agent-logs" or "sessions" or "agent" && caseName.Contains("-" + parts[i - 1] + "-", StringComparison.Ordinal)) return parts[i - 1];
        }
        return null;
    }

    /// <summary>The model folder of an action_ref path (<c>DeepSeek__DeepSeek-V3.2</c>) when the case name holds it too.</summary>
    private static string? ModelFromActionPath(string? path, string caseName)
    {
        if (string.IsNullOrEmpty(path)) return null;
        foreach (var part in path.Split('/', '\\'))
        {
            var separator = part.IndexOf("__", StringComparison.Ordinal);
            if (separator > 0 && separator < part.Length - 2 && caseName.Contains("-" + part + "-", StringComparison.Ordinal))
            {
                return string.Concat(part.AsSpan(0, separator), "/", part.AsSpan(separator + 2));
            }
        }
        return null;
    }

    private static int? ToInt(long? value) => value is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : null;

    private static string? NullIfBlank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
