using System.Globalization;
using CodeTracer.Core.Model;
using MudBlazor;

namespace CodeTracer.Web.Model;

/// <summary>How kinds, effects and signals look on the run page: names, icons, badges and one-line labels.</summary>
public static class TracePresentation
{
    /// <summary>Longest label kept for a tree row; CSS ellipsizes what does not fit the width anyway.</summary>
    public const int MaxLabelChars = 200;

    public static string KindName(StepKind kind) => kind.ToString().ToLowerInvariant();

    public static string KindName(StageKind kind) => kind.ToString().ToLowerInvariant();

    public static string Icon(StepKind kind) => kind switch
    {
        StepKind.Read => Icons.Material.Outlined.Description,
        StepKind.Search => Icons.Material.Outlined.Search,
        StepKind.Run => Icons.Material.Outlined.Terminal,
        StepKind.Test => Icons.Material.Outlined.Science,
        StepKind.Edit => Icons.Material.Outlined.Edit,
        StepKind.Create => Icons.Material.Outlined.NoteAdd,
        StepKind.Install => Icons.Material.Outlined.Download,
        StepKind.Git => Icons.Material.Outlined.CallSplit,
        StepKind.Think => Icons.Material.Outlined.Psychology,
        StepKind.Message => Icons.Material.Outlined.ChatBubbleOutline,
        StepKind.Submit => Icons.Material.Outlined.Send,
        _ => Icons.Material.Outlined.Code,
    };

    public static string Icon(StageKind kind) => kind switch
    {
        StageKind.Setup => Icons.Material.Outlined.Construction,
        StageKind.Explore => Icons.Material.Outlined.TravelExplore,
        StageKind.Reproduce => Icons.Material.Outlined.BugReport,
        StageKind.Edit => Icons.Material.Outlined.Edit,
        StageKind.Verify => Icons.Material.Outlined.FactCheck,
        StageKind.Submit => Icons.Material.Outlined.Flag,
        _ => Icons.Material.Outlined.Label,
    };

    public static bool IsError(SignalKind kind) =>
        kind is SignalKind.ErrorExit or SignalKind.ErrorText or SignalKind.TestsFailed or SignalKind.Timeout or SignalKind.FormatError or SignalKind.BrokenEdit;

    /// <summary>Badges for a step's signals (those about <paramref name="callIndex"/> only, when given).</summary>
    /// <remarks>
    /// When the run was never indexed it has no signals; failed calls (error flag or non-zero exit) still get a badge
    /// so errors show before any indexing.
    /// </remarks>
    public static IReadOnlyList<SignalBadge> Badges(Step step, int? callIndex = null)
    {
        var badges = new List<SignalBadge>();
        if (step.Signals.Count > 0)
        {
            foreach (var signal in step.Signals)
            {
                if (callIndex is { } k && signal.ToolCallIndex is { } index && index != k) continue;
                badges.Add(Badge(signal));
            }
            return badges;
        }

        for (var k = 0; k < step.ToolCalls.Count; k++)
        {
            if (callIndex is { } only && only != k) continue;
            var call = step.ToolCalls[k];
            if (call.ExitCode is { } code && code != 0)
            {
                badges.Add(new SignalBadge("exit " + code.ToString(CultureInfo.InvariantCulture), $"exit code {code}", "ct-badge-error", true));
            }
            else if (call.IsError)
            {
                badges.Add(new SignalBadge("error", "the tool reported an error", "ct-badge-error", true));
            }
        }
        return badges;
    }

    public static SignalBadge Badge(Signal signal)
    {
        var text = signal.Kind switch
        {
            SignalKind.ErrorExit => signal.Message.Length is > 0 and <= 16 ? signal.Message : "error exit",
            SignalKind.ErrorText => "error",
            SignalKind.TestsFailed => signal.Tests is { Failed: > 0 } t ? $"{t.Failed} failed" : "tests failed",
            SignalKind.TestsPassed => "tests passed",
            SignalKind.RepeatedAction => "repeat",
            SignalKind.EditReverted => "reverted",
            SignalKind.Timeout => "timeout",
            SignalKind.HugeObservation => "huge output",
            SignalKind.FormatError => "format error",
            SignalKind.BrokenEdit => "broke file",
            _ => signal.Kind.ToString(),
        };
        var tooltip = signal.Message;
        if (!string.IsNullOrEmpty(signal.EvidenceLine))
        {
            tooltip += (tooltip.Length > 0 ? " — " : "") + Truncate(signal.EvidenceLine, 160);
        }
        var isError = IsError(signal.Kind);
        var css = isError ? "ct-badge-error"
            : signal.Kind == SignalKind.TestsPassed ? "ct-badge-ok"
            : "ct-badge-warn";
        return new SignalBadge(text, tooltip.Length > 0 ? tooltip : text, css, isError);
    }

    /// <summary>True when the step has an error signal (or, unindexed, a failed call).</summary>
    public static bool HasError(Step step) => Badges(step).Any(b => b.IsError);

    /// <summary>The row label of a step: its only command, else the first line of its thought, else a count of calls.</summary>
    public static string StepLabel(Step step)
    {
        if (step.ToolCalls.Count == 1) return CallLabel(step.ToolCalls[0]);
        var thought = FirstLine(step.Thought) ?? FirstLine(step.Reasoning);
        if (step.ToolCalls.Count > 1)
        {
            var tools = string.Join(", ", step.ToolCalls.Select(c => c.Tool).Where(t => t.Length > 0).Distinct().Take(3));
            return thought ?? $"{step.ToolCalls.Count} calls: {tools}";
        }
        return thought ?? (step.IsMarker ? "(marker)" : "(no action)");
    }

    public static string CallLabel(ToolCall call)
    {
        // A raw artifact (CodeTracer-normalized steps) is labelled by the action read out of it, not by its JSON.
        var command = FirstLine(call.ActionText());
        if (command is not null) return command;
        var arguments = FirstLine(call.Arguments);
        var tool = call.Tool.Length > 0 ? call.Tool : "tool call";
        return arguments is null ? tool : Truncate(tool + " " + arguments, MaxLabelChars);
    }

    /// <summary>The first non-blank line, trimmed and cut to <see cref="MaxLabelChars"/>; null for blank text.</summary>
    public static string? FirstLine(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var span = text.AsSpan();
        while (span.Length > 0)
        {
            var end = span.IndexOfAny('\n', '\r');
            var line = (end < 0 ? span : span[..end]).Trim();
            if (line.Length > 0)
            {
                return line.Length > MaxLabelChars ? string.Concat(line[..(MaxLabelChars - 1)], "…") : line.ToString();
            }
            if (end < 0) break;
            span = span[(end + 1)..];
        }
        return null;
    }

    public static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    public static string FormatCount(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>Tokens as people read them: 950, 12.3k, 1.45M.</summary>
    public static string FormatTokens(long value) => value switch
    {
        < 1_000 => value.ToString(CultureInfo.InvariantCulture),
        < 1_000_000 => (value / 1_000d).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => (value / 1_000_000d).ToString("0.##", CultureInfo.InvariantCulture) + "M",
    };

    public static string FormatDuration(double seconds)
    {
        var span = TimeSpan.FromSeconds(Math.Max(0, seconds));
        if (span.TotalSeconds < 60) return span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
        if (span.TotalMinutes < 60) return $"{(int)span.TotalMinutes} min {span.Seconds} s";
        return $"{(int)span.TotalHours} h {span.Minutes} min";
    }

    public static string FormatCost(double usd) => "$" + usd.ToString(usd < 1 ? "0.000" : "0.00", CultureInfo.InvariantCulture);
}
