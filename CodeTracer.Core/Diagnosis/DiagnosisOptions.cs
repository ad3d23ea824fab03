using System.Globalization;
using Microsoft.Extensions.Options;

namespace CodeTracer.Core.Diagnosis;

/// <summary>
/// Settings for diagnosis, bound from the <c>Diagnosis</c> configuration section (environment variables
/// <c>Diagnosis__Endpoint</c>, <c>Diagnosis__Model</c>, <c>Diagnosis__ApiKey</c> work too). The LLM path is
/// available only when <see cref="Endpoint"/> and <see cref="Model"/> are set; the heuristic needs nothing.
/// </summary>
public sealed class DiagnosisOptions
{
    public const string SectionName = "Diagnosis";

    /// <summary>Base URL of an OpenAI-compatible API, ending in <c>/v1/</c> (the client posts to <c>{Endpoint}chat/completions</c>).</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model id sent to the endpoint (<c>gpt-4o-mini</c>, <c>qwen2.5-coder</c>, ...).</summary>
    public string? Model { get; set; }

    /// <summary>API key sent as a bearer token. Never shown or logged; optional for local servers.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Most navigation function calls (<c>open_stage</c>, <c>open_step</c>, <c>search_run</c>) one diagnosis may make.</summary>
    public int MaxFunctionCalls { get; set; } = 12;

    /// <summary>Most chat requests one diagnosis may send, retries of rejected answers included.</summary>
    public int MaxRounds { get; set; } = 10;

    /// <summary>Stop once prompt plus completion tokens reported by the API reach this (checked between requests).</summary>
    public long MaxTotalTokens { get; set; } = 200_000;

    /// <summary>Stop once the cost computed from <see cref="Prices"/> reaches this many US dollars (checked between requests).</summary>
    public double MaxCostUsd { get; set; } = 1.0;

    /// <summary>How many answers may be rejected (malformed JSON, unknown step ids) before giving up.</summary>
    public int MaxAnswerAttempts { get; set; } = 3;

    /// <summary>Characters of one step's text that <c>open_step</c> returns; longer text keeps its head and tail.</summary>
    public int StepTextBudgetChars { get; set; } = 1_600;

    /// <summary>Characters of one stage listing that <c>open_stage</c> returns.</summary>
    public int StageTextBudgetChars { get; set; } = 6_000;

    /// <summary>Most hits <c>search_run</c> returns.</summary>
    public int MaxSearchHits { get; set; } = 12;

    /// <summary>Characters of the task text put into a prompt (head and tail kept).</summary>
    public int TaskTextBudgetChars { get; set; } = 1_000;

    /// <summary>Characters of one step line in the index (command first line and signals together).</summary>
    public int IndexLineChars { get; set; } = 120;

    /// <summary>Consecutive quiet steps (reads and searches without signals) that share one index line; 0 lists every step.</summary>
    public int IndexQuietGroupMin { get; set; } = 3;

    /// <summary>
    /// Tree-indexed diagnosis may send a run whole (no index, no tools) when its full text is at most this many characters
    /// (about 6k tokens), and does when that is cheaper than the index with its tool definitions, a second round that
    /// resends it and the steps the model is expected to open. 0 always indexes.
    /// </summary>
    public int InlineRunMaxChars { get; set; } = 24_000;

    /// <summary>Direct prompting: characters kept of each observation (head and tail), so one huge output cannot fill the context.</summary>
    public int DirectObservationBudgetChars { get; set; } = 8_000;

    /// <summary>Direct prompting: characters of the whole run text; beyond it the middle of the run is cut.</summary>
    public int DirectRunBudgetChars { get; set; } = 600_000;

    /// <summary>Timeout of one HTTP request to the endpoint.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>HTTP retries on 429/5xx per request (set explicitly: the OpenAI client otherwise retries 3 times).</summary>
    public int HttpRetries { get; set; } = 2;

    /// <summary>Most links of the heuristic's error chain (onset and terminal included).</summary>
    public int MaxChainLinks { get; set; } = 8;

    /// <summary>
    /// USD per million tokens, keyed by a model-name prefix (longest match wins, case-insensitive; <c>*</c> is the fallback).
    /// Configuration adds or overrides entries (<c>Diagnosis:Prices:my-model:Input</c>).
    /// </summary>
    public Dictionary<string, ModelPrice> Prices { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o-mini"] = new() { Input = 0.15, Output = 0.60 },
        ["gpt-4o"] = new() { Input = 2.50, Output = 10.00 },
        ["gpt-4.1-nano"] = new() { Input = 0.10, Output = 0.40 },
        ["gpt-4.1-mini"] = new() { Input = 0.40, Output = 1.60 },
        ["gpt-4.1"] = new() { Input = 2.00, Output = 8.00 },
        ["gpt-5-nano"] = new() { Input = 0.05, Output = 0.40 },
        ["gpt-5-mini"] = new() { Input = 0.25, Output = 2.00 },
        ["gpt-5"] = new() { Input = 1.25, Output = 10.00 },
        ["o3-mini"] = new() { Input = 1.10, Output = 4.40 },
        ["o4-mini"] = new() { Input = 1.10, Output = 4.40 },
        ["o3"] = new() { Input = 2.00, Output = 8.00 },
        ["claude-3-5-haiku"] = new() { Input = 0.80, Output = 4.00 },
        ["claude-haiku-4"] = new() { Input = 1.00, Output = 5.00 },
        ["claude-sonnet-4"] = new() { Input = 3.00, Output = 15.00 },
        ["claude-opus-4"] = new() { Input = 15.00, Output = 75.00 },
        ["deepseek"] = new() { Input = 0.27, Output = 1.10 },
        ["qwen"] = new() { Input = 0.50, Output = 2.00 },
        ["*"] = new() { Input = 5.00, Output = 25.00 },
    };

