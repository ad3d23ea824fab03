using CodeTracer.Core.Model;
using CodeTracer.Core.Storage;

namespace CodeTracer.Core.Diagnosis;

/// <summary>Ids and saving for diagnoses.</summary>
public static class DiagnosisIds
{
    /// <summary>A new unguessable id for deep links (<c>&amp;diagnosis=ID</c>).</summary>
    public static string New() => Guid.NewGuid().ToString("N")[..16];

    /// <summary>
    /// Saves a diagnosis when its run is in the store (a run parsed on the fly from a path is not, and its diagnosis is
    /// only printed). Returns true when it was saved.
    /// </summary>
    public static async Task<bool> SaveIfStoredAsync(IRunStore? store, RunDiagnosis diagnosis, CancellationToken cancellationToken)
    {
        if (store is null) return false;
        if (await store.GetRunAsync(diagnosis.RunId, includeSteps: false, cancellationToken).ConfigureAwait(false) is null) return false;
        if (string.IsNullOrEmpty(diagnosis.Id)) diagnosis.Id = New();
        await store.SaveDiagnosisAsync(diagnosis, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
