using System.Collections.Immutable;

namespace RegistryController.Registry;

/// <summary>
/// One change the controller means to make to a registry. Edits are data, computed by the pure
/// verdict and applied to a freshly parsed tree under the file's lock.
/// </summary>
public abstract record RegistryEdit;

/// <summary>
/// Ends a zombie agent: gives it <see cref="NewStatus"/> with the fields of <see cref="AgentEndFields"/>.
/// In a task registry <see cref="Index"/> names the list entry (ids are not guaranteed unique there).
/// </summary>
/// <param name="TerminationReason">Only for <c>terminated</c>; a completed or failed agent was not killed.</param>
/// <param name="Evidence">What decided the new status, in words a person reads in the file.</param>
public sealed record EndAgent(string AgentId, int Index, string OldStatus, string NewStatus, string? TerminationReason, string Evidence, string Timestamp) : RegistryEdit;

/// <summary>Copies a task registry's terminal status (and its timestamps) onto the global entry.</summary>
public sealed record MirrorAgentStatus(string AgentId, string? OldStatus, string NewStatus, ImmutableArray<KeyValuePair<string, string>> CopiedFields) : RegistryEdit;

/// <summary>Sets a top-level counter such as <c>active_count</c>.</summary>
public sealed record SetCounter(string Field, long OldValue, long NewValue) : RegistryEdit;
