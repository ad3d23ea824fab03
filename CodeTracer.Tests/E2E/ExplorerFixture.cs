using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CodeTracer.Tests.Shared;
using Microsoft.Playwright;

namespace CodeTracer.Tests.E2E;

[CollectionDefinition(Name)]
public sealed class ExplorerCollection : ICollectionFixture<ExplorerFixture>
{
    public const string Name = "Explorer in a browser";
}

/// <summary>
/// One explorer process and one Chromium for every browser test. The app is the built CodeTracer.Web.dll beside
/// this test assembly, started on a free loopback port over a fresh database (so it seeds the demo runs); a few real
/// runs from ../shared/traces are then imported into the same database with the CLI while it runs. Nothing is built here.
/// </summary>
public sealed class ExplorerFixture : IAsyncLifetime
{
    /// <summary>Real runs imported before the app starts: small ones, one resolved SWE-agent run and one failed Harbor run among them.</summary>
    public static readonly string[] CorpusRuns =
    [
        "swe-agent/multi-swe-bench_experiments/evaluation/java/verified/20240825_SWE-agent_doubao-pro-128k",
        "harbor-atif/NJU-LINK_CodeTracer/kimi_k2.5/prove-plus-comm__YDACMLN",
        "harbor-atif/NJU-LINK_CodeTracer/kimi_k2.5/kv-store-grpc__QNnX7xy",
    ];

    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly bool _importCorpus;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TempDirectory _temp = new();
    private Process? _app;
    private IPlaywright? _playwright;

    public ExplorerFixture() : this(new Dictionary<string, string>(), importCorpus: true)
    {
    }

    /// <summary>
    /// An explorer whose processes get <paramref name="environment"/> on top of the database path (for example the
    /// <c>Diagnosis__*</c> settings); <paramref name="importCorpus"/> also imports <see cref="CorpusRuns"/>.
    /// </summary>
    internal ExplorerFixture(IReadOnlyDictionary<string, string> environment, bool importCorpus)
    {
        _environment = environment;
        _importCorpus = importCorpus;
    }

    public string BaseUrl { get; private set; } = "";

    public string DatabasePath => _temp.File("explorer.db");

    public IBrowser? Browser { get; private set; }

    /// <summary>Exit code and output of the CLI import of <see cref="CorpusRuns"/>; null when the corpus is absent.</summary>
    public (int ExitCode, string Output)? CorpusImport { get; private set; }

    public static string AppDll => Path.Combine(AppContext.BaseDirectory, "CodeTracer.Web.dll");

    public static string ScreenshotFolder => Path.Combine(TraceCorpus.RepoRoot, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        if (BrowserEnvironment.SkipReason is not null) return;
        if (!File.Exists(AppDll)) throw new InvalidOperationException($"{AppDll} is missing: build the solution before running the browser tests.");

        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        _app = StartProcess(["--urls", BaseUrl], line => _output.Enqueue(line));
        await WaitUntilAnsweringAsync();

        // After the app has seeded the demo runs into the empty database (seeding skips a database that holds runs),
        // and while it runs: the command line and the server share the database file.
        if (_importCorpus && TraceCorpus.IsAvailable)
        {
            var paths = CorpusRuns.Select(p => TraceCorpus.Path(p.Split('/'))).ToArray();
            CorpusImport = await RunCliAsync(["import", .. paths], TimeSpan.FromSeconds(120));
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserEnvironment.ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
            ],
        });
    }

    /// <summary>The app's recent console output, for failure messages.</summary>
    public string RecentOutput(int lines = 60) => string.Join('\n', _output.TakeLast(lines));

    /// <summary>A new isolated browser context (own localStorage) with a 1280×800 viewport.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        if (Browser is null) throw new InvalidOperationException("The browser did not start. " + RecentOutput());
        return await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
    }

    /// <summary>Runs a CLI verb of the same build against the same database.</summary>
    public async Task<(int ExitCode, string Output)> RunCliAsync(string[] args, TimeSpan timeout)
    {
        var lines = new ConcurrentQueue<string>();
        using var process = StartProcess(args, lines.Enqueue);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout.TotalSeconds:0}s\n" + string.Join('\n', lines));
        }
        process.WaitForExit();
        return (process.ExitCode, string.Join('\n', lines));
    }

    private Process StartProcess(string[] args, Action<string> onLine)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(AppDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["Storage__DatabasePath"] = DatabasePath;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in _environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine("stderr: " + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilAnsweringAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < s_startTimeout)
        {
            if (_app!.HasExited)
            {
                throw new InvalidOperationException($"The explorer exited with code {_app.ExitCode} before answering.\n{RecentOutput()}");
            }
            try
            {
                // Any answer means the server listens (demo runs are seeded before it does); a broken page is the tests' to report.
                using var response = await http.GetAsync(BaseUrl + "/import");
                return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow first request while the app warms up.
            }
            await Task.Delay(150);
        }
        throw new TimeoutException($"The explorer did not answer at {BaseUrl} within {s_startTimeout.TotalSeconds:0}s.\n{RecentOutput()}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
        if (_app is { HasExited: false })
        {
            _app.Kill(entireProcessTree: true);
            await _app.WaitForExitAsync();
        }
        _app?.Dispose();
        _temp.Dispose();
    }
}
