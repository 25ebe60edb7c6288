namespace RegistryController.Registry;

/// <summary>
/// What the controller needs of one agent entry. <see cref="Index"/> is the position in a task
/// registry's list (agent ids are not guaranteed unique there); -1 for global entries, which are keyed by id.
/// <see cref="ClaudePid"/> and <see cref="CursorPid"/> are the processes the orchestrator recorded (usually none; the
/// cursor backend of late 2025 ran its agents without tmux and recorded only <c>cursor_pid</c>).
/// </summary>
/// <remarks>
/// What only a running agent has (when it started, its files, its processes) and what only an ended one has (how and
/// when it ended) are kept in objects of their own, absent when all their fields are: a workspace's cache holds every
/// agent of every registry, and the global registry's entries, half of them, have neither. 72 bytes an entry instead of
/// 144. The times an ending holds are <see cref="Stamp"/>s: a finished agent's two times are 32 bytes, not two strings of
/// 74. Equality, <c>with</c> and the properties are those of a record with all sixteen fields.
/// </remarks>
public sealed record AgentRecord
{
    private readonly Run? _run;
    private readonly Ending? _ending;

    public AgentRecord(
        string Id,
        int Index,
        string? Status,
        string? TmuxSession,
        string? StartedAt,
        string? TaskId,
        string? LogFile = null,
        string? ProgressFile = null,
        string? TerminationReason = null,
        string? TerminatedAt = null,
        string? CompletedAt = null,
        string? LastUpdate = null,
        string? ReconciledBy = null,
        string? OutcomeEvidence = null,
        int? ClaudePid = null,
        int? CursorPid = null)
    {
        this.Id = Id;
        this.Index = Index;
        this.Status = Status;
        this.TmuxSession = TmuxSession;
        this.TaskId = TaskId;
        _run = Run.Of(StartedAt, LogFile, ProgressFile, ClaudePid, CursorPid);
        _ending = Ending.Of(TerminationReason, Stamp.Of(TerminatedAt), Stamp.Of(CompletedAt), Stamp.Of(LastUpdate), ReconciledBy, OutcomeEvidence);
    }

    /// <summary>An entry whose times were read as <see cref="Stamp"/>s (the fast read: no string made for a time it can pack).</summary>
    internal static AgentRecord Read(
        string id,
        int index,
        string? status,
        string? tmuxSession,
        string? startedAt,
        string? taskId,
        string? logFile,
        string? progressFile,
        string? terminationReason,
        Stamp terminatedAt,
        Stamp completedAt,
        Stamp lastUpdate,
        string? reconciledBy,
        string? outcomeEvidence,
        int? claudePid,
        int? cursorPid) =>
        new(id, index, status, tmuxSession, taskId, Run.Of(startedAt, logFile, progressFile, claudePid, cursorPid), Ending.Of(terminationReason, terminatedAt, completedAt, lastUpdate, reconciledBy, outcomeEvidence));

    /// <summary>This entry with another status and ending (<see cref="AgentEndFields.Apply"/>), all else as it is, in one record.</summary>
    internal AgentRecord WithEnding(string? status, string? terminationReason, string? terminatedAt, string? completedAt, string? lastUpdate, string? reconciledBy, string? outcomeEvidence) =>
        new(Id, Index, status, TmuxSession, TaskId, _run, Ending.Of(terminationReason, Stamp.Of(terminatedAt), Stamp.Of(completedAt), Stamp.Of(lastUpdate), reconciledBy, outcomeEvidence));

    private AgentRecord(string id, int index, string? status, string? tmuxSession, string? taskId, Run? run, Ending? ending)
    {
        Id = id;
        Index = index;
        Status = status;
        TmuxSession = tmuxSession;
        TaskId = taskId;
        _run = run;
        _ending = ending;
    }

    public string Id { get; init; }

    public int Index { get; init; }

    public string? Status { get; init; }

    public string? TmuxSession { get; init; }

    public string? StartedAt
    {
        get => _run?.StartedAt;
        init => _run = Run.Of(value, LogFile, ProgressFile, ClaudePid, CursorPid);
    }

    public string? TaskId { get; init; }

    public string? LogFile
    {
        get => _run?.LogFile;
        init => _run = Run.Of(StartedAt, value, ProgressFile, ClaudePid, CursorPid);
    }

