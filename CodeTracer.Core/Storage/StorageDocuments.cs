using System.Globalization;
using CodeTracer.Core.Model;
using LiteDB;

namespace CodeTracer.Core.Storage;

/// <summary>How runs, steps and summaries are laid out in LiteDB documents.</summary>
internal static class StorageDocuments
{
    public const string Runs = "runs";
    public const string Steps = "steps";
    public const string Diagnoses = "diagnoses";
    public const string Summaries = "summaries";
    public const string SearchTerms = "search_terms";
    public const string Meta = "meta";
    public const string FilesCollection = "texts_files";
    public const string ChunksCollection = "texts_chunks";

    /// <summary>The meta document holding the change sequence number every write bumps.</summary>
    public const string SeqKey = "seq";

    /// <summary>
    /// A private mapper (never the global one) set so that text comes back exactly as stored: LiteDB's defaults trim
    /// whitespace and turn empty strings into null, which would alter observations and break non-null model members.
    /// </summary>
    public static BsonMapper CreateMapper()
    {
        var mapper = new BsonMapper
        {
            TrimWhitespace = false,
            EmptyStringToNull = false,
            SerializeNullValues = false,
            EnumAsInteger = false,
        };
        mapper.Entity<Run>().Id(r => r.Id, autoId: false).Ignore(r => r.Steps);
        mapper.Entity<RunDiagnosis>().Id(d => d.Id, autoId: false);
        mapper.Entity<Stage>().Ignore(s => s.StepCount);
        return mapper;
    }

    /// <summary>Step ids are padded so the primary key orders a run's steps and a range of them is one index seek.</summary>
    public static string StepKey(string runId, int stepId) => runId + ":" + stepId.ToString("D10", CultureInfo.InvariantCulture);

    /// <summary>Where a text moved out of its document is kept in file storage.</summary>
    public static string TextFileId(string runId, string path) => runId + "/" + path;

    /// <summary>The prefix of every stored text of a run, for deleting them together.</summary>
    public static string TextFilePrefix(string runId) => runId + "/";

