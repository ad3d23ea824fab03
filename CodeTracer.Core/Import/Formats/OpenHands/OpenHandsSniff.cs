using System.Buffers;
using System.Text;
using System.Text.Json;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>Detection of OpenHands files by content: the keys at the start of the file, read with a tolerant JSON reader.</summary>
internal static class OpenHandsSniff
{
    // Top-level fields of an eval record beside "history" (V0 and V1 eval output, ProntoQA, gorilla, resolver).
    private static readonly string[] s_recordMarkers =
    [
        "instance_id", "instruction", "test_result", "metadata", "issue", "question_id", "final_message", "git_patch", "success",
    ];

    /// <summary>
    /// True for an eval record: a JSON object with <c>history</c> beside eval fields, and none of the keys that mark a
    /// SWE-agent or mini-SWE-agent trajectory (which also have a <c>history</c> or <c>messages</c>).
    /// </summary>
    public static bool LooksLikeEvalRecord(FileSniff sniff)
    {
        var head = sniff.TrimmedHead;
        if (head.IsEmpty || head[0] != '{') return false;
        var hasHistory = head.Contains("\"history\"", StringComparison.Ordinal);
        if (!hasHistory && !(head.Contains("\"instance_id\"", StringComparison.Ordinal) && head.Contains("\"instruction\"", StringComparison.Ordinal)))
        {
            return false;
        }

        var keys = ReadKeys(head, firstArrayElement: false, out var complete, out _);
        if (keys.Contains("trajectory") || keys.Contains("trajectory_format")) return false;
        if (keys.Contains("history")) return s_recordMarkers.Any(keys.Contains);
        // The history lies beyond the head when an earlier field (a git patch, a long instruction) is large.
        return !complete && keys.Contains("instance_id") && keys.Contains("instruction");
    }

    /// <summary>"V0" or "V1" when the file is a bare JSON array of OpenHands events, otherwise null.</summary>
    public static string? EventArrayVersion(FileSniff sniff)
    {
        var head = sniff.TrimmedHead;
        if (head.IsEmpty || head[0] != '[') return null;
        var keys = ReadKeys(head, firstArrayElement: true, out _, out var kind);
        if (kind is not null && (kind.EndsWith("Event", StringComparison.Ordinal) || kind is "Condensation" or "UserRejectObservation"))
        {
            return OpenHandsRecord.V1;
        }
        if (keys.Contains("step_id")) return null;
        var isEvent = keys.Contains("action") || keys.Contains("observation");
        if (isEvent && (keys.Contains("source") || keys.Contains("timestamp"))) return OpenHandsRecord.V0;
        if (keys.Contains("source") && keys.Contains("timestamp") && !isEvent)
        {
            // The first event is larger than the head (a system prompt): fall back to the text.
            return head.Contains("\"action\": \"", StringComparison.Ordinal) || head.Contains("\"action\":\"", StringComparison.Ordinal)
                ? OpenHandsRecord.V0
                : null;
        }
        return null;
    }

    /// <summary>
    /// Property names of the first JSON object in <paramref name="head"/> (or of the first element of a top-level array),
    /// read as far as the head goes. <paramref name="complete"/> says whether the object ended inside the head;
    /// <paramref name="kind"/> is its <c>kind</c> string, when it has one.
    /// </summary>
    internal static HashSet<string> ReadKeys(ReadOnlySpan<char> head, bool firstArrayElement, out bool complete, out string? kind)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        complete = false;
        kind = null;
        var rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(head.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(head, rented);
            var reader = new Utf8JsonReader(
                rented.AsSpan(0, length),
                isFinalBlock: false,
                new JsonReaderState(new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip }));
            if (!reader.Read()) return keys;
            if (firstArrayElement)
            {
                if (reader.TokenType != JsonTokenType.StartArray || !reader.Read()) return keys;
            }
            if (reader.TokenType != JsonTokenType.StartObject) return keys;
            var depth = reader.CurrentDepth;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth)
                {
                    complete = true;
                    break;
                }
                if (reader.TokenType != JsonTokenType.PropertyName) continue;
                var name = reader.GetString()!;
                keys.Add(name);
                if (!reader.Read()) break;
                if (name == "kind" && reader.TokenType == JsonTokenType.String) kind = reader.GetString();
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip()) break;
            }
        }
        catch (JsonException)
        {
            // Not JSON after all, or cut mid-token: what was read so far is the answer.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        return keys;
    }
}
