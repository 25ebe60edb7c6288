using System.Collections.Immutable;
using System.CommandLine;
using System.Runtime;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Store;
using RegistryController.Tmux;
using Registryctl.Configuration;
using Registryctl.Hosting;
using Registryctl.Output;

namespace Registryctl.Commands;

/// <summary><c>registryctl health</c> and <c>registryctl repair</c>: one pass over a workspace, then a report.</summary>
internal static class PassCommands
{
    public const string HealthName = "health";
    public const string HealthDescription = "Compare every registry with tmux and report; writes nothing. Exit 0 healthy, 1 discrepancies, 2 could not check.";
    public const string RepairName = "repair";
    public const string RepairDescription = "Mark zombies terminated and recompute counters, under each file's lock. Exit 0 done, 1 some registry not repaired, 2 usage or set-up error.";

    private const int Utf8CodePage = 65001;

    public static Command Health()
    {
        var scope = new ScopeOptions();
        var command = new Command(HealthName, HealthDescription);
        scope.AddTo(command);
        command.SetAction((parse, token) => RunAsync(parse, scope, HealthName, PassMode.Check, force: false, token));
        return command;
    }

    public static Command Repair()
    {
        var scope = new ScopeOptions();
        var dryRun = new Option<bool>("--dry-run", "-n") { Description = "Show what would be written; write nothing" };
        var force = new Option<bool>("--force") { Description = "Proceed even when the mass-termination guard trips" };
        var command = new Command(RepairName, RepairDescription);
        scope.AddTo(command);
        command.Options.Add(dryRun);
        command.Options.Add(force);
        command.SetAction((parse, token) =>
            RunAsync(parse, scope, RepairName, parse.GetValue(dryRun) ? PassMode.DryRun : PassMode.Repair, parse.GetValue(force), token));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parse,
        ScopeOptions options,
        string name,
        PassMode mode,
        bool force,
        CancellationToken cancellationToken)
    {
        // A pass keeps nearly all it allocates until its report: the snapshot of every registry. A collection before
        // then walks and copies what survives and frees little, and the fresh memory it would hand back is only
        // reused by what little is allocated after it. So the pass asks for none until it has allocated a budget
        // (35 MB on 1,000 registries of 20 agents): the same peak, and 7 to 10 % less time there. A larger workspace
        // goes past it, and collections resume as usual.
        using var hold = CollectionHold.Begin();

        var problems = new List<string>();
        var overrides = options.ToConfiguration(parse, problems);

        var builder = RegistryctlHost.CreateBuilder(overrides);
        var (settings, errors) = RegistryctlHost.Load(builder.Configuration);
        problems.AddRange(errors);
        if (settings is null || problems.Count > 0)
        {
            return Fail(parse, "invalid settings", problems);
        }

        settings = settings with { Reconcile = settings.Reconcile with { Force = force } };
        if (settings.Telemetry.Console && parse.GetValue(options.Json))
        {
            // Both would write to stdout, and a script reading the report would get spans in it.
            problems.Add("Telemetry:Console prints spans on stdout, where --json prints the report: use one or the other (or export traces over OTLP)");
        }

        var scope = BuildScope(parse, options, settings.Workspace, problems);
        if (!Directory.Exists(settings.Workspace))
        {
            problems.Add($"the workspace {settings.Workspace} does not exist (give --workspace, or set ${WorkspaceOptions.WorkspaceVariable})");
        }

        if (problems.Count > 0)
        {
            return Fail(parse, "cannot run", problems);
        }

        builder.Services.AddRegistryEngine(settings);
        builder.Services.AddRegistryTelemetry(builder.Configuration, workspaces: 1, prometheus: false, console: settings.Telemetry.Console);
        // A one-shot command never starts a host, so it builds only the container of the builder's services: building
        // the host resolves its lifetime, logging and options through open generics, a seventh of a short command's CPU
        // in the native build. The telemetry providers are asked for by hand so that they listen.
        await using var services = builder.Services.BuildServiceProvider();
        var pass = services.GetRequiredService<ReconcilePass>();
        var tracer = services.GetService<TracerProvider>();
        var meter = services.GetService<MeterProvider>();

        PassReport report;
        using (var progress = new ProgressLine())
        {
            report = await pass.RunAsync(settings.Workspace, scope, mode, progress, cancellationToken);
        }

        // Exported before the process exits, or a short command's spans would be lost.
        tracer?.ForceFlush();
        meter?.ForceFlush();
        return await WriteReportAsync(parse, options, name, report, settings.Reconcile);
    }

