using System.Diagnostics;

namespace CodeTracer.Tests.Core.Cli;

/// <summary>Runs the real CodeTracer executable (<c>dotnet CodeTracer.Web.dll VERB ...</c>) as a child process.</summary>
internal static class CliProcess
{
    /// <summary>CodeTracer.Tests references CodeTracer.Web, so the app and its runtime config are copied beside the tests.</summary>
    public static string WebDll => Path.Combine(AppContext.BaseDirectory, "CodeTracer.Web.dll");

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Process Start(string databasePath, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WebDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // Configuration as an operator would give it: environment variables override appsettings.json.
        start.Environment["Storage__DatabasePath"] = databasePath;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
    }

    public static async Task<Result> RunAsync(string databasePath, string workingDirectory, params string[] args)
    {
        using var process = Start(databasePath, workingDirectory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"codetracer {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
