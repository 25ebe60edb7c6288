using System.Collections.Immutable;
using RegistryController.Tmux;

namespace RegistryController.Judgement;

/// <param name="OrphansComplete">False when an unreadable registry might name a session listed as an orphan.</param>
public sealed record WorkspaceVerdict(
    string Root,
    TmuxView Tmux,
    ImmutableArray<RegistryVerdict> Registries,
    ImmutableArray<Orphan> Orphans,
    bool OrphansComplete,
    GuardDecision Guard);
