using System.Globalization;
using System.Text.RegularExpressions;
using CodeTracer.Core.Import.Formats.Harness;
using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Import.Formats.ClaudeCode;

/// <summary>
/// Claude Code runs: a Terminal-Bench trial folder whose <c>sessions/agent.cast</c> recording holds the stream-json
/// transcript (<c>claude --output-format stream-json</c> in <c>commands.txt</c>), a Harbor trial folder with only
/// <c>agent/claude-code.txt</c> (clean stream-json), or a stream-json file or recording given directly.
/// </summary>
public sealed partial class ClaudeCodeImporter : ITrajectoryImporter
{
    private const string CastPath = "sessions/agent.cast";
    private const string HarborTranscript = "claude-code.txt";

    private const int ScanBlockBytes = 64 * 1024;

    // What a recording of Claude Code in stream-json mode holds: the command the harness typed, or the init event
    // (whose quotes are escaped, since the recording stores output as JSON strings).
    private static readonly byte[][] s_recordingMarkers =
    [
        "--output-format stream-json"u8.ToArray(),
        "{\\\"type\\\":\\\"system\\\",\\\"subtype\\\":\\\"init\\\""u8.ToArray(),
    ];

    private readonly ImportOptions _options;

    public ClaudeCodeImporter(IOptions<ImportOptions> options)
    {
        _options = options.Value;
    }

    public string Name => "claude-code";

    /// <summary>Below ATIF (a Harbor trial with agent/trajectory.json is read from that) and Terminus 2 (episode folders).</summary>
    public int Priority => 200;

    public string Describes =>
        "a Terminal-Bench trial folder with sessions/agent.cast and commands.txt running `claude --output-format stream-json`, "
        + "a Harbor trial folder with agent/claude-code.txt, or a Claude Code stream-json file starting with a system/init event";

    public bool ClaimsDirectory(DirectoryInfo directory)
    {
        var path = directory.FullName;
        var agent = Path.Combine(path, "agent");
        if (File.Exists(Path.Combine(agent, HarborTranscript)) && !File.Exists(Path.Combine(agent, "trajectory.json"))) return true;

        var commands = Path.Combine(path, "commands.txt");
        if (File.Exists(commands)
            && TerminalBenchCommands.Read(FileSniffer.Sniff(commands, _options.SniffBytes).Head).Any(TerminalBenchCommands.IsClaudeStreamJson))
        {
            return true;
        }
        var cast = Path.Combine(path, CastPath);
        return File.Exists(cast) && RecordingRunsClaude(cast);
    }

