using System.Collections.Frozen;
using System.Diagnostics;

namespace RegistryController.Tmux;

/// <summary>What one look at tmux found. <see cref="Detail"/> is the evidence or the error, for people.</summary>
/// <param name="Sessions">
/// By name. Made once per look and asked for every agent of a pass (tens of thousands of times): a frozen dictionary,
/// whose lookups cost a fraction of an immutable one's tree walk and randomised hash.
/// </param>
public sealed record TmuxView(
    TmuxViewStatus Status,
    FrozenDictionary<string, TmuxSession> Sessions,
    string Server,
    string Detail,
    TimeSpan Duration)
{
    public bool CanJudgeLiveness => Status != TmuxViewStatus.Broken;

    /// <summary>The span of the look that produced this view, for reconciles to link to.</summary>
    public ActivityContext Trace { get; init; }

    public static TmuxView Listed(IEnumerable<TmuxSession> sessions, string server, TimeSpan duration) =>
        new(TmuxViewStatus.Listed, sessions.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal), server, "sessions listed", duration);

    public static TmuxView NoServer(string server, string evidence, TimeSpan duration) =>
        new(TmuxViewStatus.NoServer, FrozenDictionary<string, TmuxSession>.Empty, server, evidence, duration);

    public static TmuxView Broken(string server, string reason, TimeSpan duration) =>
        new(TmuxViewStatus.Broken, FrozenDictionary<string, TmuxSession>.Empty, server, reason, duration);
}
