using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;

namespace Registryctl.Output;

/// <summary>Turns a pass into the documented report shape; the human and JSON writers both read it.</summary>
internal static class ReportBuilder
{
    public const string Schema = "registryctl.report/v1";

    public static JsonReport Build(string command, PassReport pass, int exitCode, ReconcileOptions options)
    {
        ArgumentNullException.ThrowIfNull(pass);
        var verdict = pass.Verdict;
        var recommendations = Advice.For(AdviceFacts.Of(pass), options);
        var registries = pass.Outcomes.Select(o => ToJson(o, verdict.Tmux)).ToList();
        return new JsonReport(
            Schema,
            command,
            pass.Mode switch { PassMode.Check => "check", PassMode.DryRun => "dry_run", _ => "repair" },
            verdict.Root,
            StateLayouts.Name(pass.Layout),
            pass.Duration.TotalMilliseconds,
            exitCode,
            new JsonTmux(Snake(verdict.Tmux.Status.ToString()), verdict.Tmux.Server, verdict.Tmux.Detail, verdict.Tmux.Sessions.Count, verdict.Tmux.Duration.TotalMilliseconds),
            new JsonGuard(verdict.Guard.Holds, verdict.Guard.Forced, verdict.Guard.WouldTerminate, verdict.Guard.ActiveAgents, Advice.GuardMessage(verdict.Guard, verdict.Tmux, options)),
            registries,
            [.. verdict.Orphans.Select(o => new JsonOrphan(o.Session, o.Created))],
            verdict.OrphansComplete,
            [.. recommendations.Select(r => new JsonRecommendation(Snake(r.Severity.ToString()), r.Message))],
            new JsonSummary(
                registries.Count,
                registries.Count(r => r.Status == "healthy"),
                registries.Count(r => r.Status == "discrepancies"),
                registries.Count(r => r.Status == "repaired"),
                registries.Count(r => r.Status == "unchecked"),
                registries.Count(r => r.Error is not null),
                registries.Count(r => r.Written),
                registries.Sum(r => r.Zombies.Count),
                registries.Sum(r => r.Zombies.Count(z => z.Terminated)),
                verdict.Orphans.Length));
    }

    public static string StatusOf(RegistryOutcome outcome, TmuxView view)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(view);
        if (outcome.Error is not null)
        {
            return outcome.Registry.Error is not null ? "unreadable" : "error";
        }

        if (outcome.Written)
        {
            return "repaired";
        }

        // Without a trustworthy view no agent was judged: "healthy" would be a claim nobody checked.
        if (!view.CanJudgeLiveness)
        {
            return "unchecked";
        }

        return outcome.Verdict.IsHealthy ? "healthy" : "discrepancies";
    }

    private static JsonRegistry ToJson(RegistryOutcome outcome, TmuxView view)
    {
        var plan = outcome.Verdict.Plan;
        var terminated = outcome.Endings.Select(t => t.AgentId).ToHashSet(StringComparer.Ordinal);
        var status = StatusOf(outcome, view);
        return new JsonRegistry(
            outcome.Registry.Path,
            outcome.Registry.Kind == RegistryKind.Task ? "task" : "global",
            outcome.Registry.TaskId,
            status,
            outcome.Written,
            outcome.Error,
            plan is null ? [] : [.. plan.Zombies.Select(z => new JsonZombie(z.AgentId, z.Session, z.OldStatus, z.Reason, z.Ending.Status, new JsonEvidence(z.Ending.Evidence.Kind, z.Ending.Evidence.File, z.Ending.Evidence.Detail), outcome.Written && terminated.Contains(z.AgentId)) { Process = ProcessOf(z) })],
            plan is null ? [] : [.. plan.FreshAgents],
            plan is null ? [] : [.. plan.Findings.Select(f => new JsonFinding(Snake(f.Severity.ToString()), f.Code, f.Message))],
            plan is null ? null : new JsonCountChange(Counts(plan.Before), Counts(outcome.After ?? plan.Before)))
        {
            AuditProblems = outcome.AuditProblems,
            Superseded = outcome.Superseded,
        };
    }

    private static JsonProcess? ProcessOf(Zombie zombie) => zombie.Process is { Sighting: { } sighting } judged
        ? new JsonProcess(sighting.Pid, judged.Reason == ZombieReasons.ProcessReused ? "reused" : Snake(sighting.State.ToString()), sighting.StartedAt)
        : null;

    private static JsonCounts Counts(CountSnapshot counts) => new(counts.Active, counts.TotalSpawned, counts.Completed);

    private static string Snake(string pascal) => string.Concat(pascal.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : string.Empty) + char.ToLowerInvariant(c) : c.ToString()));
}
