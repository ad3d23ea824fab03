using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary><c>serve</c>: the same as running without a verb, spelled out.</summary>
internal static class ServeVerb
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Where to listen, e.g. http://127.0.0.1:5000" };
        var command = new Command("serve", "Serve the explorer (the default when no command is given)") { urls };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var args = new List<string>(parseResult.UnmatchedTokens);
            if (parseResult.GetValue(urls) is { } value) args.AddRange(["--urls", value]);
            return await WebApp.RunAsync([.. args], cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}
