using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>Where a registry lives and what shape it has. <see cref="TaskId"/> is the task directory's name.</summary>
public sealed record RegistryLocation(string WorkspaceRoot, string Path, RegistryKind Kind, string? TaskId);
