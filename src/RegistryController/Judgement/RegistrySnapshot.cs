using System.Collections.Immutable;
using RegistryController.Evidence;
using RegistryController.Processes;
using RegistryController.Registry;

namespace RegistryController.Judgement;

/// <summary>One registry as read: its model, or the reason it could not be read.</summary>
/// <param name="TaskId">For task registries, the task directory's name.</param>
public sealed record RegistrySnapshot(string Path, RegistryKind Kind, string? TaskId, RegistryModel? Model, string? Error)
{
    /// <summary>When each active agent's tracked files (log, progress) last changed, where known.</summary>
    public ImmutableDictionary<string, DateTimeOffset> Activity { get; init; } = ImmutableDictionary<string, DateTimeOffset>.Empty;

    /// <summary>How agents whose liveness is in question ended, as their files tell (read only for them).</summary>
    public ImmutableDictionary<string, AgentEvidence> Evidence { get; init; } = ImmutableDictionary<string, AgentEvidence>.Empty;

    /// <summary>What this host's process table showed, by pid, for the recorded processes of agents in question.</summary>
    public ImmutableDictionary<int, ProcessSighting> Processes { get; init; } = ImmutableDictionary<int, ProcessSighting>.Empty;

    /// <summary>
    /// Where the task's <c>logs/</c>, <c>progress/</c> and <c>archive/</c> are: the registry file's directory, unless the
    /// store says otherwise (a SQLite task lives in a database, its files in <c>&lt;workspace&gt;/&lt;task_id&gt;</c>);
    /// null when there is no safe such directory.
    /// </summary>
    public string? TaskDirectory
    {
        get => _taskDirectory ?? (_taskDirectorySet ? null : System.IO.Path.GetDirectoryName(Path));
        init
        {
            _taskDirectory = value;
            _taskDirectorySet = true;
        }
    }

    /// <summary>
    /// The file as this snapshot read it, when it can vouch for the bytes: unchanged while read and not written in the
    /// moments before (null otherwise, and for a snapshot not read from a file as a whole).
    /// </summary>
    internal FileStamp? Stamp { get; init; }

    private readonly string? _taskDirectory;
    private readonly bool _taskDirectorySet;

    public static RegistrySnapshot Read(string path, RegistryKind kind, string? taskId, RegistryModel model) => new(path, kind, taskId, model, null);

    public static RegistrySnapshot Failed(string path, RegistryKind kind, string? taskId, string error) => new(path, kind, taskId, null, error);
}
