namespace RegistryController.Generation;

/// <summary>A generated workspace on disk and the sessions its tmux server must have.</summary>
public sealed record GeneratedWorkspace(string Root, IReadOnlyList<string> TaskIds, GroundTruth Truth);
