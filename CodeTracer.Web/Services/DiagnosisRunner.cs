using CodeTracer.Core.Diagnosis;
using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Web.Services;

/// <summary>
/// Runs diagnoses for one circuit (scoped): the heuristic at once, the LLM with live progress and a cancel. Keeps the
/// state a panel shows (running, progress lines, tokens so far, the last error) and raises <see cref="Changed"/> from
/// whatever thread the work reports on; components marshal with <c>InvokeAsync</c>. Disposing cancels a running LLM call.
/// </summary>
public sealed class DiagnosisRunner : IDisposable
{
    private const int MaxProgressLines = 200;

    private readonly HeuristicLocalizer _heuristic;
    private readonly LlmDiagnosisService _llm;
    private readonly IRunStore? _store;
    private readonly ILogger<DiagnosisRunner> _logger;
    private readonly Lock _gate = new();
    private readonly List<DiagnosisProgress> _progress = [];
    private CancellationTokenSource? _cancellation;

    public DiagnosisRunner(HeuristicLocalizer heuristic, LlmDiagnosisService llm, IServiceProvider services, ILogger<DiagnosisRunner> logger)
    {
        _heuristic = heuristic;
        _llm = llm;
        // Storage is optional: without it diagnoses are shown but not kept.
        _store = services.GetService<IRunStore>();
        _logger = logger;
    }

    /// <summary>Raised whenever the state below changes (possibly on a background thread).</summary>
    public event Action? Changed;

    public bool IsRunning { get; private set; }

    /// <summary>True when an LLM endpoint and model are configured.</summary>
    public bool LlmAvailable => _llm.IsConfigured;

    /// <summary>The configured model, for the button label (never the key).</summary>
    public string? LlmModel => _llm.Model;

    /// <summary>The latest report of the running (or last) LLM diagnosis.</summary>
    public DiagnosisProgress? Latest { get; private set; }

    /// <summary>Why the last diagnosis produced nothing (budget, invalid answers, endpoint error, cancelled), or null.</summary>
    public string? Error { get; private set; }

    public IReadOnlyList<DiagnosisProgress> Progress
    {
        get
        {
            lock (_gate) return [.. _progress];
        }
    }

    /// <summary>The heuristic diagnosis, saved when the run is stored.</summary>
    public async Task<RunDiagnosis> DiagnoseHeuristicAsync(Run run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        Error = null;
        var diagnosis = _heuristic.Diagnose(run);
        await SaveAsync(diagnosis, cancellationToken);
        Changed?.Invoke();
        return diagnosis;
    }

    /// <summary>
    /// An LLM diagnosis with progress. Returns null (and sets <see cref="Error"/>) when it produced none, including when
    /// cancelled through <see cref="Cancel"/>. Only one runs at a time per circuit.
    /// </summary>
    public async Task<RunDiagnosis?> DiagnoseWithLlmAsync(Run run, LlmDiagnosisMode mode = LlmDiagnosisMode.TreeIndexed)
    {
        ArgumentNullException.ThrowIfNull(run);
        CancellationTokenSource cancellation;
        lock (_gate)
        {
            if (IsRunning) return null;
            IsRunning = true;
            _progress.Clear();
            Latest = null;
            Error = null;
            cancellation = _cancellation = new CancellationTokenSource();
        }
        Changed?.Invoke();
        try
        {
            var result = await _llm.DiagnoseAsync(run, mode, new Reporter(this), cancellation.Token);
            if (!result.Succeeded)
            {
                Error = result.Message;
                return null;
            }
            await SaveAsync(result.Diagnosis!, CancellationToken.None);
            return result.Diagnosis;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Error = "Cancelled.";
            return null;
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException)
        {
            _logger.LogWarning(ex, "Saving the diagnosis of run {RunId} failed", run.Id);
            Error = "The diagnosis could not be saved: " + ex.Message;
            return null;
        }
        finally
        {
            lock (_gate)
            {
                IsRunning = false;
                _cancellation = null;
            }
            cancellation.Dispose();
            Changed?.Invoke();
        }
    }

    /// <summary>Cancels the running LLM diagnosis (its HTTP request is aborted).</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            try
            {
                _cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished between the check and the cancel: nothing left to stop.
            }
        }
    }

    public void Dispose() => Cancel();

    // Only a stored run's diagnosis gets an id: links name a diagnosis the store can find again.
    private Task<bool> SaveAsync(RunDiagnosis diagnosis, CancellationToken cancellationToken) =>
        DiagnosisIds.SaveIfStoredAsync(_store, diagnosis, cancellationToken);

    private void Add(DiagnosisProgress progress)
    {
        lock (_gate)
        {
            Latest = progress;
            if (progress.Kind is DiagnosisProgressKind.FunctionCall or DiagnosisProgressKind.AnswerRejected or DiagnosisProgressKind.Started or DiagnosisProgressKind.Finished)
            {
                if (_progress.Count >= MaxProgressLines) _progress.RemoveAt(0);
                _progress.Add(progress);
            }
        }
        Changed?.Invoke();
    }

    // Reports synchronously: Progress<T> would post to a captured context that a circuit does not provide.
    private sealed class Reporter(DiagnosisRunner owner) : IProgress<DiagnosisProgress>
    {
        public void Report(DiagnosisProgress value) => owner.Add(value);
    }
}
