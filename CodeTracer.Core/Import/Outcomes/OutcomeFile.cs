using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Outcomes;

/// <summary>One verdict read from an evaluation file, with the words that say where it came from.</summary>
internal sealed record OutcomeVerdict(OutcomeStatus Status, string Detail)
{
    public string? FailureMode { get; init; }

    public IReadOnlyDictionary<string, string>? TestResults { get; init; }
}

/// <summary>
/// An evaluation file parsed once per import: SWE-bench-experiments <c>results.json</c> (<c>resolved</c> list),
/// SWE-bench harness run summaries (<c>resolved_ids</c> / <c>unresolved_ids</c> / <c>empty_patch_ids</c> / <c>error_ids</c>),
/// <c>results_summary.json</c> (<c>instances[]</c> with <c>resolved</c>), and per-instance <c>report.json</c>, flat
/// (<c>{"resolved": true, ...}</c>) or nested under the instance id.
/// </summary>
internal sealed class OutcomeFile
{
    /// <summary>Lists that mean "not resolved", in the order they are applied; later lists override earlier ones.</summary>
    private static readonly (string Key, string Detail, string? FailureMode)[] s_unresolvedLists =
    [
        ("incomplete_ids", "listed in incomplete_ids (never evaluated; counted as not resolved)", "not evaluated"),
        ("error_ids", "listed in error_ids (the evaluation failed on it; counted as not resolved)", "evaluation error"),
        ("empty_patch_ids", "listed in empty_patch_ids (the run produced no patch)", "empty patch"),
        ("unresolved", "listed in unresolved", null),
        ("unresolved_ids", "listed in unresolved_ids", null),
    ];

    /// <summary>SWE-bench-experiments spells the resolved list <c>resolved</c>; the harness and mini-SWE-agent say <c>resolved_ids</c>.</summary>
    private static readonly string[] s_resolvedLists = ["resolved", "resolved_ids"];

    private static readonly OutcomeFile s_missing = new(null, null, null);

    private OutcomeFile(Dictionary<string, OutcomeVerdict>? byId, OutcomeVerdict? flat, ImportError? error)
    {
        ById = byId;
        Flat = flat;
        Error = error;
    }

    /// <summary>Verdicts by instance id, when the file lists instances.</summary>
    public Dictionary<string, OutcomeVerdict>? ById { get; }

    /// <summary>The verdict of a flat per-instance report, which names no instance: only its path says whose it is.</summary>
    public OutcomeVerdict? Flat { get; }

    /// <summary>Why the file could not be read, when it looked like an evaluation file but was broken.</summary>
    public ImportError? Error { get; }

    /// <summary>The file at <paramref name="path"/>, read and parsed at most once per import.</summary>
    public static OutcomeFile Get(string path, ImportContext context) =>
        context.GetOrAdd("outcomes:file:" + path, () => Load(path, context));

    /// <summary>The verdict for <paramref name="instanceId"/> if the file lists it (or, when allowed, a flat report's).</summary>
    public OutcomeVerdict? Find(string instanceId, bool flatAllowed)
    {
        if (ById is not null && ById.TryGetValue(instanceId, out var verdict)) return verdict;
        return flatAllowed ? Flat : null;
    }

