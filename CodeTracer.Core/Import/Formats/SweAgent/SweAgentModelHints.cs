using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeTracer.Core.Import.Formats.SweAgent;

/// <summary>
/// Finds the model of a SWE-agent run. A <c>.traj</c> does not name it; the run folder around it does, in one of
/// several ways: <c>args.yaml</c> (0.x, <c>model_name:</c>), <c>config.yaml</c> (1.x, <c>model: name:</c>),
/// a SWE-bench-experiments <c>metadata.yaml</c> (<c>name: SWE-agent + doubao-pro-128k</c>), or the folder name itself
/// (<c>20240825_SWE-agent_doubao-pro-128k</c>, <c>gpt4__swe-bench-dev-easy__default__t-0.00__…</c>).
/// </summary>
internal static partial class SweAgentModelHints
{
    /// <summary>Names SWE-agent uses for stand-in models that are not a model: replays, humans, test doubles.</summary>
    private static readonly HashSet<string> s_notModels = new(StringComparer.OrdinalIgnoreCase)
    {
        "replay", "human", "human_thought", "instant_empty_submit", "instant_empty_submit_model",
    };

    /// <summary>How many folders above the trajectory are looked at (the file's folder, its parent, its grandparent).</summary>
    private const int FolderLevels = 3;

    /// <summary>The model from <c>replay_config</c> (a dict, or in older builds a JSON string), when it names a real one.</summary>
    public static string? FromReplayConfig(JsonElement root)
    {
        if (root.Prop("replay_config") is not { } config) return null;
        if (config.ValueKind == JsonValueKind.String)
        {
            // Older builds stored the config as JSON text inside the JSON.
            try
            {
                using var inner = JsonDocument.Parse(config.GetString() ?? "");
                return FromConfigObject(inner.RootElement);
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return FromConfigObject(config);
    }

    /// <summary>The model named by the files and folder names around <paramref name="trajectoryPath"/>, nearest first.</summary>
    /// <param name="trajectoryPath">The <c>.traj</c> file.</param>
    /// <param name="context">The import, whose cache keeps each folder's answer.</param>
    /// <param name="version0">True for 0.x, whose run folders start with the model name (1.x names them differently).</param>
    public static string? FromFolders(string trajectoryPath, ImportContext context, bool version0)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(trajectoryPath));
        var stem = Path.GetFileNameWithoutExtension(trajectoryPath);
        for (var level = 0; level < FolderLevels && !string.IsNullOrEmpty(directory); level++)
        {
            var dir = directory;
            // 1.x writes <instance>/<instance>.config.yaml beside each trajectory.
            var model = level == 0 ? YamlModelName(Path.Combine(dir, stem + ".config.yaml")) : null;
            model ??= context.GetOrAdd("swe-agent:model:" + version0 + ":" + dir, () => FromFolder(dir, version0));
            if (model is not null) return model;
            directory = Path.GetDirectoryName(directory);
        }
        return null;
    }

    private static string? FromConfigObject(JsonElement config)
    {
        var name = config.Prop("agent")?.Prop("model")?.Str("name")
            ?? config.Prop("agent")?.Prop("model")?.Str("model_name")
            ?? config.Prop("model")?.Str("model_name")
            ?? config.Prop("model")?.Str("name");
        return Usable(name);
    }

    private static string? FromFolder(string directory, bool version0)
    {
        var model = YamlValue(Path.Combine(directory, "args.yaml"), "model_name")
            ?? YamlValue(Path.Combine(directory, "config.yaml"), "model_name")
            ?? YamlModelName(Path.Combine(directory, "config.yaml"))
            ?? YamlModelName(Path.Combine(directory, "run_batch.config.yaml"));
        if (model is not null) return model;

        var metadataName = YamlValue(Path.Combine(directory, "metadata.yaml"), "name");
        if (metadataName is not null && metadataName.IndexOf('+') is var plus and > 0)
        {
            // "SWE-agent + doubao-pro-128k": the part after the agent name.
            model = Usable(metadataName[(plus + 1)..].Trim());
            if (model is not null) return model;
        }

        var folder = Path.GetFileName(directory);
        var match = ExperimentsFolder().Match(folder);
        if (match.Success) return Usable(match.Groups["model"].Value);
        if (!version0) return null;
        match = RunFolder().Match(folder);
        return match.Success ? Usable(match.Groups["model"].Value) : null;
    }

    /// <summary>The first <c>key: value</c> line of a YAML file, read as text (the files are small; no YAML library is needed for one scalar).</summary>
    private static string? YamlValue(string path, string key)
    {
        foreach (var line in ReadLines(path))
        {
            var trimmed = line.AsSpan().TrimStart();
            if (!trimmed.StartsWith(key, StringComparison.Ordinal)) continue;
            var rest = trimmed[key.Length..].TrimStart();
            if (rest.IsEmpty || rest[0] != ':') continue;
            return Usable(Unquote(rest[1..].Trim().ToString()));
        }
        return null;
    }

    /// <summary>1.x <c>config.yaml</c>: <c>name:</c> inside the first <c>model:</c> block.</summary>
    private static string? YamlModelName(string path)
    {
        var modelIndent = -1;
        foreach (var line in ReadLines(path))
        {
            var indent = line.Length - line.TrimStart().Length;
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
            if (modelIndent < 0)
            {
                if (trimmed == "model:") modelIndent = indent;
                continue;
            }
            if (indent <= modelIndent) return null;
            if (trimmed.StartsWith("name:", StringComparison.Ordinal)) return Usable(Unquote(trimmed[5..].Trim()));
        }
        return null;
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        string[] lines;
        try
        {
            // Config files are small; a huge file with this name is not one, so it is not read.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > 4 * 1024 * 1024) return [];
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return lines;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0] ? value[1..^1] : value;

    private static string? Usable(string? name)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name is "null" or "~" || s_notModels.Contains(name)) return null;
        return name;
    }

    /// <summary>SWE-bench-experiments submission folders: <c>20240825_SWE-agent_doubao-pro-128k</c>.</summary>
    [GeneratedRegex(@"^\d{8}_SWE-?agent_(?<model>.+)$", RegexOptions.IgnoreCase)]
    private static partial Regex ExperimentsFolder();

    /// <summary>SWE-agent 0.x run folders: <c>&lt;model&gt;__&lt;data&gt;__&lt;config&gt;__t-0.00__p-0.95__c-3.00__install-1</c>.</summary>
    [GeneratedRegex(@"^(?<model>.+?)__.+__t-[\d.]+__p-[\d.]+__c-[\d.]+")]
    private static partial Regex RunFolder();
}
