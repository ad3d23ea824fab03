using System.Globalization;
using System.Text.Json;
using CodeTracer.Core.Model;

namespace CodeTracer.Core.Import.Formats.OpenHands;

/// <summary>
/// A trajectory export: a bare JSON array of OpenHands events (<c>tests/runtime/trajs/*.json</c>, the GUI's
/// "export trajectory"). GUI bookkeeping (agent state changes, "No observation" placeholders) is folded away.
/// </summary>
internal sealed class OpenHandsEventArrayImporter : ITrajectoryImporter
{
    public string Name => "openhands-events";

    public int Priority => 0;

    public string Describes => "OpenHands trajectory export: a JSON array of events with action/observation (V0) or kind (V1)";

    public bool ClaimsDirectory(DirectoryInfo directory) => false;

    public bool CanRead(FileSniff sniff) => OpenHandsSniff.EventArrayVersion(sniff) is not null;

    public IEnumerable<RunReadResult> Read(SourceUnit unit, ImportContext context, CancellationToken cancellationToken)
    {
        var path = unit.Path;
        var files = new List<SourceFile>();
        using var document = OpenHandsEventFiles.ParseFile(path, context, files);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new ImportException(path, null, "expected a JSON array of OpenHands events");
        }

        var isV1 = root.EnumerateArray().FirstOrDefault(e => e.ValueKind == JsonValueKind.Object).Str("kind") is not null;
        var run = new Run
        {
            Framework = Frameworks.OpenHands,
            Format = RunFormats.OpenHandsEventArray,
            FormatVersion = isV1 ? OpenHandsRecord.V1 : OpenHandsRecord.V0,
        };
        run.Source.Path = path;
        run.Source.Files = files;

        var index = 0;
        if (isV1)
        {
            var reader = new V1EventReader();
            foreach (var ev in root.EnumerateArray()) reader.Add(ev, Where(path, index++));
            OpenHandsEventFiles.Fill(run, reader, path);
        }
        else
        {
            var reader = new V0EventReader(V0Joining.ByCause);
            foreach (var ev in root.EnumerateArray())
            {
                cancellationToken.ThrowIfCancellationRequested();
                reader.Add(ev, Where(path, index++));
            }
            OpenHandsEventFiles.Fill(run, reader, path);
        }
        return [RunReadResult.Ok(run)];
    }

    private static Provenance Where(string path, int index) =>
        new() { File = path, JsonPointer = "/" + index.ToString(CultureInfo.InvariantCulture) };
}
