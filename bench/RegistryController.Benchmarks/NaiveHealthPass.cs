using System.Collections.Immutable;
using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// The orchestrator's approach, rebuilt on the same parts so the two are measured in one run: read
/// every registry, then for each task registry list tmux again and judge that registry against its
/// own listing. The workspace-wide facts (orphans, the global registry) are then judged as the real
/// pass judges them, on the last listing, so both passes reach the same verdict. The only difference
/// that matters is one tmux process per registry instead of one per pass.
/// </summary>
public sealed class NaiveHealthPass(ITmuxViewSource tmux, IRegistryStore store, TimeProvider time, ReconcileOptions options)
{
    private readonly ITmuxViewSource _tmux = tmux ?? throw new ArgumentNullException(nameof(tmux));
    private readonly IRegistryStore _store = store ?? throw new ArgumentNullException(nameof(store));
    private readonly TimeProvider _time = time ?? throw new ArgumentNullException(nameof(time));
    private readonly ReconcileOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    public async Task<NaiveReport> RunAsync(string root, CancellationToken cancellationToken)
    {
        var workspace = await new WorkspaceReader(_store, _options).ReadAsync(root, progress: null, cancellationToken);
        var clock = ClockReading.From(_time);
        var plans = ImmutableArray.CreateBuilder<RegistryPlan>();
        TmuxView? last = null;
        foreach (var registry in workspace.Registries)
        {
            if (registry is { Kind: RegistryKind.Task, Model: { } model })
            {
                // The orchestrator's repair script: one `tmux list-panes` per registry, in turn.
                last = await _tmux.GetViewAsync(cancellationToken);
                plans.Add(Reconciler.PlanTask(model, last, clock, _options));
            }
        }

        last ??= await _tmux.GetViewAsync(cancellationToken);
        var verdict = Reconciler.Judge(workspace, last, clock, _options, ReconcileScope.Everything);
        return new NaiveReport(plans.ToImmutable(), verdict);
    }
}

/// <param name="TaskPlans">Each task registry judged against its own tmux listing.</param>
/// <param name="Verdict">The workspace-wide judgement on the last listing (orphans, global registry).</param>
public sealed record NaiveReport(ImmutableArray<RegistryPlan> TaskPlans, WorkspaceVerdict Verdict)
{
    public int Zombies => TaskPlans.Sum(p => p.Zombies.Length);
}
