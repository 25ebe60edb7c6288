using System.Collections.Immutable;

namespace RegistryController.Generation;

/// <summary>What a correct controller must conclude about a generated workspace, written beside it as ground-truth.json.</summary>
public sealed record GroundTruth(
    ImmutableArray<ExpectedZombie> Zombies,
    ImmutableArray<string> FreshAgents,
    ImmutableArray<string> LiveSessions,
    ImmutableArray<string> DeadPaneSessions,
    ImmutableArray<string> OrphanSessions,
    ImmutableDictionary<string, int> ActiveAfterRepairByTask,
    int GlobalActiveAfterRepair);

public sealed record ExpectedZombie(string TaskId, string AgentId, string Session, string Reason);
