using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// OpenHands evaluation output: <c>output.jsonl</c> with one run per line (V0 events, V1 SDK events, legacy pair
/// lists, resolver dicts), or a file holding one such record. A bad line becomes an error naming its line; the other
/// lines still import.
/// </summary>
internal sealed class OpenHandsEvalJsonlImporter : ITrajectoryImporter
{
    public string Name => "openhands-eval";

    public int Priority => 0;

    public string Describes => "OpenHands eval output.jsonl: one JSON object per line with history[] (V0 events, V1 'kind' events, pair lists or resolver dicts)";

    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    public bool CanRead(FileSniff sniff) => OpenHandsSniff.LooksLikeEvalRecord(sniff);

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var path = unit.Path;
        var bytes = OpenHandsEventFiles.WithoutBom(JsonInput.ReadAllBytesChecked(path, context));
        var state = new FileState();

        if (!IsJsonLines(bytes))
        {
            // One record written with indentation (a single run saved on its own).
            yield return ReadRecord(bytes, path, lineNumber: null, context, state);
            yield break;
        }

        foreach (var (lineNumber, line) in JsonInput.SplitLines(bytes))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ReadRecord(line, path, lineNumber, context, state);
        }
    }

    /// <summary>
    /// JSON Lines when the first non-blank line is a whole object, or when the next line starts another object (the
    /// first one was cut short). An indented record spans lines and is read as one document.
    /// </summary>
    private static bool IsJsonLines(byte[] bytes)
    {
        var first = true;
        foreach (var (_, line) in JsonInput.SplitLines(bytes))
        {
            var span = line.Span.Trim(" \t\r"u8);
            if (!first) return span.Length > 0 && span[0] == (byte)'{';
            if (span.Length > 1 && span[0] == (byte)'{' && span[^1] == (byte)'}') return true;
            if (span.IsEmpty || span[0] != (byte)'{') return false;
            first = false;
        }
        return false;
    }

    private static RunReadResult ReadRecord(
        ReadOnlyMemory<byte> json, string path, int? lineNumber, ImportContext context, FileState state)
    {
        var location = lineNumber is { } n ? $"line {n}" : null;
        JsonDocument document;
        try
        {
            document = JsonInput.ParseBytes(json, path, (lineNumber ?? 1) - 1, context);
        }
        catch (ImportException ex) when (lineNumber is not null)
        {
            // The parser speaks of the file; in JSON Lines it is the line that was cut.
            var reason = ex.Error.Reason.Replace("the file ends early", "the line ends early", StringComparison.Ordinal);
            return RunReadResult.Failed(new ImportError(ex.Error.File, ex.Error.Location, reason));
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return RunReadResult.Failed(new ImportError(path, location, $"expected a JSON object (one OpenHands eval record), found {Describe(root.ValueKind)}"));
            }
            if (!root.TryGetProperty("history", out var history) || history.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                return RunReadResult.Failed(new ImportError(path, location, "the record has no history list, so it holds no OpenHands run"));
            }

            Run run;
            try
            {
                (run, state.Shape) = OpenHandsRecord.Read(root, path, lineNumber, state.Shape);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
            {
                // A field of an unexpected type deep in one record must not lose the file's other runs.
                return RunReadResult.Failed(new ImportError(path, location, $"could not read the record: {ex.Message}"));
            }

            run.Source.Files.Add(new SourceFile { Path = path });
            if (run.Model is null && state.RunMetadata(path, context) is { } metadata)
            {
                // Older eval scripts kept the model only in the output folder's metadata.json, not on every line.
                run.Model = metadata.Model;
                run.Source.Files.Add(new SourceFile { Path = metadata.Path });
            }

            if (lineNumber is { } line)
            {
                // Many runs share one file, so each needs its own key; repeated instances (several attempts) keep the line.
                var key = run.Task.Id ?? $"line {line}";
                run.Source.UnitKey = state.Keys.Add(key) ? key : $"{key} (line {line})";
            }
            else
            {
                run.Source.UnitKey = run.Task.Id;
            }
            return RunReadResult.Ok(run);
        }
    }

    /// <summary>What one file's lines share: the unit keys used so far and the history shape of the last line.</summary>
    private sealed class FileState
    {
        private bool _metadataRead;
        private (string Path, string Model)? _metadata;

        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public HistoryShape Shape { get; set; } = HistoryShape.V0Events;

        /// <summary>The model named by a <c>metadata.json</c> beside the output file, read once per file.</summary>
        public (string Path, string Model)? RunMetadata(string outputPath, ImportContext context)
        {
            if (_metadataRead) return _metadata;
            _metadataRead = true;
            var file = Path.Combine(Path.GetDirectoryName(outputPath) ?? "", "metadata.json");
            if (!File.Exists(file)) return null;
            try
            {
                using var document = OpenHandsEventFiles.ParseFile(file, context);
                var root = document.RootElement;
                var model = OpenHandsJson.ModelFromConfig(root.Prop("llm_config"))
                    ?? OpenHandsJson.ModelFromConfig(root.Prop("llm"))
                    ?? OpenHandsJson.NonEmpty(root.Str("model_name"))
                    ?? OpenHandsJson.NonEmpty(root.Str("Model name"));
                _metadata = model is null ? null : (file, model);
            }
            catch (ImportException)
            {
                // A broken side file only costs the model name; the runs themselves are whole.
            }
            return _metadata;
        }
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
