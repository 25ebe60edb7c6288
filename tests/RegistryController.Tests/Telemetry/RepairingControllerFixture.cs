using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// A real <c>registryctl run</c> (JSON logs) exporting over OTLP http/protobuf to a receiver, on a
/// one-task workspace with two live agents and one zombie, which its startup reconcile repairs.
/// Once the repair's spans have arrived the controller is stopped with SIGTERM, so every test
/// of the class reads the same, complete export.
/// </summary>
public sealed class RepairingControllerFixture : IAsyncLifetime
{
    private TmuxWorkspace? _workspace;
    private OtlpReceiver? _receiver;

    public TmuxWorkspace Workspace => _workspace ?? throw new InvalidOperationException("not started");

    public OtlpReceiver Receiver => _receiver ?? throw new InvalidOperationException("not started");

    public string TaskId => Workspace.TaskIds[0];

    public string TaskPath => Workspace.TaskPath(TaskId);

    public ExpectedZombie Zombie => Workspace.Truth.Zombies.Single();

    /// <summary>The zombie's status as the orchestrator wrote it, before the repair.</summary>
    public string ZombieStatusBefore { get; private set; } = string.Empty;

    /// <summary>The reconcile span of the task registry's repair.</summary>
    public ReceivedSpan Repair { get; private set; } = null!;

    /// <summary>What the controller printed and returned once stopped.</summary>
    public CliResult Exit { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 2, Zombie: 1));
        ZombieStatusBefore = (string)Workspace.TaskAgent(TaskId, Zombie.AgentId)["status"]!;
        await using var controller = await RegistryctlProcess.StartControllerAsync(Workspace.Root, Workspace.Tmux.SocketPath, Receiver.ExporterEnvironment(), "--log-format", "json");
        Repair = await Receiver.WaitForAsync(
            r => r.Spans.FirstOrDefault(s => s.Name == "reconcile" && s.Text("registry.path") == TaskPath && s.Text("reconcile.outcome") == "repaired"),
            "the task registry's repair span");
        // Its lock, read and write spans end before it does, and are in the same batch or an earlier one.
        Exit = await controller.StopAsync();
    }

    public async Task DisposeAsync()
    {
        if (_workspace is not null)
        {
            await _workspace.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}
