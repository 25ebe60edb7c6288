using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Polly.Timeout;
using RegistryController.Judgement;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Telemetry;

namespace RegistryController.Store;

/// <summary>
/// The write protocol: lock, re-read, parse, recompute, write in place, unlock. Nothing slow happens
/// under the lock (no tmux call, no waiting), and only one lock is ever held at a time.
/// </summary>
public sealed class RegistryStore : IRegistryStore
{
    private readonly RegistryStoreOptions _options;

    private readonly LockRetry _retry;

    private readonly FrozenSet<string>? _activeStatuses;

    /// <param name="activeStatuses">
    /// The statuses of agents the judge looks at closely (<see cref="ReconcileOptions.ActiveStatuses"/>): a read keeps
    /// the other agents as <see cref="AgentRecord.AsInactive"/>. Null: every agent whole.
    /// </param>
    public RegistryStore(RegistryStoreOptions options, LockOptions lockOptions, TimeProvider? time = null, IReadOnlySet<string>? activeStatuses = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _retry = new(lockOptions ?? throw new ArgumentNullException(nameof(lockOptions)), time);
        // Asked of every agent of every registry read: a set made for lookups.
        _activeStatuses = activeStatuses is null ? null : ReconcileOptions.Frozen(activeStatuses);
    }

    /// <summary>
    /// How long a file must have stood unwritten before a read of it is trusted to stand for it later: a write within
    /// the same tick of the file system's clock can leave size and modification time as they were.
    /// </summary>
    internal static readonly TimeSpan SettledAfter = TimeSpan.FromSeconds(1);

    private long _parses;

    /// <summary>How many registries <see cref="ReadAsync(RegistryLocation, CancellationToken)"/> has read and parsed (what a start-up costs, without timing it).</summary>
    internal long Parses => Interlocked.Read(ref _parses);

    public async Task<RegistrySnapshot> ReadAsync(RegistryLocation location, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        using var activity = RegistryTelemetry.Source.StartActivity(RegistryTelemetry.Spans.Read);
        activity?.SetTag(RegistryTelemetry.Attributes.Path, location.Path);
        ulong inode = 0;
        try
        {
            var (model, stamp) = await _retry.ExecuteAsync(
                () =>
                {
                    using var file = RegistryFile.Open(location, forWriting: false);
                    inode = file.Opened.Inode;
                    file.Lock(exclusive: false);
                    var size = file.SizeWithin(_options.MaxFileBytes);
                    activity?.SetTag(RegistryTelemetry.Attributes.Bytes, (int)size);
                    Interlocked.Increment(ref _parses);
                    // Read in pieces into one pooled buffer (a task registry in one piece): an array the size of a
                    // global registry of megabytes cost more in fresh pages than the read itself.
                    var parsed = RegistryParser.Parse(size, file.ReadAt, location.Path, location.Kind, activeStatuses: _activeStatuses);
                    // The orchestrator's unlocked tools write in place: the bytes stand for the file only if nothing
                    // wrote it while they were read, nor just before (a write in the same tick keeps the same stamp).
                    var after = file.Identity();
                    var settled = after == file.Opened && ModifiedAt(after) <= DateTimeOffset.UtcNow - SettledAfter;
                    return (parsed, settled ? StampOf(after) : (FileStamp?)null);
                },
                cancellationToken);
            return RegistrySnapshot.Read(location.Path, location.Kind, location.TaskId, model) with { Stamp = stamp };
        }
        catch (Exception ex) when (Describe(ex, location, inode) is { } problem)
        {
            RegistryTelemetry.Fail(activity, ex);
            return RegistrySnapshot.Failed(location.Path, location.Kind, location.TaskId, problem);
        }
    }

    public Task<RegistrySnapshot> ReadAsync(RegistryLocation location, RegistrySnapshot? known, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        return known is { Stamp: { } stamp, Model: not null } && known.Path == location.Path && StillStamped(location, stamp)
            ? Task.FromResult(known)
            : ReadAsync(location, cancellationToken);
    }

    /// <summary>Whether the file at <paramref name="location"/> still bears <paramref name="stamp"/>: one open and fstat, no lock, no read.</summary>
    private static bool StillStamped(RegistryLocation location, FileStamp stamp)
    {
        try
        {
            using var file = RegistryFile.Open(location, forWriting: false);
            return StampOf(file.Opened) == stamp;
        }
        catch (Exception ex) when (ex is RegistryAccessException or IOException or UnauthorizedAccessException)
        {
            // The full read says what is wrong, as it always has.
            return false;
        }
    }

    private static FileStamp StampOf(FileIdentity identity) => new(identity.Inode, identity.Size, identity.MTime, identity.MTimeNanoseconds);

    private static DateTimeOffset ModifiedAt(FileIdentity identity) =>
        DateTimeOffset.FromUnixTimeSeconds(identity.MTime).AddTicks(identity.MTimeNanoseconds / 100);

