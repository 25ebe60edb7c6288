using System.CommandLine;
using RegistryController.Generation;
using RegistryController.Judgement;

namespace RegistryController.Tools;

/// <summary>
/// Writes an orchestrator-shaped workspace with a known ground truth, starts a private tmux server
/// (its own <c>-S</c> socket, never the user's) with the live, dead-pane and orphan sessions, and
/// prints the socket and a ready-to-paste <c>registryctl health</c> line.
/// </summary>
public static class GenerateCommand
{
    public static RootCommand Create()
    {
        var output = new Option<string?>("--out") { Description = "The workspace directory to create (must not exist or be empty)" };
        var tasks = Int("--tasks", 4, "Task registries");
        var live = Int("--live", 3, "Active agents per task with a live session");
        var zombie = Int("--zombie", 1, "Active agents per task whose session is gone");
        var fresh = Int("--fresh", 0, "Active agents per task started within the grace period, no session yet");
        var deadPane = Int("--dead-pane", 0, "Active agents per task whose session is alive but whose pane's process exited");
        var completed = Int("--completed", 2, "Completed agents per task (no session)");
        var orphans = Int("--orphans", 0, "agent_ sessions no registry names");
        var drift = new Option<bool>("--counter-drift") { Description = "Write active_count one higher than true in every task registry" };
        var tracked = new Option<bool>("--tracked-files") { Description = "Give every agent the tracked_files the orchestrator's deploy writes (five absolute paths, as real registries have)" };
        var seed = Int("--seed", 1, "Random seed (same seed, same workspace)");
        var keep = new Option<bool>("--keep-tmux") { Description = "Exit at once and leave the tmux server running (default: keep it until Ctrl-C, then kill it)" };
        var command = new RootCommand("Generate an orchestrator workspace with a private tmux server and its ground truth; subcommands run the torture suites")
        {
            output, tasks, live, zombie, fresh, deadPane, completed, orphans, drift, tracked, seed, keep,
        };
        command.SetAction((parse, token) => RunAsync(
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            parse.GetValue(output),
            parse.GetValue(tasks),
            new AgentMix(parse.GetValue(live), parse.GetValue(zombie), parse.GetValue(fresh), parse.GetValue(deadPane), parse.GetValue(completed)),
            parse.GetValue(orphans),
            parse.GetValue(drift),
            parse.GetValue(tracked),
            parse.GetValue(seed),
            parse.GetValue(keep),
            token));
        return command;
    }

    /// <summary>The tmux server's directory beside the workspace: <c>DIR.tmux/tmux.sock</c>.</summary>
    public static string TmuxDirectory(string workspace) => Path.GetFullPath(workspace).TrimEnd('/') + ".tmux";

    /// <summary>The ground truth the generator writes beside the workspace.</summary>
    public static string GroundTruthPath(string workspace) => Path.GetFullPath(workspace).TrimEnd('/') + "." + WorkspaceGenerator.GroundTruthFileName;

    private static async Task<int> RunAsync(
        TextWriter stdout,
        TextWriter stderr,
        string? output,
        int tasks,
        AgentMix mix,
        int orphans,
        bool drift,
        bool trackedFiles,
        int seed,
        bool keep,
        CancellationToken cancellationToken)
    {
        var problems = Problems(output, tasks, mix, orphans);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                await stderr.WriteLineAsync($"generate: {problem}");
            }

            return 2;
        }

        var root = Path.GetFullPath(output!);
        var generated = WorkspaceGenerator.Generate(root, tasks, mix, orphans, ClockReading.From(TimeProvider.System), drift, seed, trackedFiles);
        var server = new PrivateTmuxServer(TmuxDirectory(root));
        await server.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth), generated.Truth.DeadPaneSessions, cancellationToken);
        await DescribeAsync(stdout, root, tasks, mix, generated.Truth, server.SocketPath);
        if (keep)
        {
            await stdout.WriteLineAsync($"The tmux server keeps running. Clean up with: tmux -S {server.SocketPath} kill-server; rm -r {root} {TmuxDirectory(root)} {GroundTruthPath(root)}");
            return 0;
        }

        await RunServerUntilCancelledAsync(stdout, server, cancellationToken);
        return 0;
    }

    private static List<string> Problems(string? output, int tasks, AgentMix mix, int orphans)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(output))
        {
            problems.Add("--out DIR is required");
        }
        else if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            problems.Add($"--out {output}: the directory exists and is not empty; choose a new one");
        }

        if (tasks < 0 || mix.Live < 0 || mix.Zombie < 0 || mix.Fresh < 0 || mix.DeadPane < 0 || mix.Completed < 0 || orphans < 0)
        {
            problems.Add("counts must be 0 or more");
        }

        return problems;
    }

    /// <summary>Where everything is, what the ground truth holds, and the command to try first.</summary>
    private static async Task DescribeAsync(TextWriter stdout, string root, int tasks, AgentMix mix, GroundTruth truth, string socket)
    {
        await stdout.WriteLineAsync($"workspace:    {root} ({tasks} tasks, {tasks * mix.Total} agents)");
        await stdout.WriteLineAsync($"ground truth: {GroundTruthPath(root)} ({truth.Zombies.Length} zombies, {truth.DeadPaneSessions.Length} of them dead panes; {truth.FreshAgents.Length} fresh; {truth.OrphanSessions.Length} orphans; {truth.GlobalActiveAfterRepair} active after repair)");
        await stdout.WriteLineAsync($"tmux socket:  {socket} ({truth.LiveSessions.Length + truth.DeadPaneSessions.Length + truth.OrphanSessions.Length} sessions)");
        await stdout.WriteLineAsync();
        await stdout.WriteLineAsync($"registryctl health -w {root} -S {socket}");
        await stdout.WriteLineAsync();
    }

    private static async Task RunServerUntilCancelledAsync(TextWriter stdout, PrivateTmuxServer server, CancellationToken cancellationToken)
    {
        await stdout.WriteLineAsync("The tmux server runs until Ctrl-C (then it is killed; the files stay). Use --keep-tmux to leave it running.");
        await stdout.FlushAsync(cancellationToken);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: stop the server we started, and only that one.
        }

        await server.KillServerAsync();
    }

    private static Option<int> Int(string name, int fallback, string description) => new(name)
    {
        Description = $"{description} [default: {fallback}]",
        DefaultValueFactory = _ => fallback,
    };
}
