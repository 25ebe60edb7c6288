using System.Collections.Immutable;

namespace RegistryController.Judgement;

/// <summary>Every registry of one workspace, read in one pass.</summary>
public sealed record WorkspaceSnapshot(string Root, ImmutableArray<RegistrySnapshot> Registries);
