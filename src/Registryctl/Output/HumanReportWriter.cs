using System.Globalization;
using RegistryController.Judgement;
using RegistryController.Pass;
using RegistryController.Registry;
using RegistryController.Store;
using RegistryController.Tmux;

namespace Registryctl.Output;

/// <summary>The report a person scans: a line per registry, its details indented, then orphans, advice and a summary.</summary>
internal sealed class HumanReportWriter(TextWriter output, ConsoleStyle style)
{
    /// <summary>A person scans the first few; a thousand lines would bury the registries above them.</summary>
    public const int OrphansShown = 10;

    public void Write(string command, PassReport pass, JsonReport report)
    {
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentNullException.ThrowIfNull(report);
        var verdict = pass.Verdict;
        output.WriteLine($"{style.Bold($"registryctl {command}")}  {verdict.Root}{(pass.Mode == PassMode.DryRun ? style.Yellow("  (dry run: nothing is written)") : string.Empty)}");
        output.WriteLine($"tmux: {DescribeTmux(verdict)}");
        output.WriteLine($"state: {DescribeLayout(pass.Layout, verdict.Root)}");
        output.WriteLine();

        var width = Math.Min(48, pass.Outcomes.Select(o => Name(o).Length).DefaultIfEmpty(10).Max());
        foreach (var outcome in pass.Outcomes)
        {
            WriteRegistry(outcome, verdict.Tmux, pass.Mode, width);
        }

        if (pass.Outcomes.IsEmpty)
        {
            output.WriteLine(style.Dim("  no registries in scope"));
        }

        WriteOrphans(verdict);
        if (verdict.Guard.Forced)
        {
            output.WriteLine();
            output.WriteLine(style.Yellow($"mass-termination guard overridden: {report.Guard.Message}"));
        }

        output.WriteLine();
        output.WriteLine("recommendations:");
        foreach (var recommendation in report.Recommendations)
        {
            output.WriteLine($"  {SeverityLabel(recommendation.Severity)} {recommendation.Message}");
        }

        WriteSummary(pass, report.Summary);
    }

    private void WriteOrphans(WorkspaceVerdict verdict)
    {
        if (verdict.Orphans.IsEmpty)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(style.Yellow($"orphans ({verdict.Orphans.Length}): sessions no registry names{(verdict.OrphansComplete ? string.Empty : " (some registries were unreadable: this list may be too long)")}"));
        foreach (var orphan in verdict.Orphans.Take(OrphansShown))
        {
            var created = orphan.Created is { } c ? $"  created {c.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : string.Empty;
            output.WriteLine($"  {orphan.Session}{style.Dim(created)}");
        }

        if (verdict.Orphans.Length > OrphansShown)
        {
            output.WriteLine(style.Dim($"  … and {verdict.Orphans.Length - OrphansShown} more (--json lists all)"));
        }
    }