    private static async Task<int> WriteReportAsync(ParseResult parse, ScopeOptions options, string name, PassReport report, ReconcileOptions reconcile)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var exitCode = ExitCodeOf(report);
        var json = ReportBuilder.Build(name, report, exitCode, reconcile);
        if (parse.GetValue(options.Json))
        {
            if (stdout is StreamWriter { Encoding.CodePage: Utf8CodePage, BaseStream: { } stream })
            {
                // Straight to the stream, in UTF-8: through a string, a large workspace's report was built whole
                // (twice its size, in UTF-16), then encoded back to UTF-8.
                await stdout.FlushAsync();
                JsonSerializer.Serialize(stream, json, JsonReportContext.Default.JsonReport);
                await stdout.WriteLineAsync();
            }
            else
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(json, JsonReportContext.Default.JsonReport));
            }
        }
        else
        {
            new HumanReportWriter(stdout, ConsoleStyle.ForStdout(parse.GetValue(options.NoColor))).Write(name, report, json);
        }

        return exitCode;
    }

    public static int ExitCodeOf(PassReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Verdict.Tmux.Status == TmuxViewStatus.Broken)
        {
            return ExitCodes.CannotRun;
        }

        return report.Mode switch
        {
            PassMode.Check when report.AnyError => ExitCodes.CannotRun,
            PassMode.Check => report.AnyDiscrepancy ? ExitCodes.Discrepancies : ExitCodes.Ok,
            _ => report.AnyError || report.Verdict.Guard.Holds ? ExitCodes.Discrepancies : ExitCodes.Ok,
        };
    }

    private static ReconcileScope BuildScope(ParseResult parse, ScopeOptions options, string workspace, List<string> problems)
    {
        var tasks = parse.GetValue(options.Task) ?? [];
        var global = parse.GetValue(options.Global);
        var all = parse.GetValue(options.All);
        foreach (var task in tasks)
        {
            if (task.Contains('/', StringComparison.Ordinal) || task is "." or ".." || task == RegistryDiscovery.GlobalRegistryDirectory)
            {
                problems.Add($"--task {task}: not a task id");
            }
            else if (Directory.Exists(workspace) && !File.Exists(Path.Combine(workspace, task, RegistryDiscovery.TaskRegistryFileName)))
            {
                problems.Add($"--task {task}: there is no {Path.Combine(workspace, task, RegistryDiscovery.TaskRegistryFileName)}");
            }
        }

        return tasks.Length == 0 && !global && !all
            ? ReconcileScope.Everything
            : new ReconcileScope(all, tasks.ToImmutableHashSet(StringComparer.Ordinal), global || all);
    }

    private static int Fail(ParseResult parse, string what, IEnumerable<string> problems)
    {
        // Asked for here, not at the start: Console.Error is set up only when something is said there.
        var stderr = parse.InvocationConfiguration.Error;
        stderr.WriteLine($"registryctl: {what}:");
        foreach (var problem in problems)
        {
            stderr.WriteLine($"  - {problem}");
        }

        return ExitCodes.CannotRun;
    }

    /// <summary>
    /// No collection for the length of one pass, up to a budget; best effort. In a process where another pass holds
    /// one already (the tests run passes side by side in one), this one goes on without, and the pass that began it
    /// ends it: a test process collects as usual between passes.
    /// </summary>
    private sealed class CollectionHold : IDisposable
    {
        private const long Budget = 64L << 20;

        // Of the budget, what large objects may take: the global registry's arrays of 20,000 entries, read buffers.
        // Unsaid, the runtime would set aside as much again for them as for the rest.
        private const long LargeObjectBudget = 8L << 20;

        private readonly bool _held;

        private CollectionHold(bool held) => _held = held;

        public static CollectionHold Begin()
        {
            try
            {
                return new(GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Budget, LargeObjectBudget));
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
            {
                // Begun meanwhile by a pass beside this one, or a budget this collector cannot give.
                return new(false);
            }
        }

        public void Dispose()
        {
            try
            {
                if (_held && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
                {
                    GC.EndNoGCRegion();
                }
            }
            catch (InvalidOperationException)
            {
                // Ended already: the budget spent, or a collection induced meanwhile.
            }
        }
    }
}
