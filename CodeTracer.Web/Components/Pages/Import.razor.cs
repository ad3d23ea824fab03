using CodeTracer.Web.Configuration;
using CodeTracer.Web.Services;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;

namespace CodeTracer.Web.Components.Pages;

/// <summary>
/// Uploads runs: files are streamed one by one into a private temp folder (never read whole over the circuit),
/// zips are extracted safely, the folder goes through the import pipeline, and each imported run gets a link.
/// </summary>
public sealed partial class Import : IAsyncDisposable
{
    private readonly List<UploadItem> _items = [];
    private InputFile? _fileInput;
    private InputFile? _folderInput;
    private CancellationTokenSource? _cts;
    private UploadImportResult? _result;
    private string? _notice;
    private string _phase = "";
    private bool _busy;
    private bool _dragOver;
    private IJSObjectReference? _module;

    [Inject]
    public required UploadImporter Uploads { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required ILogger<Import> Logger { get; init; }

    private WebOptions Options => Uploads.Options;

    internal async Task OnFilesChosenAsync(InputFileChangeEventArgs e, InputFile? input)
    {
        if (_busy) return;
        _busy = true;
        _result = null;
        _notice = null;
        _items.Clear();
        _cts = new CancellationTokenSource();
        var cancellationToken = _cts.Token;
        try
        {
            if (e.FileCount > Options.MaxUploadFiles)
            {
                _notice = $"{e.FileCount:N0} files were chosen; at most {Options.MaxUploadFiles:N0} are taken at once (Web:MaxUploadFiles). Zip the folder and upload the zip.";
                return;
            }
            var files = e.GetMultipleFiles(Options.MaxUploadFiles);
            var relativePaths = await RelativePathsAsync(input, files.Count);
            foreach (var (file, i) in files.Select((f, i) => (f, i)))
            {
                var path = string.IsNullOrEmpty(relativePaths[i]) ? file.Name : relativePaths[i];
                _items.Add(new UploadItem(file, path));
            }

            var loose = _items.Count(i => !i.Path.Contains('/') && !i.IsZip);
            if (loose > 1 && relativePaths.All(string.IsNullOrEmpty))
            {
                _notice = "These files were put side by side. If they come from a run folder with subfolders (agent/, verifier/, logs/), pick the folder or upload it as a .zip so its layout is kept.";
            }

            using var session = Uploads.BeginSession();
            _phase = "Uploading…";
            foreach (var item in _items)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await UploadAsync(session, item, cancellationToken);
            }

            _phase = "Reading runs…";
            StateHasChanged();
            _result = await session.ImportAsync(cancellationToken);
            _phase = "Uploaded";
        }
        catch (OperationCanceledException)
        {
            _phase = "Cancelled";
            _notice = "The upload was cancelled; nothing from it was saved.";
            foreach (var item in _items.Where(i => i.Status is UploadStatus.Queued or UploadStatus.Uploading)) item.Status = UploadStatus.Cancelled;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or JSException)
        {
            Logger.LogError(ex, "Upload failed");
            _phase = "Failed";
            _notice = "The upload failed: " + ex.Message;
        }
        finally
        {
            _busy = false;
            _cts.Dispose();
            _cts = null;
        }
    }

    private async Task UploadAsync(UploadSession session, UploadItem item, CancellationToken cancellationToken)
    {
        var refused = session.Check(item.Path, item.Size);
        if (refused is not null)
        {
            item.Reject(refused);
            session.Reject(item.Path, refused);
            return;
        }

        item.Status = UploadStatus.Uploading;
        StateHasChanged();
        var lastRender = DateTime.UtcNow;
        var progress = new InlineProgress(bytes =>
        {
            item.Transferred = bytes;
            if (DateTime.UtcNow - lastRender > TimeSpan.FromMilliseconds(150))
            {
                lastRender = DateTime.UtcNow;
                StateHasChanged();
            }
        });

        string? error;
        try
        {
            await using var stream = item.File.OpenReadStream(Options.MaxUploadBytes, cancellationToken);
            error = await session.SaveAsync(item.Path, stream, progress, cancellationToken);
        }
        catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
        {
            // The browser stream fails this way when the file changed or was larger than it said.
            error = $"{item.Path} could not be read from the browser: {ex.Message}";
        }

        if (error is not null)
        {
            item.Reject(error);
            session.Reject(item.Path, error);
        }
        else
        {
            item.Transferred = item.Size;
            item.Status = UploadStatus.Saved;
        }
        StateHasChanged();
    }

    private async Task<string[]> RelativePathsAsync(InputFile? input, int count)
    {
        var empty = new string[count];
        Array.Fill(empty, "");
        if (input?.Element is not { } element || !RendererInfo.IsInteractive) return empty;
        try
        {
            _module ??= await JS.InvokeAsync<IJSObjectReference>("import", "./js/upload.js");
            var paths = await _module.InvokeAsync<string[]>("relativePaths", element);
            return paths.Length == count ? paths : empty;
        }
        catch (JSException)
        {
            return empty;
        }
    }

    private void Cancel() => _cts?.Cancel();

    private static string StepsText(int steps) => steps == 1 ? "1 step" : $"{steps:N0} steps";

    private static string Summary(UploadImportResult result)
    {
        var created = result.Runs.Count(r => !r.WasUpdate);
        var updated = result.Runs.Count - created;
        var runs = result.Runs.Count switch
        {
            0 => "No run was imported",
            1 => "Imported 1 run",
            var n => $"Imported {n} runs",
        };
        if (result.Runs.Count > 0 && updated > 0) runs += $" ({created} new, {updated} updated)";
        if (result.Errors.Count > 0) runs += result.Errors.Count == 1 ? "; 1 problem" : $"; {result.Errors.Count} problems";
        return runs;
    }

    public async ValueTask DisposeAsync()
    {
        // Leaving the page stops an upload in progress; its session removes what was written.
        _cts?.Cancel();
        if (_module is null) return;
        try
        {
            await _module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The circuit is gone; so is the module.
        }
    }

    internal enum UploadStatus
    {
        Queued,
        Uploading,
        Saved,
        Rejected,
        Cancelled,
    }

    /// <summary>One chosen file and how far its upload got.</summary>
    internal sealed class UploadItem(IBrowserFile file, string path)
    {
        public IBrowserFile File { get; } = file;

        public string Path { get; } = path;

        public long Size => File.Size;

        public long Transferred { get; set; }

        public UploadStatus Status { get; set; }

        public string? Message { get; private set; }

        public bool IsZip => Path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);

        public double Percent => Status == UploadStatus.Rejected ? 100 : Size == 0 ? (Status == UploadStatus.Saved ? 100 : 0) : 100.0 * Transferred / Size;

        public string SizeText => UploadPaths.FormatBytes(Size);

        public string StatusName => Status.ToString().ToLowerInvariant();

        public string StatusText => Status switch
        {
            UploadStatus.Queued => "waiting",
            UploadStatus.Uploading => $"{Percent:0}%",
            UploadStatus.Saved => "uploaded",
            UploadStatus.Rejected => "refused",
            _ => "cancelled",
        };

        public void Reject(string message)
        {
            Status = UploadStatus.Rejected;
            Message = message;
        }
    }

    /// <summary>Reports on the caller's thread (unlike Progress&lt;T&gt;, which posts and would render out of order).</summary>
    private sealed class InlineProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
