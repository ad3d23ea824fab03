namespace CodeTracer.Core.Diagnosis;

/// <summary>The paper's failure taxonomy, as the strings stored in <see cref="Model.RunDiagnosis.ErrorKind"/>.</summary>
public static class ErrorKinds
{
    /// <summary>The environment got in the way: missing tools, permissions, network, hangs, harness errors.</summary>
    public const string Environment = "environment";

    /// <summary>Packages or versions: missing modules, failed installs, incompatible versions.</summary>
    public const string Dependency = "dependency";

    /// <summary>The change went to the wrong place: files or functions other than the ones the failure is about.</summary>
    public const string Localization = "localization";

    /// <summary>The right place, a wrong idea: the change did not fix (or broke) the behaviour.</summary>
    public const string Hypothesis = "hypothesis";

    /// <summary>The agent did not check its work, or checked it with a test that could not catch the failure.</summary>
    public const string Verification = "verification";

    /// <summary>The agent repeated itself instead of changing approach.</summary>
    public const string Looping = "looping";

    public static readonly IReadOnlyList<string> All = [Environment, Dependency, Localization, Hypothesis, Verification, Looping];

    /// <summary>The canonical name for a kind an LLM wrote (case and spacing vary), or null when it is none of them.</summary>
    public static string? Normalize(string? kind)
    {
        if (string.IsNullOrWhiteSpace(kind)) return null;
        var trimmed = kind.Trim().ToLowerInvariant();
        foreach (var known in All)
        {
            if (trimmed == known || trimmed.StartsWith(known, StringComparison.Ordinal)) return known;
        }
        return trimmed switch
        {
            "env" or "setup" => Environment,
            "deps" or "dependencies" or "install" => Dependency,
            "loop" or "repetition" or "repeat" => Looping,
            "mislocalization" or "wrong file" or "wrong location" => Localization,
            "wrong fix" or "reasoning" or "logic" => Hypothesis,
            "testing" or "validation" or "no verification" => Verification,
            _ => null,
        };
    }
}

/// <summary>Roles of the links of an error chain.</summary>
public static class ChainRoles
{
    public const string Onset = "onset";
    public const string Propagation = "propagation";
    public const string Terminal = "terminal";

    /// <summary>For a recovered error: the step that fixed or undid it.</summary>
    public const string Recovery = "recovery";

    public static readonly IReadOnlyList<string> All = [Onset, Propagation, Terminal, Recovery];

    public static string Normalize(string? role)
    {
        var trimmed = (role ?? "").Trim().ToLowerInvariant();
        foreach (var known in All)
        {
            if (trimmed.StartsWith(known, StringComparison.Ordinal)) return known;
        }
        return trimmed switch
        {
            "root" or "root cause" or "first error" or "origin" => Onset,
            "failure" or "final" or "end" => Terminal,
            "fix" or "recovered" => Recovery,
            _ => Propagation,
        };
    }
}
