using CodeTracer.Web.Cli;

// No verb runs the explorer; a verb (import, inspect, ...) runs on the command line. See CodeTracerCli.
return await CodeTracerCli.InvokeAsync(args);
