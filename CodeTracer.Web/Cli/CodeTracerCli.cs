using System.CommandLine;

namespace CodeTracer.Web.Cli;

/// <summary>The command line of the one CodeTracer executable: no verb serves the explorer, a verb runs and exits.</summary>
public static class CodeTracerCli
{
    public static async Task<int> InvokeAsync(string[] args)
    {
        var root = BuildRootCommand();
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("CodeTracer: trace explorer for code-agent runs. Without a command it serves the explorer (--urls to choose where).")
        {
            ImportVerb.Create(),
            InspectVerb.Create(),
            BenchVerb.Create(),
            ServeVerb.Create(),
        };
        foreach (var verb in DiagnosisVerbs.Create())
        {
            root.Subcommands.Add(verb);
        }

        // Unknown tokens such as --urls and --environment go to the web host; a mistyped verb must not start the server.
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction(async (parseResult, cancellationToken) =>
        {
            var extra = parseResult.UnmatchedTokens;
            if (extra.Count > 0 && !extra[0].StartsWith('-'))
            {
                await Console.Error.WriteLineAsync($"Unknown command '{extra[0]}'. See --help.").ConfigureAwait(false);
                return 2;
            }
            return await WebApp.RunAsync([.. extra], cancellationToken).ConfigureAwait(false);
        });
        return root;
    }

    /// <summary>A paths argument that rejects unknown options instead of taking them as paths.</summary>
    public static Argument<string[]> PathsArgument(string description)
    {
        var argument = new Argument<string[]>("paths") { Description = description, Arity = ArgumentArity.OneOrMore };
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.StartsWith('-')) result.AddError($"Unknown option '{token.Value}'.");
            }
        });
        return argument;
    }
}