    public bool CanRead(FileSniff sniff)
    {
        var head = sniff.TrimmedHead;
        if (AsciicastReader.LooksLikeHeader(head)) return RecordingRunsClaude(sniff.Path);
        if (!LooksLikeStreamJson(head)) return false;
        // In a Harbor trial the ATIF trajectory beside the transcript is what gets read, unless the user named the
        // transcript itself (then nothing else is read from the folder, so there is no second copy of the run).
        if (sniff.ExplicitlyNamed) return true;
        var folder = Path.GetDirectoryName(sniff.Path);
        return !(sniff.FileName == HarborTranscript && folder is not null && File.Exists(Path.Combine(folder, "trajectory.json")));
    }

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var run = unit.IsDirectory ? ReadTrialFolder(unit.Path, context, cancellationToken) : ReadFile(unit.Path, context, cancellationToken);
        yield return RunReadResult.Ok(run);
    }

    private static Run ReadTrialFolder(string trial, ImportContext context, CancellationToken cancellationToken)
    {
        var harbor = Path.Combine(trial, "agent", HarborTranscript);
        Run run;
        string? prompt = null;
        if (File.Exists(harbor))
        {
            run = NewRun(trial, RunFormats.ClaudeCodeStreamJson);
            ReadStreamJsonFile(run, harbor, context, cancellationToken);
        }
        else
        {
            run = NewRun(trial, RunFormats.ClaudeCodeCast);
            prompt = ReadTerminalBenchTrial(run, trial, context, cancellationToken);
        }
        TrialResults.Apply(run, trial, context);
        run.Task.Id ??= TrialNames.TaskIdFromTrialFolder(Path.GetFileName(trial));
        // results.json's instruction is the task as given; the prompt read back from commands.txt is the fallback.
        if (string.IsNullOrWhiteSpace(run.Task.Text)) run.Task.Text = prompt;
        return run;
    }

    /// <summary>Reads the recording (or notes its absence); returns the prompt the harness gave <c>claude -p</c>.</summary>
    private static string? ReadTerminalBenchTrial(Run run, string trial, ImportContext context, CancellationToken cancellationToken)
    {
        string? prompt = null;
        var commands = Path.Combine(trial, "commands.txt");
        if (HarnessFiles.TryReadText(commands, context, run.Warnings) is { } commandText)
        {
            var claude = TerminalBenchCommands.Read(commandText).FirstOrDefault(TerminalBenchCommands.IsClaudeStreamJson);
            if (claude is not null) prompt = TerminalBenchCommands.ClaudePrompt(claude);
        }

        var cast = Path.Combine(trial, "sessions", "agent.cast");
        if (File.Exists(cast))
        {
            ReadRecording(run, cast, context, cancellationToken);
            return prompt;
        }

        // Without a recording the trial folder name is all that tells this run from the same task's other runs.
        // (With one, the recording alone identifies the run, so importing it directly gives the same id.)
        run.Source.UnitKey = Path.GetFileName(trial);
        if (File.Exists(commands)) HarnessFiles.AddSource(run, commands);
        run.Warnings.Add(new ImportWarning
        {
            Code = "no-steps",
            Message = "the trial has no sessions/agent.cast recording, so the agent's turns were not recorded: the run has its task and verdict but no steps",
            File = Path.Combine(trial, "sessions"),
        });
        return prompt;
    }

    private static Run ReadFile(string path, ImportContext context, CancellationToken cancellationToken)
    {
        var head = FileSniffer.Sniff(path, context.Options.SniffBytes).TrimmedHead;
        var isRecording = AsciicastReader.LooksLikeHeader(head);
        var run = NewRun(path, isRecording ? RunFormats.ClaudeCodeCast : RunFormats.ClaudeCodeStreamJson);
        if (isRecording) ReadRecording(run, path, context, cancellationToken);
        else ReadStreamJsonFile(run, path, context, cancellationToken);

        // A file inside a trial's sessions/ or agent/ folder still gets the trial's verdict.
        var folder = Path.GetDirectoryName(path);
        if (folder is not null && Path.GetFileName(folder) is "sessions" or "agent" && Path.GetDirectoryName(folder) is { } trial)
        {
            TrialResults.Apply(run, trial, context);
            run.Task.Id ??= TrialNames.TaskIdFromTrialFolder(Path.GetFileName(trial));
        }
        return run;
    }

    private static Run NewRun(string source, string format) => new()
    {
        Framework = Frameworks.ClaudeCode,
        Format = format,
        Source = new RunSource { Path = source },
    };

    /// <summary>Reads the stream-json transcript out of a Terminal-Bench asciinema recording.</summary>
    private static void ReadRecording(Run run, string cast, ImportContext context, CancellationToken cancellationToken)
    {
        HarnessFiles.AddSource(run, cast);
        var extractor = new StreamJsonLineExtractor(cast);
        var header = AsciicastReader.Read(cast, context, extractor.Add, run.Warnings, cancellationToken);
        extractor.Finish(run.Warnings);

        var transcript = new StreamJsonTranscript(run, cast);
        var unreadable = 0;
        string? firstProblem = null;
        var options = JsonInput.DocumentOptions(context);
        foreach (var recovered in extractor.Events)
        {
            try
            {
                using var document = System.Text.Json.JsonDocument.Parse(recovered.Json, options);
                transcript.Add(document.RootElement, recovered.FirstLine, recovered.LastLine, header.TimeOf(recovered.Time));
            }
            catch (System.Text.Json.JsonException ex)
            {
                if (unreadable++ == 0) firstProblem = $"line {recovered.FirstLine}: {JsonInput.DescribeJsonError(ex)}";
            }
        }
        transcript.Finish();

        if (unreadable > 0)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "stream-json-unreadable",
                Message = string.Create(CultureInfo.InvariantCulture, $"{unreadable} stream-json event(s) recovered from the recording are not valid JSON and were skipped (first at {firstProblem})"),
                File = cast,
            });
        }
        if (transcript.EventCount == 0)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "no-steps",
                Message = "the recording holds no Claude Code stream-json events: Claude Code did not start, or printed nothing before it was stopped",
                File = cast,
            });
        }
    }

    /// <summary>Reads a plain stream-json file, one event per line; a bad line is a warning, not a failure.</summary>
    private static void ReadStreamJsonFile(Run run, string path, ImportContext context, CancellationToken cancellationToken)
    {
        HarnessFiles.AddSource(run, path);
        var bytes = JsonInput.ReadAllBytesChecked(path, context);
        var transcript = new StreamJsonTranscript(run, path);
        var bad = 0;
        ImportError? firstBad = null;
        var lines = 0;
        foreach (var (lineNumber, line) in JsonInput.SplitLines(bytes))
        {
            if ((++lines & 0xFF) == 0) cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var document = JsonInput.ParseBytes(line, path, lineNumber - 1, context);
                transcript.Add(document.RootElement, lineNumber, lineNumber, time: null);
            }
            catch (ImportException ex)
            {
                if (bad++ == 0) firstBad = ex.Error;
            }
        }
        transcript.Finish();

        if (transcript.EventCount == 0)
        {
            throw new ImportException(path, firstBad?.Location,
                firstBad is null ? "no Claude Code stream-json events (lines with \"type\": system, assistant, user, result) in the file" : firstBad.Reason);
        }
        if (bad > 0)
        {
            run.Warnings.Add(new ImportWarning
            {
                Code = "lines-skipped",
                Message = string.Create(CultureInfo.InvariantCulture, $"{bad} line(s) are not valid JSON and were skipped (first: {firstBad!.Reason})"),
                File = path,
                Location = firstBad.Location,
            });
        }
    }

    /// <summary>A stream-json transcript opens with the <c>system</c>/<c>init</c> event on its first line.</summary>
    private static bool LooksLikeStreamJson(ReadOnlySpan<char> head)
    {
        if (!head.StartsWith("{", StringComparison.Ordinal)) return false;
        var end = head.IndexOf('\n');
        var first = (end >= 0 ? head[..end] : head).ToString();
        return InitType().IsMatch(first) && InitSubtype().IsMatch(first)
            && (first.Contains("\"claude_code_version\"", StringComparison.Ordinal) || first.Contains("\"session_id\"", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"""type""\s*:\s*""system""", RegexOptions.CultureInvariant)]
    private static partial Regex InitType();

    [GeneratedRegex(@"""subtype""\s*:\s*""init""", RegexOptions.CultureInvariant)]
    private static partial Regex InitSubtype();

    /// <summary>
    /// True when a recording shows Claude Code running with stream-json output: the typed command or the init event
    /// (JSON-escaped inside the recording). The command can come after hundreds of kilobytes of install output, so the
    /// file is scanned in blocks up to the import size limit, stopping at the first hit.
    /// </summary>
    private bool RecordingRunsClaude(string cast)
    {
        try
        {
            using var stream = new FileStream(cast, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, FileOptions.SequentialScan);
            var limit = Math.Min(stream.Length, _options.MaxFileBytes);
            var overlap = s_recordingMarkers.Max(m => m.Length) - 1;
            var buffer = new byte[ScanBlockBytes + overlap];
            var kept = 0;
            long scanned = 0;
            while (scanned < limit)
            {
                var read = stream.Read(buffer, kept, (int)Math.Min(ScanBlockBytes, limit - scanned));
                if (read <= 0) break;
                scanned += read;
                var window = buffer.AsSpan(0, kept + read);
                foreach (var marker in s_recordingMarkers)
                {
                    if (window.IndexOf(marker) >= 0) return true;
                }
                kept = Math.Min(overlap, window.Length);
                window[^kept..].CopyTo(buffer);
            }
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