    public string? ProgressFile
    {
        get => _run?.ProgressFile;
        init => _run = Run.Of(StartedAt, LogFile, value, ClaudePid, CursorPid);
    }

    public string? TerminationReason
    {
        get => _ending?.TerminationReason;
        init => _ending = Ending.Of(value, EndingNow.TerminatedAt, EndingNow.CompletedAt, EndingNow.LastUpdate, ReconciledBy, OutcomeEvidence);
    }

    public string? TerminatedAt
    {
        get => _ending?.TerminatedAt.Text;
        init => _ending = Ending.Of(TerminationReason, Stamp.Of(value), EndingNow.CompletedAt, EndingNow.LastUpdate, ReconciledBy, OutcomeEvidence);
    }

    public string? CompletedAt
    {
        get => _ending?.CompletedAt.Text;
        init => _ending = Ending.Of(TerminationReason, EndingNow.TerminatedAt, Stamp.Of(value), EndingNow.LastUpdate, ReconciledBy, OutcomeEvidence);
    }

    public string? LastUpdate
    {
        get => _ending?.LastUpdate.Text;
        init => _ending = Ending.Of(TerminationReason, EndingNow.TerminatedAt, EndingNow.CompletedAt, Stamp.Of(value), ReconciledBy, OutcomeEvidence);
    }

    public string? ReconciledBy
    {
        get => _ending?.ReconciledBy;
        init => _ending = Ending.Of(TerminationReason, EndingNow.TerminatedAt, EndingNow.CompletedAt, EndingNow.LastUpdate, value, OutcomeEvidence);
    }

    public string? OutcomeEvidence
    {
        get => _ending?.OutcomeEvidence;
        init => _ending = Ending.Of(TerminationReason, EndingNow.TerminatedAt, EndingNow.CompletedAt, EndingNow.LastUpdate, ReconciledBy, value);
    }

    public int? ClaudePid
    {
        get => _run?.ClaudePid;
        init => _run = Run.Of(StartedAt, LogFile, ProgressFile, value, CursorPid);
    }

    public int? CursorPid
    {
        get => _run?.CursorPid;
        init => _run = Run.Of(StartedAt, LogFile, ProgressFile, ClaudePid, value);
    }

    /// <summary>
    /// This entry as kept for an agent that is not active: without what only an active agent's verdict reads (when it
    /// started, the files it writes). How it ended stays: a global entry that lags behind copies it.
    /// </summary>
    public AgentRecord AsInactive() =>
        StartedAt is null && LogFile is null && ProgressFile is null ? this : this with { StartedAt = null, LogFile = null, ProgressFile = null };

    /// <summary>What only a running agent has; null when none of it is known, so that equal entries hold equal fields.</summary>
    private sealed record Run(string? StartedAt, string? LogFile, string? ProgressFile, int? ClaudePid, int? CursorPid)
    {
        public static Run? Of(string? startedAt, string? logFile, string? progressFile, int? claudePid, int? cursorPid) =>
            startedAt is null && logFile is null && progressFile is null && claudePid is null && cursorPid is null
                ? null
                : new(startedAt, logFile, progressFile, claudePid, cursorPid);
    }

    /// <summary>The ending as kept, or an empty one: its times as they are held, not made text again.</summary>
    private Ending EndingNow => _ending ?? Ending.None;

    /// <summary>How and when the agent ended, and who said so; null when none of it is known.</summary>
    private sealed record Ending(string? TerminationReason, Stamp TerminatedAt, Stamp CompletedAt, Stamp LastUpdate, string? ReconciledBy, string? OutcomeEvidence)
    {
        public static readonly Ending None = new(null, default, default, default, null, null);

        public static Ending? Of(string? terminationReason, Stamp terminatedAt, Stamp completedAt, Stamp lastUpdate, string? reconciledBy, string? outcomeEvidence) =>
            terminationReason is null && terminatedAt.IsEmpty && completedAt.IsEmpty && lastUpdate.IsEmpty && reconciledBy is null && outcomeEvidence is null
                ? null
                : new(terminationReason, terminatedAt, completedAt, lastUpdate, reconciledBy, outcomeEvidence);
    }
}