    /// <summary>True when the LLM path can run: an endpoint and a model are set.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) && !string.IsNullOrWhiteSpace(Model);

    /// <summary>The endpoint as a URI with a trailing slash, so relative paths append to it instead of replacing its last segment.</summary>
    public Uri? EndpointUri =>
        Uri.TryCreate(Endpoint?.Trim() is { Length: > 0 } e ? (e.EndsWith('/') ? e : e + "/") : null, UriKind.Absolute, out var uri) ? uri : null;

    /// <summary>The price for a model: the longest matching prefix, else the <c>*</c> entry, else zero.</summary>
    public ModelPrice PriceFor(string? model)
    {
        var name = (model ?? "").Trim();
        ModelPrice? best = null;
        var bestLength = -1;
        foreach (var (prefix, price) in Prices)
        {
            if (prefix == "*") continue;
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && prefix.Length > bestLength)
            {
                best = price;
                bestLength = prefix.Length;
            }
        }
        return best ?? (Prices.TryGetValue("*", out var fallback) ? fallback : new ModelPrice());
    }

    /// <summary>US dollars for a token count at this model's price.</summary>
    public double CostUsd(string? model, long promptTokens, long completionTokens)
    {
        var price = PriceFor(model);
        return (promptTokens * price.Input + completionTokens * price.Output) / 1_000_000d;
    }

    /// <summary>Describes the settings with the key hidden, so this object can be logged or shown safely.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Endpoint={Endpoint ?? "(not set)"}, Model={Model ?? "(not set)"}, ApiKey={(string.IsNullOrEmpty(ApiKey) ? "(not set)" : "(set)")}, "
        + $"MaxFunctionCalls={MaxFunctionCalls}, MaxRounds={MaxRounds}, MaxTotalTokens={MaxTotalTokens}, MaxCostUsd={MaxCostUsd}");
}

/// <summary>US dollars per million tokens.</summary>
public sealed class ModelPrice
{
    public double Input { get; set; }

    public double Output { get; set; }
}

internal sealed class DiagnosisOptionsValidator : IValidateOptions<DiagnosisOptions>
{
    public ValidateOptionsResult Validate(string? name, DiagnosisOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Endpoint))
        {
            var uri = options.EndpointUri;
            if (uri is null || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                // The value itself is echoed: an endpoint is not a secret, and the user needs to see what was read.
                failures.Add($"Diagnosis:Endpoint must be an absolute http(s) URL such as https://api.openai.com/v1/ (got '{options.Endpoint}').");
            }
        }
        Range(failures, "MaxFunctionCalls", options.MaxFunctionCalls, 0, 200);
        Range(failures, "MaxRounds", options.MaxRounds, 1, 200);
        Range(failures, "MaxAnswerAttempts", options.MaxAnswerAttempts, 1, 20);
        Range(failures, "StepTextBudgetChars", options.StepTextBudgetChars, 200, 1_000_000);
        Range(failures, "StageTextBudgetChars", options.StageTextBudgetChars, 200, 1_000_000);
        Range(failures, "MaxSearchHits", options.MaxSearchHits, 1, 500);
        Range(failures, "TaskTextBudgetChars", options.TaskTextBudgetChars, 200, 1_000_000);
        Range(failures, "IndexLineChars", options.IndexLineChars, 40, 2_000);
        if (options.IndexQuietGroupMin is < 0 or > 1_000 or 1) failures.Add("Diagnosis:IndexQuietGroupMin must be 0 (off) or between 2 and 1,000.");
        Range(failures, "InlineRunMaxChars", options.InlineRunMaxChars, 0, 10_000_000);
        Range(failures, "DirectObservationBudgetChars", options.DirectObservationBudgetChars, 200, 10_000_000);
        Range(failures, "DirectRunBudgetChars", options.DirectRunBudgetChars, 1_000, 100_000_000);
        Range(failures, "HttpRetries", options.HttpRetries, 0, 10);
        Range(failures, "MaxChainLinks", options.MaxChainLinks, 2, 100);
        if (options.MaxTotalTokens is < 1_000 or > 100_000_000) failures.Add("Diagnosis:MaxTotalTokens must be between 1,000 and 100,000,000.");
        if (options.MaxCostUsd is < 0 or > 1_000 || double.IsNaN(options.MaxCostUsd)) failures.Add("Diagnosis:MaxCostUsd must be between 0 and 1,000.");
        if (options.RequestTimeout <= TimeSpan.Zero || options.RequestTimeout > TimeSpan.FromHours(1)) failures.Add("Diagnosis:RequestTimeout must be between 0 and 1 hour.");
        foreach (var (model, price) in options.Prices)
        {
            if (price is null || price.Input < 0 || price.Output < 0) failures.Add($"Diagnosis:Prices:{model} must have non-negative Input and Output.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string name, int value, int min, int max)
    {
        if (value < min || value > max) failures.Add(string.Create(CultureInfo.InvariantCulture, $"Diagnosis:{name} must be between {min:N0} and {max:N0} (got {value})."));
    }
}