    public async Task<UpdateOutcome> UpdateAsync(RegistryLocation location, Func<RegistryModel, ImmutableArray<RegistryEdit>> plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(plan);
        var waited = Stopwatch.StartNew();
        var attempts = 0;
        ulong inode = 0;
        var lockSpan = RegistryTelemetry.Source.StartActivity(RegistryTelemetry.Spans.Lock);
        lockSpan?.SetTag(RegistryTelemetry.Attributes.Path, location.Path);
        try
        {
            var outcome = await _retry.ExecuteAsync(
                () =>
                {
                    attempts++;
                    using var file = RegistryFile.Open(location, forWriting: true);
                    inode = file.Opened.Inode;
                    file.Lock(exclusive: true);
                    var wait = waited.Elapsed;
                    var held = Stopwatch.StartNew();
                    RegistryTelemetry.LockWait.Record(wait.TotalSeconds);
                    if (lockSpan is not null)
                    {
                        lockSpan.SetTag(RegistryTelemetry.Attributes.LockAttempts, attempts);
                        lockSpan.SetTag(RegistryTelemetry.Attributes.LockWaitMs, wait.TotalMilliseconds);
                        lockSpan.Stop();
                        Activity.Current = lockSpan.Parent;
                    }

                    return ReadPlanWrite(file, location, plan, () => new LockStatistics(attempts, wait, held.Elapsed));
                },
                cancellationToken);
            return outcome.Written && location.Kind == RegistryKind.Task ? Audit(location, outcome) : outcome;
        }
        catch (TimeoutRejectedException ex)
        {
            var timeout = new RegistryLockTimeoutException(location.Path, LockTimeoutProblem(inode), ex);
            lockSpan?.SetTag(RegistryTelemetry.Attributes.LockAttempts, attempts);
            RegistryTelemetry.Fail(lockSpan, timeout);
            throw timeout;
        }
        finally
        {
            // Stopped already once the lock was taken; this ends it on every failure path.
            lockSpan?.Dispose();
        }
    }

    /// <summary>
    /// Under the lock: reads the registry, recomputes the plan on what is there now, and writes the edited document
    /// in place. <paramref name="statistics"/> is asked at the end, so the hold covers the write.
    /// </summary>
    private UpdateOutcome ReadPlanWrite(RegistryFile file, RegistryLocation location, Func<RegistryModel, ImmutableArray<RegistryEdit>> plan, Func<LockStatistics> statistics)
    {
        byte[] bytes;
        FileIdentity readIdentity;
        RegistryModel model;
        System.Text.Json.Nodes.JsonObject root;
        using (var readSpan = RegistryTelemetry.Source.StartActivity(RegistryTelemetry.Spans.Read))
        {
            bytes = file.ReadAll(_options.MaxFileBytes);
            readIdentity = file.Identity();
            readSpan?.SetTag(RegistryTelemetry.Attributes.Bytes, bytes.Length);
            (model, root) = RegistryParser.ParseForEdit(bytes, location.Path, location.Kind);
        }

        var edits = plan(model);
        // The models handed on (to the controller's cache) keep what a read keeps; the plan above saw every field.
        if (edits.IsEmpty)
        {
            var kept = RegistryParser.Inactive(model, _activeStatuses);
            return new UpdateOutcome(kept, kept, edits, false, 0, statistics());
        }

        RegistryEditor.Apply(root, location.Kind, edits);
        var content = PythonJsonWriter.Serialize(root);

        using (var writeSpan = RegistryTelemetry.Source.StartActivity(RegistryTelemetry.Spans.Write))
        {
            writeSpan?.SetTag(RegistryTelemetry.Attributes.Bytes, content.Length);
            // Throws LockContendedException (back off, start again) if an unlocked writer changed the file since it was read.
            file.WriteInPlace(content, bytes.LongLength, readIdentity, _options.Fsync);
        }

        var after = RegistryEditor.ApplyToModel(model, edits);
        return new UpdateOutcome(RegistryParser.Inactive(model, _activeStatuses), RegistryParser.Inactive(after, _activeStatuses), edits, true, content.Length, statistics());
    }

    /// <summary>
    /// Once the registry is written (and its lock released), each ending goes into the agent's progress
    /// file too. Before the write it could claim what never happened; a crash between the two loses only
    /// the line, and the registry's outcome_evidence still tells what happened.
    /// </summary>
    private static UpdateOutcome Audit(RegistryLocation location, UpdateOutcome outcome)
    {
        var taskDirectory = Path.GetDirectoryName(location.Path)!;
        var problems = outcome.Applied.OfType<EndAgent>()
            .Select(end => ProgressAudit.Append(taskDirectory, end))
            .OfType<string>()
            .ToImmutableArray();
        return problems.IsEmpty ? outcome : outcome with { AuditProblems = problems };
    }

    private string LockTimeoutProblem(ulong inode) =>
        string.Create(CultureInfo.InvariantCulture, $"could not take the lock within {_retry.Options.Timeout.TotalSeconds:0.###} s ({LockHolders.Describe(inode)}); not written");

    private string? Describe(Exception ex, RegistryLocation location, ulong inode) => ex switch
    {
        TimeoutRejectedException => LockTimeoutProblem(inode),
        RegistryFormatException format => format.Problem,
        RegistryAccessException access => access.Problem,
        UnauthorizedAccessException => "permission denied",
        IOException io => io.Message.Replace(location.Path, string.Empty, StringComparison.Ordinal).Trim(' ', ':'),
        _ => null,
    };
}
