namespace RegistryController.Judgement;

/// <summary>An <c>agent_</c> session that no registry of the workspace names.</summary>
public sealed record Orphan(string Session, DateTimeOffset? Created);
