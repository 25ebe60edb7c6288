using System.Collections.Immutable;
using System.Diagnostics;

namespace RegistryController.Tmux;

/// <summary>What one look at tmux found. <see cref="Detail"/> is the evidence or the error, for people.</summary>
public sealed record TmuxView(
    TmuxViewStatus Status,
    ImmutableDictionary<string, TmuxSession> Sessions,
    string Server,
    string Detail,
    TimeSpan Duration)
{
    public bool CanJudgeLiveness => Status != TmuxViewStatus.Broken;

    /// <summary>The span of the look that produced this view, for reconciles to link to.</summary>
    public ActivityContext Trace { get; init; }

    public static TmuxView Listed(IEnumerable<TmuxSession> sessions, string server, TimeSpan duration) =>
        new(TmuxViewStatus.Listed, sessions.ToImmutableDictionary(s => s.Name, StringComparer.Ordinal), server, "sessions listed", duration);

    public static TmuxView NoServer(string server, string evidence, TimeSpan duration) =>
        new(TmuxViewStatus.NoServer, ImmutableDictionary<string, TmuxSession>.Empty, server, evidence, duration);

    public static TmuxView Broken(string server, string reason, TimeSpan duration) =>
        new(TmuxViewStatus.Broken, ImmutableDictionary<string, TmuxSession>.Empty, server, reason, duration);
}
