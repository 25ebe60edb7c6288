using System.CommandLine;
using RegistryController.Generation;
using RegistryController.Judgement;

namespace Registryctl.Commands;

/// <summary>
/// <c>registryctl demo</c>: a generated workspace and a private tmux server (never the user's own),
/// then health, repair and health again, so a newcomer sees every verdict in half a minute.
/// </summary>
internal static class DemoCommand
{
    public const string Name = "demo";
    public const string Description = "Run health, repair and health on a generated workspace with a private tmux server";

    public static Command Create()
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the demo workspace and its tmux server to explore afterwards" };
        var command = new Command(Name, Description);
        command.Options.Add(keep);
        command.SetAction((parse, token) => RunAsync(parse.InvocationConfiguration.Output, parse.GetValue(keep), token));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter output, bool keep, CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"registryctl-demo-{Environment.ProcessId}");
        var workspace = Path.Combine(directory, "workspace");
        var server = new PrivateTmuxServer(Path.Combine(directory, "tmux"));
        try
        {
            var generated = WorkspaceGenerator.Generate(
                workspace,
                tasks: 4,
                new AgentMix(Live: 3, Zombie: 1, Fresh: 1, DeadPane: 1, Completed: 2),
                orphans: 2,
                ClockReading.From(TimeProvider.System),
                counterDrift: true);
            await server.StartAsync(WorkspaceGenerator.LiveAndOrphanSessions(generated.Truth), generated.Truth.DeadPaneSessions, cancellationToken);

            await output.WriteLineAsync($"Demo workspace {workspace}: 4 tasks, {generated.Truth.Zombies.Length} zombies ({generated.Truth.DeadPaneSessions.Length} with dead panes), {generated.Truth.FreshAgents.Length} fresh agents, {generated.Truth.OrphanSessions.Length} orphan sessions, drifted counters.");
            await output.WriteLineAsync($"Private tmux server: tmux -S {server.SocketPath}");
            string[] common = ["--workspace", workspace, "--tmux-socket", server.SocketPath];
            foreach (var step in new[] { "health", "repair", "health" })
            {
                await output.WriteLineAsync();
                await output.WriteLineAsync($"$ registryctl {step} --workspace {workspace} --tmux-socket {server.SocketPath}");
                var code = await RegistryctlCommand.RunAsync([step, .. common], output, cancellationToken: cancellationToken);
                await output.WriteLineAsync($"(exit {code})");
            }

            await output.WriteLineAsync();
            await output.WriteLineAsync(keep
                ? $"Kept. Explore with: registryctl health -w {workspace} -S {server.SocketPath}; clean up with: tmux -S {server.SocketPath} kill-server; rm -r {directory}"
                : "The last health reports only the orphans: the controller reports them and never kills them unless asked.");
            return ExitCodes.Ok;
        }
        finally
        {
            if (!keep)
            {
                await server.KillServerAsync();
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
