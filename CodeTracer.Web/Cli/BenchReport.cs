using System.Diagnostics;
using System.Globalization;

namespace CodeTracer.Web.Cli;

/// <summary>Plain aligned lines for the bench subcommands: a label, the figure, and the target with whether it was met.</summary>
internal sealed class BenchReport(TextWriter output)
{
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    public void Line(string label, string figure) => output.WriteLine($"{label,-26} {figure}");

    public void Target(string label, string figure, string target, bool met) =>
        output.WriteLine($"{label,-26} {figure,-44} target {target,-12} {(met ? "met" : "MISSED")}");

    public void Blank() => output.WriteLine();

    public static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N1", s_culture) + " MB";

    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("N2", s_culture) + " s";

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "N2" : "N1", s_culture) + " ms";

    public static string N(long value) => value.ToString("N0", s_culture);

    public static string F(double value, string format) => value.ToString(format, s_culture);

    /// <summary>Median and 95th percentile of timings in milliseconds.</summary>
    public static (double Median, double P95) Percentiles(List<double> ms)
    {
        var sorted = ms.Order().ToList();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
        return (At(0.5), At(0.95));
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="iterations"/> times timed.</summary>
    public static async Task<List<double>> TimeAsync(Func<Task> action, int warmup, int iterations)
    {
        for (var i = 0; i < warmup; i++) await action().ConfigureAwait(false);
        var timings = new List<double>(iterations);
        for (var i = 0; i < iterations; i++)
        {
            var clock = Stopwatch.StartNew();
            await action().ConfigureAwait(false);
            timings.Add(clock.Elapsed.TotalMilliseconds);
        }
        return timings;
    }

    /// <summary>Peak working set of this process and the managed heap's state, for the memory line.</summary>
    public static (long PeakWorkingSet, long HeapSize, long Allocated, string Collections) Memory()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var info = GC.GetGCMemoryInfo();
        return (process.PeakWorkingSet64, info.HeapSizeBytes, GC.GetTotalAllocatedBytes(precise: false),
            $"gen0/1/2 collections {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
    }
}
