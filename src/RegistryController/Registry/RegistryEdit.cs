using System.Collections.Immutable;

namespace RegistryController.Registry;

/// <summary>
/// One change the controller means to make to a registry. Edits are data, computed by the pure
/// verdict and applied to a freshly parsed tree under the file's lock.
/// </summary>
public abstract record RegistryEdit;

/// <summary>
/// Marks an agent terminated. In a task registry <see cref="Index"/> names the list entry; in the
/// global registry the entry is found by <see cref="AgentId"/>.
/// </summary>
public sealed record TerminateAgent(string AgentId, int Index, string OldStatus, string Reason, string Timestamp) : RegistryEdit;

/// <summary>Copies a task registry's terminal status (and its timestamps) onto the global entry.</summary>
public sealed record MirrorAgentStatus(string AgentId, string? OldStatus, string NewStatus, ImmutableArray<KeyValuePair<string, string>> CopiedFields) : RegistryEdit;

/// <summary>Sets a top-level counter such as <c>active_count</c>.</summary>
public sealed record SetCounter(string Field, long OldValue, long NewValue) : RegistryEdit;