    private static OutcomeFile Load(string path, ImportContext context)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0) return s_missing;
            if (info.Length > context.Options.MaxFileBytes)
            {
                return Failed(path, null, $"the file is {info.Length:N0} bytes, over the {context.Options.MaxFileBytes:N0}-byte limit (Import:MaxFileBytes)");
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Failed(path, null, "cannot read the file: " + ex.Message);
        }

        // Folders hold many JSON files that are not evaluation results; one without the word is not parsed at all.
        if (bytes.AsSpan().IndexOf("resolved"u8) < 0) return s_missing;

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, JsonInput.DocumentOptions(context));
        }
        catch (JsonException ex)
        {
            return Failed(path, JsonInput.DescribeLocation(ex), JsonInput.DescribeJsonError(ex));
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return s_missing;
            if (root.Prop("resolved") is { ValueKind: JsonValueKind.True or JsonValueKind.False })
            {
                return new OutcomeFile(null, FromReport(root, prefix: ""), null);
            }
            var byId = new Dictionary<string, OutcomeVerdict>(StringComparer.Ordinal);
            ReadLists(root, byId);
            ReadInstances(root, byId);
            ReadNestedReports(root, byId);
            return byId.Count == 0 ? s_missing : new OutcomeFile(byId, null, null);
        }
    }

    private static void ReadLists(JsonElement root, Dictionary<string, OutcomeVerdict> byId)
    {
        foreach (var (key, detail, failureMode) in s_unresolvedLists)
        {
            foreach (var id in Ids(root, key))
            {
                byId[id] = new OutcomeVerdict(OutcomeStatus.Unresolved, detail) { FailureMode = failureMode };
            }
        }
        foreach (var key in s_resolvedLists)
        {
            foreach (var id in Ids(root, key))
            {
                // A file that lists an id both ways says so in the evidence rather than hiding the contradiction.
                var detail = byId.TryGetValue(id, out var earlier) && earlier.Status == OutcomeStatus.Unresolved
                    ? $"listed in {key} (also {earlier.Detail})"
                    : $"listed in {key}";
                byId[id] = new OutcomeVerdict(OutcomeStatus.Resolved, detail);
            }
        }
    }

    /// <summary><c>results_summary.json</c>: <c>{"instances": [{"instance_id": "...", "resolved": true, "patch_applied": true}]}</c>.</summary>
    private static void ReadInstances(JsonElement root, Dictionary<string, OutcomeVerdict> byId)
    {
        var index = 0;
        foreach (var instance in root.Items("instances"))
        {
            var position = index++;
            if (instance.Str("instance_id") is not { Length: > 0 } id || instance.Bool("resolved") is not { } resolved) continue;
            var where = "instances[" + position.ToString(CultureInfo.InvariantCulture) + "]";
            byId[id] = new OutcomeVerdict(resolved ? OutcomeStatus.Resolved : OutcomeStatus.Unresolved, $"{where}.resolved: {(resolved ? "true" : "false")}")
            {
                FailureMode = !resolved && instance.Bool("patch_applied") == false ? "patch did not apply" : null,
            };
        }
    }

    /// <summary>The SWE-bench harness's per-instance report nests its object under the instance id.</summary>
    private static void ReadNestedReports(JsonElement root, Dictionary<string, OutcomeVerdict> byId)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object) continue;
            if (property.Value.Prop("resolved") is not { ValueKind: JsonValueKind.True or JsonValueKind.False }) continue;
            byId[property.Name] = FromReport(property.Value, prefix: property.Name + ".");
        }
    }

    private static OutcomeVerdict FromReport(JsonElement report, string prefix)
    {
        var resolved = report.Bool("resolved") == true;
        var tests = new Dictionary<string, string>(StringComparer.Ordinal);
        var summary = new List<string>();
        if (report.Prop("tests_status") is { ValueKind: JsonValueKind.Object } status)
        {
            foreach (var group in (string[])["FAIL_TO_PASS", "PASS_TO_PASS"])
            {
                if (status.Prop(group) is not { ValueKind: JsonValueKind.Object } results) continue;
                var passed = 0;
                var failed = 0;
                foreach (var name in Strings(results, "success"))
                {
                    tests[name] = "passed";
                    passed++;
                }
                foreach (var name in Strings(results, "failure"))
                {
                    tests[name] = "failed";
                    failed++;
                }
                if (passed + failed > 0) summary.Add($"{group} {passed}/{passed + failed} passed");
            }
        }
        var detail = $"{prefix}resolved: {(resolved ? "true" : "false")}" + (summary.Count > 0 ? $" ({string.Join(", ", summary)})" : "");
        string? failureMode = null;
        if (!resolved)
        {
            if (report.Bool("patch_is_None") == true || report.Bool("patch_exists") == false) failureMode = "empty patch";
            else if (report.Bool("patch_successfully_applied") == false) failureMode = "patch did not apply";
        }
        return new OutcomeVerdict(resolved ? OutcomeStatus.Resolved : OutcomeStatus.Unresolved, detail)
        {
            FailureMode = failureMode,
            TestResults = tests.Count > 0 ? tests : null,
        };
    }

    /// <summary>Instance ids of a list-valued key; a key that holds anything else (a count, a bool) lists nothing.</summary>
    private static IEnumerable<string> Ids(JsonElement root, string key) => Strings(root, key).Where(id => id.Length > 0);

    private static IEnumerable<string> Strings(JsonElement element, string key)
    {
        foreach (var item in element.Items(key))
        {
            if (item.ValueKind == JsonValueKind.String) yield return item.GetString()!;
        }
    }

    private static OutcomeFile Failed(string path, string? location, string reason) =>
        new(null, null, new ImportError(path, location, reason));
}