    private void WriteSummary(PassReport pass, JsonSummary s)
    {
        output.WriteLine();
        var parts = new List<string>
        {
            $"{s.Registries} registr{(s.Registries == 1 ? "y" : "ies")}",
            style.Green($"{s.Healthy} healthy"),
        };
        if (s.WithDiscrepancies > 0)
        {
            parts.Add(style.Yellow($"{s.WithDiscrepancies} with discrepancies"));
        }

        if (s.Repaired > 0)
        {
            parts.Add(style.Cyan($"{s.Repaired} repaired"));
        }

        if (s.Unchecked > 0)
        {
            parts.Add(style.Yellow($"{s.Unchecked} not checked"));
        }

        if (s.Errors > 0)
        {
            parts.Add(style.Red($"{s.Errors} with errors"));
        }

        parts.Add($"{s.Zombies} zombie{(s.Zombies == 1 ? "" : "s")}{(pass.Mode == PassMode.Repair ? $" ({s.Terminated} ended)" : string.Empty)}");
        parts.Add($"{s.Orphans} orphan{(s.Orphans == 1 ? "" : "s")}");
        output.WriteLine($"summary: {string.Join(" · ", parts)}  {style.Dim($"({pass.Duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s)")}");
    }

    private static string DescribeTmux(WorkspaceVerdict verdict) => verdict.Tmux.Status switch
    {
        TmuxViewStatus.Listed => $"{verdict.Tmux.Sessions.Count} session{(verdict.Tmux.Sessions.Count == 1 ? "" : "s")} listed ({verdict.Tmux.Server}, {verdict.Tmux.Duration.TotalMilliseconds:0} ms)",
        TmuxViewStatus.NoServer => $"no server: {verdict.Tmux.Detail}",
        _ => $"BROKEN VIEW, nothing judged: {verdict.Tmux.Detail} ({verdict.Tmux.Server})",
    };

    private static string DescribeLayout(StateLayout layout, string root) => layout == StateLayout.Sqlite2026
        ? $"{StateLayouts.Name(layout)}, SQLite {StateLayouts.DatabasePath(root)} (JSON registries are not the state: never written)"
        : $"{StateLayouts.Name(layout)}, JSON registries";

    private static string Name(RegistryOutcome outcome) =>
        outcome.Registry.Kind == RegistryKind.Global ? "registry/GLOBAL_REGISTRY.json" : outcome.Registry.TaskId ?? outcome.Registry.Path;

    private void WriteRegistry(RegistryOutcome outcome, TmuxView view, PassMode mode, int width)
    {
        var name = Name(outcome).PadRight(width);
        var plan = outcome.Verdict.Plan;
        var status = ReportBuilder.StatusOf(outcome, view);
        var mark = status switch
        {
            "healthy" => style.Green("✓"),
            "repaired" => style.Cyan("↻"),
            "unreadable" or "error" => style.Red("!"),
            "unchecked" => style.Yellow("?"),
            _ => style.Yellow("✗"),
        };

        output.WriteLine($"  {mark} {name}  {Headline(outcome, status, mode)}");
        if (outcome.Error is not null)
        {
            output.WriteLine($"      {style.Red(outcome.Error)}");
        }

        if (plan is null)
        {
            return;
        }

        var ended = outcome.Endings.Select(t => t.AgentId).ToHashSet(StringComparer.Ordinal);
        // Only the zombies the plan would end: none while the mass guard holds (the report says why above).
        var planned = plan.Edits.OfType<EndAgent>().Select(t => t.AgentId).ToHashSet(StringComparer.Ordinal);
        foreach (var zombie in plan.Zombies)
        {
            var ending = $"{zombie.Ending.Status} ({HowKnown(zombie.Ending.Evidence)})";
            // health judges as repair does: saying the ending there lets a user see, before repairing, which zombie
            // really finished (a result line) and which one crashed.
            var action = ended.Contains(zombie.AgentId)
                ? (outcome.Written ? style.Cyan($" → {ending}") : style.Dim($" → would be {ending}"))
                : mode == PassMode.Check && planned.Contains(zombie.AgentId) ? style.Dim($" → would be {ending}") : string.Empty;
            output.WriteLine($"      zombie {zombie.AgentId} ({zombie.OldStatus}): {zombie.Reason} [{Where(zombie)}]{action}");
        }

        foreach (var agent in outcome.Superseded)
        {
            output.WriteLine($"      {style.Dim("superseded:")} {agent} changed status before our write: the orchestrator's write stands, nothing retried");
        }

        foreach (var problem in outcome.AuditProblems)
        {
            output.WriteLine($"      {style.Yellow("audit line not written:")} {problem}");
        }

        foreach (var finding in plan.Findings.Where(f => f.Code != FindingCodes.Zombie))
        {
            output.WriteLine($"      {style.Dim(finding.Severity.ToString().ToLowerInvariant() + ":")} {finding.Message}");
        }

        if (!plan.FreshAgents.IsEmpty)
        {
            output.WriteLine(style.Dim($"      within the grace period, not judged: {string.Join(", ", plan.FreshAgents)}"));
        }
    }

    private static string Headline(RegistryOutcome outcome, string status, PassMode mode)
    {
        var plan = outcome.Verdict.Plan;
        if (plan is null)
        {
            return "unreadable";
        }

        if (status == "healthy")
        {
            return plan.Before.Active is { } a ? $"{a} active" : "healthy";
        }

        if (status == "unchecked")
        {
            return "not checked: the tmux view is broken";
        }

        var parts = new List<string>();
        if (!plan.Zombies.IsEmpty)
        {
            parts.Add($"{plan.Zombies.Length} zombie{(plan.Zombies.Length == 1 ? "" : "s")}");
        }

        var mirrors = plan.Edits.OfType<MirrorAgentStatus>().Count();
        if (mirrors > 0)
        {
            parts.Add($"{mirrors} global entr{(mirrors == 1 ? "y" : "ies")} to mirror");
        }

        var after = outcome.After?.Active;
        if (after is not null && after != plan.Before.Active)
        {
            parts.Add($"active {plan.Before.Active} → {after}");
        }

        var remaining = plan.Findings.Count(f => f.Code != FindingCodes.Zombie && f.Severity >= Severity.Medium);
        if (remaining > 0 && parts.Count == 0)
        {
            parts.Add($"{remaining} finding{(remaining == 1 ? "" : "s")}");
        }

        var verb = status switch
        {
            "repaired" => "repaired",
            "error" => "not repaired",
            _ when mode == PassMode.DryRun && !outcome.Applied.IsEmpty => "would repair",
            _ => "discrepancies",
        };
        return parts.Count == 0 ? verb : $"{verb}: {string.Join(", ", parts)}";
    }

    /// <summary>Where the agent lived: its session, and its recorded process with what became of it ("pid 4242 not found").</summary>
    private static string Where(Zombie zombie)
    {
        var process = zombie.Process is { Sighting: { } sighting } judged
            ? $"pid {sighting.Pid} {judged.Reason switch
            {
                ZombieReasons.ProcessNotFound => "not found",
                ZombieReasons.ProcessExited => "exited",
                ZombieReasons.ProcessReused => "reused by a later process",
                _ => "unreadable",
            }}"
            : null;
        return (zombie.Session, process) switch
        {
            ({ Length: > 0 } session, { } p) => $"{session}, {p}",
            ({ Length: > 0 } session, null) => session,
            (_, { } p) => $"no session, {p}",
            _ => "no session",
        };
    }

    /// <summary>How the ending is known, in a few words: "stream log result", "stream log: error_max_turns".</summary>
    private static string HowKnown(EndingEvidence evidence) => evidence.Kind switch
    {
        EndingEvidence.StreamResult => evidence.Detail is null or "success" ? "stream log result" : $"stream log: {evidence.Detail}",
        EndingEvidence.ProgressReport => "progress file",
        _ => "no session, no evidence",
    };

    private string SeverityLabel(string severity) => severity switch
    {
        "high" => style.Red("[high]  "),
        "medium" => style.Yellow("[medium]"),
        "low" => "[low]   ",
        _ => style.Green("[info]  "),
    };
}
