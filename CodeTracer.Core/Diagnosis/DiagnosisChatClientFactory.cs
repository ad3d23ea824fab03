using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace CodeTracer.Core.Diagnosis;

/// <summary>Creates the chat client a diagnosis talks to. Replaceable so a deployment can route through its own gateway.</summary>
public interface IDiagnosisChatClientFactory
{
    /// <summary>A client for <see cref="DiagnosisOptions.Endpoint"/> and <see cref="DiagnosisOptions.Model"/>; the caller disposes it.</summary>
    IChatClient Create(DiagnosisOptions options);
}

/// <summary>
/// The OpenAI-compatible client that Semantic Kernel's OpenAI connector brings (OpenAI's <c>ChatClient</c> as a
/// Microsoft.Extensions.AI <see cref="IChatClient"/>), with the retry policy and timeout set explicitly and the client's
/// own HTTP logging off, so request headers (the bearer key) are never written to a log.
/// </summary>
/// <remarks>
/// Not the kernel's <c>AddOpenAIChatClient</c> service: that one comes wrapped in SK's own function-invoking client
/// (uncapped up to 128 rounds, and it runs the tools before our loop sees them), which would bypass the budgets.
/// </remarks>
internal sealed class OpenAiDiagnosisChatClientFactory : IDiagnosisChatClientFactory
{
    public IChatClient Create(DiagnosisOptions options)
    {
        var endpoint = options.EndpointUri ?? throw new InvalidOperationException("Diagnosis:Endpoint is not set to an absolute URL.");
        if (string.IsNullOrWhiteSpace(options.Model)) throw new InvalidOperationException("Diagnosis:Model is not set.");

        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = endpoint,
            NetworkTimeout = options.RequestTimeout,
            RetryPolicy = new ClientRetryPolicy(options.HttpRetries),
            ClientLoggingOptions = new ClientLoggingOptions { EnableLogging = false, EnableMessageLogging = false, EnableMessageContentLogging = false },
        };
        // Local servers often need no key, but the client requires a credential: send a placeholder then.
        var credential = new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey);
        return new OpenAIClient(credential, clientOptions).GetChatClient(options.Model).AsIChatClient();
    }
}
