using System.Collections.Frozen;
using System.Collections.Immutable;

namespace RegistryController.Judgement;

/// <summary>The rules of judgement. Status sets are configurable because newer orchestrators add statuses.</summary>
public sealed record ReconcileOptions
{
    public const string Section = "Reconcile";

    /// <summary>An agent this young (from <c>started_at</c>) may not have its session yet: never a zombie.</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(30);

    private static readonly ImmutableHashSet<string> DefaultActiveStatuses =
        ImmutableHashSet.Create(StringComparer.Ordinal, "running", "working", "blocked", "reviewing");

    private static readonly ImmutableHashSet<string> DefaultTerminalStatuses =
        ImmutableHashSet.Create(StringComparer.Ordinal, "completed", "failed", "error", "terminated", "killed", "phase_completed");

    // Each set as configured, and the same statuses in a set made for lookups, set together: a pass asks about every
    // agent's status several times, and an immutable set's lookup (a randomised hash and a walk down a tree) was a
    // twentieth of a JSON health pass.
    private static readonly FrozenSet<string> DefaultActive = Frozen(DefaultActiveStatuses);
    private static readonly FrozenSet<string> DefaultTerminal = Frozen(DefaultTerminalStatuses);

    private readonly ImmutableHashSet<string> _activeStatuses = DefaultActiveStatuses;
    private readonly FrozenSet<string> _active = DefaultActive;
    private readonly ImmutableHashSet<string> _terminalStatuses = DefaultTerminalStatuses;
    private readonly FrozenSet<string> _terminal = DefaultTerminal;

    public ImmutableHashSet<string> ActiveStatuses
    {
        get => _activeStatuses;
        init => (_activeStatuses, _active) = (value, Frozen(value));
    }

    public ImmutableHashSet<string> TerminalStatuses
    {
        get => _terminalStatuses;
        init => (_terminalStatuses, _terminal) = (value, Frozen(value));
    }

    /// <summary>The mass guard trips only when at least this many agents would be terminated at once.</summary>
    public int MassGuardMinimum { get; init; } = 5;

    /// <summary>... and they are more than this fraction of the workspace's active agents.</summary>
    public double MassGuardFraction { get; init; } = 0.5;

    /// <summary>
    /// An active agent with a live session whose tracked files are older than this is reported as stuck; null: off.
    /// Not a setting of its own: the host fills it from <c>Controller:StuckAfter</c>, which owns the default.
    /// </summary>
    public TimeSpan? StuckAfter { get; init; }

    /// <summary>Proceed even when the mass guard trips. A per-command flag (<c>repair --force</c>), never a setting.</summary>
    public bool Force { get; init; }

    public bool IsActive(string? status) => status is not null && _active.Contains(status);

    public bool IsTerminal(string? status) => status is not null && _terminal.Contains(status);

    /// <summary>The statuses as a set made for lookups, compared as the given set compares them.</summary>
    public static FrozenSet<string> Frozen(IReadOnlySet<string> statuses) => statuses switch
    {
        ImmutableHashSet<string> set => set.ToFrozenSet(set.KeyComparer),
        HashSet<string> set => set.ToFrozenSet(set.Comparer),
        FrozenSet<string> set => set,
        _ => statuses.ToFrozenSet(StringComparer.Ordinal),
    };
}