    /// <summary>Run ids become parts of other keys (<c>id:step</c>, <c>id/path</c>), so only plain characters are accepted.</summary>
    public static string? DescribeBadRunId(string? id)
    {
        if (string.IsNullOrEmpty(id)) return "the run has no id";
        if (id.Length > 200) return "the run id is longer than 200 characters";
        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) return $"the run id '{id}' holds '{c}'; only letters, digits, '-', '_' and '.' are allowed";
        }
        return null;
    }

    public static RunSummary Summarize(Run run)
    {
        long? tokens = run.Metrics.PromptTokens is null && run.Metrics.CompletionTokens is null
            ? null
            : (run.Metrics.PromptTokens ?? 0) + (run.Metrics.CompletionTokens ?? 0);
        return new RunSummary
        {
            Id = run.Id,
            Framework = run.Framework,
            Format = run.Format,
            Model = run.Model,
            TaskId = run.Task.Id,
            TaskTitle = run.Task.Title,
            Outcome = run.Outcome.Status,
            ExitStatus = run.ExitStatus,
            StepCount = run.StepCount,
            ToolCallCount = run.ToolCallCount,
            StageCount = run.Stages.Count,
            ErrorSignalCount = run.Steps.Sum(s => s.Signals.Count(x => x.Kind is SignalKind.ErrorExit or SignalKind.ErrorText or SignalKind.TestsFailed)),
            TotalTokens = tokens,
            CostUsd = run.Metrics.CostUsd,
            DurationSeconds = run.Metrics.DurationSeconds,
            WarningCount = run.Warnings.Count,
            SourcePath = run.Source.Path,
            ImportedAtUtc = run.ImportedAtUtc,
        };
    }

    public static string TaskFilterText(Run run, int maxTextChars)
    {
        var text = run.Task.Text ?? "";
        if (text.Length > maxTextChars) text = text[..maxTextChars];
        return string.Join('\n', run.Task.Id ?? "", run.Task.Title, text).ToLowerInvariant();
    }

    public static BsonDocument ToSummaryDocument(RunSummary s, string taskFilterText, long seq, long termsSeq)
    {
        var doc = new BsonDocument
        {
            ["_id"] = s.Id,
            ["Seq"] = seq,
            ["TermsSeq"] = termsSeq,
            ["Framework"] = s.Framework,
            ["Format"] = s.Format,
            ["Model"] = s.Model,
            ["TaskId"] = s.TaskId,
            ["TaskTitle"] = s.TaskTitle,
            ["TaskFilter"] = taskFilterText,
            ["Outcome"] = s.Outcome.ToString(),
            ["ExitStatus"] = s.ExitStatus,
            ["StepCount"] = s.StepCount,
            ["ToolCallCount"] = s.ToolCallCount,
            ["StageCount"] = s.StageCount,
            ["ErrorSignalCount"] = s.ErrorSignalCount,
            ["TotalTokens"] = s.TotalTokens is { } t ? new BsonValue(t) : BsonValue.Null,
            ["CostUsd"] = s.CostUsd is { } c ? new BsonValue(c) : BsonValue.Null,
            ["DurationSeconds"] = s.DurationSeconds is { } d ? new BsonValue(d) : BsonValue.Null,
            ["WarningCount"] = s.WarningCount,
            ["HasDiagnosis"] = s.HasDiagnosis,
            ["OnsetStep"] = s.OnsetStep is { } o ? new BsonValue(o) : BsonValue.Null,
            ["SourcePath"] = s.SourcePath,
            ["ImportedAtUtc"] = s.ImportedAtUtc,
            // Index keys: capped copies, because LiteDB rejects index keys over 1,023 bytes and these come from input.
            ["Key"] = new BsonDocument
            {
                ["Framework"] = CapKey(s.Framework),
                ["Model"] = CapKey(s.Model),
                ["TaskId"] = CapKey(s.TaskId),
                ["TaskTitle"] = CapKey(s.TaskTitle),
            },
        };
        return doc;
    }

    private static BsonValue CapKey(string? value) =>
        value is null ? BsonValue.Null : value.Length <= 200 ? value : value[..200];

    public static BsonDocument ToTombstone(string runId, long seq) => new()
    {
        ["_id"] = runId,
        ["Seq"] = seq,
        ["TermsSeq"] = seq,
        ["Deleted"] = true,
    };

    public static CatalogRecord ToCatalogRecord(BsonDocument doc)
    {
        // Read leniently: one odd document must not stop the runs list from loading.
        var id = doc["_id"].IsString ? doc["_id"].AsString : doc["_id"].ToString();
        var seq = Long(doc, "Seq") ?? 0;
        var termsSeq = Long(doc, "TermsSeq") ?? seq;
        var deleted = doc.TryGetValue("Deleted", out var d) && d.IsBoolean && d.AsBoolean;
        if (deleted) return new CatalogRecord { Id = id, Seq = seq, TermsSeq = termsSeq, Deleted = true };
        var summary = new RunSummary
        {
            Id = id,
            Framework = Str(doc, "Framework") ?? "",
            Format = Str(doc, "Format") ?? "",
            Model = Str(doc, "Model"),
            TaskId = Str(doc, "TaskId"),
            TaskTitle = Str(doc, "TaskTitle") ?? "",
            Outcome = Enum.TryParse<OutcomeStatus>(Str(doc, "Outcome"), out var outcome) ? outcome : OutcomeStatus.Unknown,
            ExitStatus = Str(doc, "ExitStatus"),
            StepCount = Int(doc, "StepCount") ?? 0,
            ToolCallCount = Int(doc, "ToolCallCount") ?? 0,
            StageCount = Int(doc, "StageCount") ?? 0,
            ErrorSignalCount = Int(doc, "ErrorSignalCount") ?? 0,
            TotalTokens = Long(doc, "TotalTokens"),
            CostUsd = doc.TryGetValue("CostUsd", out var c) && c.IsNumber ? c.AsDouble : null,
            DurationSeconds = doc.TryGetValue("DurationSeconds", out var du) && du.IsNumber ? du.AsDouble : null,
            WarningCount = Int(doc, "WarningCount") ?? 0,
            HasDiagnosis = doc.TryGetValue("HasDiagnosis", out var h) && h.IsBoolean && h.AsBoolean,
            OnsetStep = Int(doc, "OnsetStep"),
            SourcePath = Str(doc, "SourcePath") ?? "",
            ImportedAtUtc = doc.TryGetValue("ImportedAtUtc", out var at) && at.IsDateTime ? DateTime.SpecifyKind(at.AsDateTime, DateTimeKind.Utc) : default,
        };
        return new CatalogRecord
        {
            Id = id,
            Seq = seq,
            TermsSeq = termsSeq,
            Summary = summary,
            TaskFilterText = Str(doc, "TaskFilter") ?? "",
        };
    }

    private static string? Str(BsonDocument doc, string key) => doc.TryGetValue(key, out var v) && v.IsString ? v.AsString : null;

    private static int? Int(BsonDocument doc, string key) => doc.TryGetValue(key, out var v) && v.IsNumber ? v.AsInt32 : null;

    private static long? Long(BsonDocument doc, string key) => doc.TryGetValue(key, out var v) && v.IsNumber ? v.AsInt64 : null;
}
