using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Pass;
using RegistryController.Store;
using RegistryController.Tmux;

namespace RegistryController.Benchmarks;

/// <summary>
/// Before anything is timed: one pass of each kind over the benchmark workspace, with tmux behind a
/// process-counting wrapper, checked against the generator's ground truth. A benchmark that times a
/// pass which judged wrongly, or which called tmux more often than claimed, fails here instead.
/// </summary>
public static class PassChecks
{
    public static IRegistryStore Store() => new RegistryStore(new RegistryStoreOptions(), new LockOptions(), TimeProvider.System);

    public static async Task<int> CheckHealthPassAsync(BenchWorkspace workspace, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(log);
        var (options, processes) = workspace.CountingTmux();
        var views = new CountingViewSource(new TmuxCliViewSource(options));
        var pass = new ReconcilePass(views, Store(), TimeProvider.System, new ReconcileOptions());
        var report = await pass.RunAsync(workspace.Root, ReconcileScope.Everything, PassMode.Check, null, CancellationToken.None);

        var zombies = report.Verdict.Registries.Sum(v => v.Plan?.Zombies.Length ?? 0);
        Expect(report.Verdict.Tmux.Status == TmuxViewStatus.Listed, $"tmux view is {report.Verdict.Tmux.Status}: {report.Verdict.Tmux.Detail}");
        Expect(report.Verdict.Registries.Length == BenchWorkspace.Tasks + 1, $"{report.Verdict.Registries.Length} registries judged, expected {BenchWorkspace.Tasks + 1}");
        Expect(!report.AnyError, "a registry could not be read");
        Expect(zombies == workspace.Generated.Truth.Zombies.Length, $"{zombies} zombies found, ground truth has {workspace.Generated.Truth.Zombies.Length}");
        Expect(report.Verdict.Orphans.Length == workspace.Generated.Truth.OrphanSessions.Length, $"{report.Verdict.Orphans.Length} orphans found, ground truth has {workspace.Generated.Truth.OrphanSessions.Length}");
        Expect(views.Calls == 1, $"the pass looked at tmux {views.Calls} times");
        Expect(processes() == 1, $"the pass started tmux {processes()} times");

        await log.WriteLineAsync($"// check HealthPass: {report.Verdict.Registries.Length} registries, {report.Verdict.Tmux.Sessions.Count} sessions listed, {zombies} zombies, {report.Verdict.Orphans.Length} orphans (= ground truth); tmux views: {views.Calls}, tmux processes started: {processes()}");
        return processes();
    }

    public static async Task<int> CheckNaivePassAsync(BenchWorkspace workspace, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(log);
        var (options, processes) = workspace.CountingTmux();
        var views = new CountingViewSource(new TmuxCliViewSource(options));
        var naive = new NaiveHealthPass(views, Store(), TimeProvider.System, new ReconcileOptions());
        var report = await naive.RunAsync(workspace.Root, CancellationToken.None);

        Expect(report.Zombies == workspace.Generated.Truth.Zombies.Length, $"{report.Zombies} zombies found, ground truth has {workspace.Generated.Truth.Zombies.Length}");
        Expect(report.Verdict.Orphans.Length == workspace.Generated.Truth.OrphanSessions.Length, $"{report.Verdict.Orphans.Length} orphans found, ground truth has {workspace.Generated.Truth.OrphanSessions.Length}");
        Expect(views.Calls == BenchWorkspace.Tasks, $"the naive pass looked at tmux {views.Calls} times, expected one per task registry");
        Expect(processes() == BenchWorkspace.Tasks, $"the naive pass started tmux {processes()} times, expected one per task registry");

        await log.WriteLineAsync($"// check NaiveHealthPass: {report.TaskPlans.Length} task registries, {report.Zombies} zombies, {report.Verdict.Orphans.Length} orphans (= ground truth); tmux views: {views.Calls}, tmux processes started: {processes()}");
        return processes();
    }

    private static void Expect(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException("benchmark workspace check failed: " + problem);
        }
    }
}
