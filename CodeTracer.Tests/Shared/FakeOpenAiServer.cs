using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CodeTracer.Tests.Shared;

/// <summary>
/// An OpenAI-compatible chat endpoint on loopback (Kestrel on 127.0.0.1, a free port) for tests that go through the
/// real HTTP path. It records every request body and header, answers from a script (one reply per request, the last
/// one repeating), can delay replies while honouring client aborts, and counts the aborts it saw.
/// </summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Func<JsonNode, FakeReply>> _script;
    private readonly ConcurrentQueue<string> _bodies = new();
    private readonly ConcurrentQueue<string> _authorizations = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private int _served;
    private int _aborted;

    private FakeOpenAiServer(WebApplication app, List<Func<JsonNode, FakeReply>> script)
    {
        _app = app;
        _script = script;
    }

    /// <summary>Base URL ending in <c>/v1/</c>, as <c>Diagnosis:Endpoint</c> expects.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Delay before each reply (the request can be aborted meanwhile).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>How many requests are answered at once before <see cref="Delay"/> applies (0: every request waits).</summary>
    public int DelayAfterRequests { get; set; }

    /// <summary>Raw request bodies, in arrival order.</summary>
    public IReadOnlyList<string> Bodies => [.. _bodies];

    /// <summary>Parsed request bodies, in arrival order.</summary>
    public IReadOnlyList<JsonNode> Requests => [.. _bodies.Select(b => JsonNode.Parse(b)!)];

    /// <summary>The Authorization header of each request.</summary>
    public IReadOnlyList<string> Authorizations => [.. _authorizations];

    /// <summary>Requests the client aborted while the server was still waiting to reply.</summary>
    public int Aborted => Volatile.Read(ref _aborted);

    /// <summary>Completes when a request arrives (for tests that cancel during a request).</summary>
    public TaskCompletionSource RequestArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once <paramref name="count"/> requests have arrived (their bodies are recorded by then).</summary>
    public Task WaitForRequestsAsync(int count)
    {
        lock (_waiters)
        {
            if (_bodies.Count >= count) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    /// <summary>Completes when the server sees a request aborted.</summary>
    public TaskCompletionSource AbortSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FakeOpenAiServer> StartAsync(params Func<JsonNode, FakeReply>[] script)
    {
        if (script.Length == 0) throw new ArgumentException("The script needs at least one reply.", nameof(script));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeOpenAiServer(app, [.. script]);
        app.MapPost("/v1/chat/completions", server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/') + "/v1/";
        return server;
    }

    /// <summary>Fixed replies in order, the last one repeating.</summary>
    public static Task<FakeOpenAiServer> StartAsync(params FakeReply[] replies) =>
        StartAsync([.. replies.Select(r => (Func<JsonNode, FakeReply>)(_ => r))]);

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        _authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
        var index = Interlocked.Increment(ref _served) - 1;
        lock (_waiters)
        {
            _bodies.Enqueue(body);
            foreach (var waiter in _waiters.Where(w => w.Count <= _bodies.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
        RequestArrived.TrySetResult();

        if (Delay > TimeSpan.Zero && index >= DelayAfterRequests)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Increment(ref _aborted);
                AbortSeen.TrySetResult();
                return;
            }
        }

        var reply = _script[Math.Min(index, _script.Count - 1)](JsonNode.Parse(body)!);
        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(reply.Body, context.RequestAborted).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One scripted HTTP reply of <see cref="FakeOpenAiServer"/>.</summary>
public sealed record FakeReply(int Status, string Body)
{
    private static int s_ids;

    /// <summary>An assistant message with text content (a final answer).</summary>
    public static FakeReply Text(string content, int promptTokens = 100, int completionTokens = 20) =>
        Completion(new JsonObject { ["role"] = "assistant", ["content"] = content }, "stop", promptTokens, completionTokens);

    /// <summary>An assistant message asking for function calls: (name, JSON arguments) pairs.</summary>
    public static FakeReply ToolCalls(params (string Name, string Arguments)[] calls) => ToolCalls(100, 20, calls);

    public static FakeReply ToolCalls(int promptTokens, int completionTokens, params (string Name, string Arguments)[] calls)
    {
        var array = new JsonArray();
        foreach (var (name, arguments) in calls)
        {
            array.Add(new JsonObject
            {
                ["id"] = "call_" + Interlocked.Increment(ref s_ids),
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments },
            });
        }
        return Completion(new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = array }, "tool_calls", promptTokens, completionTokens);
    }

    /// <summary>An HTTP error with an OpenAI-style error body.</summary>
    public static FakeReply Error(int status, string message) =>
        new(status, new JsonObject { ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error" } }.ToJsonString());

    private static FakeReply Completion(JsonObject message, string finishReason, int promptTokens, int completionTokens)
    {
        var body = new JsonObject
        {
            ["id"] = "chatcmpl-" + Interlocked.Increment(ref s_ids),
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = "gpt-test",
            ["choices"] = new JsonArray { new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finishReason } },
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens },
        };
        return new FakeReply(200, body.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
