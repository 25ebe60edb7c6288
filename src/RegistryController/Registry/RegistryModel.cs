using System.Collections.Immutable;

namespace RegistryController.Registry;

/// <summary>
/// The parsed, validated view of one registry file. Counters are null when the file does not carry
/// them; the controller never adds a counter the orchestrator did not write.
/// </summary>
/// <param name="ActiveCount">Task: <c>active_count</c>; global: <c>active_agents</c>.</param>
/// <param name="TotalSpawned">Task: <c>total_spawned</c>; global: <c>total_agents_spawned</c>.</param>
/// <param name="CompletedCount">Task: <c>completed_count</c>; global: none.</param>
public sealed record RegistryModel(
    RegistryKind Kind,
    string? TaskId,
    ImmutableArray<AgentRecord> Agents,
    long? ActiveCount,
    long? TotalSpawned,
    long? CompletedCount)
{
    public static string ActiveCountField(RegistryKind kind) => kind == RegistryKind.Task ? "active_count" : "active_agents";

    public static string TotalSpawnedField(RegistryKind kind) => kind == RegistryKind.Task ? "total_spawned" : "total_agents_spawned";

    public const string CompletedCountField = "completed_count";
}
