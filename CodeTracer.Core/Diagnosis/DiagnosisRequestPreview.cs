using CodeTracer.Core.Model;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>What <c>diagnose --show-prompt</c> prints for one run: the first request and its token counts.</summary>
public sealed record DiagnosisRequestPreviewResult(
    IReadOnlyList<(string Role, string Text)> Messages,
    IReadOnlyList<string> ToolNames,
    int MessageTokens,
    int ToolTokens,
    int SchemaTokens)
{
    public int Tokens => MessageTokens + ToolTokens + SchemaTokens;
}

/// <summary>Shows the first request a diagnosis would send, counted with o200k, without any endpoint.</summary>
public sealed class DiagnosisRequestPreview(IOptions<DiagnosisOptions> options, HeuristicLocalizer heuristic, DiagnosisTokenCounter counter)
{
    public DiagnosisRequestPreviewResult FirstRequest(Run run, LlmDiagnosisMode mode)
    {
        var request = DiagnosisRequest.Build(run, mode, options.Value, heuristic);
        return new DiagnosisRequestPreviewResult(
            [("system", request.SystemPrompt), ("user", request.UserPrompt)],
            [.. request.Tools.Select(t => t.Name)],
            counter.CountMessages([request.SystemPrompt, request.UserPrompt]),
            request.WithTools ? counter.Count(request.ToolDefinitionsJson()) : 0,
            counter.Count(DiagnosisRequest.ResponseSchemaJson));
    }
}
