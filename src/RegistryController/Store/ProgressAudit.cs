using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Mono.Unix.Native;
using Polly.Timeout;
using RegistryController.Locking;
using RegistryController.Registry;

namespace RegistryController.Store;

/// <summary>
/// The audit trail: every ending the controller writes is also one line in the agent's progress file,
/// in the orchestrator's own line format (<c>timestamp</c>, <c>agent_id</c>, <c>status</c>,
/// <c>message</c>, <c>progress</c>), so its tools, its dashboard, its 2026 re-import and a person
/// reading the file all see what happened and why.
/// </summary>
internal static class ProgressAudit
{
    /// <summary>Why the agent was ended, in words: the audit line's <c>message</c>, and the SQLite store's <c>agent_progress_latest.message</c>.</summary>
    public static string MessageFor(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return $"{MessagePrefix}{end.NewStatus}{(end.TerminationReason is { } reason ? $" ({reason})" : string.Empty)}, its session being gone or dead; evidence: {end.Evidence}";
    }

    /// <summary>How every <see cref="MessageFor"/> begins: what tells an ending of ours in <c>agent_progress_latest</c>.</summary>
    public const string MessagePrefix = "registryctl: recorded ";

    /// <summary>The line appended for <paramref name="end"/>: one <c>json.dumps</c>-style object and a newline.</summary>
    public static string LineFor(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        return LineFor(new AuditedEnding(end.AgentId, end.NewStatus, end.Timestamp, MessageFor(end)));
    }

    /// <summary>The line of an ending as the SQLite store kept it (the same bytes <see cref="LineFor(EndAgent)"/> wrote for it).</summary>
    public static string LineFor(AuditedEnding ending)
    {
        ArgumentNullException.ThrowIfNull(ending);
        var sb = new StringBuilder("{\"timestamp\": ");
        PythonJsonWriter.AppendPythonString(sb, ending.Timestamp);
        sb.Append(", \"agent_id\": ");
        PythonJsonWriter.AppendPythonString(sb, ending.AgentId);
        sb.Append(", \"status\": ");
        PythonJsonWriter.AppendPythonString(sb, ending.Status);
        sb.Append(", \"message\": ");
        PythonJsonWriter.AppendPythonString(sb, ending.Message);
        sb.Append(", \"progress\": ").Append(ending.Status == "completed" ? "100" : "0");
        sb.Append(", \"").Append(AgentEndFields.ReconciledByField).Append("\": ");
        PythonJsonWriter.AppendPythonString(sb, AgentEndFields.ReconciledBy);
        return sb.Append("}\n").ToString();
    }

    /// <summary>
    /// Appends the line to <c>progress/&lt;id&gt;_progress.jsonl</c>, or to the archived file when the
    /// orchestrator's clean-up already moved it there, creating <c>progress/</c> only when neither
    /// exists. One <c>O_APPEND</c> write, as the orchestrator's own appends, so concurrent lines never
    /// interleave; never through a symbolic link, never outside the task directory.
    /// </summary>
    /// <param name="followArchive">
    /// False: always <c>progress/</c>, never the archived file. The 2026 orchestrator's re-import of an adopted task
    /// reads only <c>progress/</c>, so there a line in <c>archive/</c> would not keep the repair.
    /// </param>
    /// <returns>Null, or the problem that kept the line from being written (the ending itself stands).</returns>
    public static string? Append(string taskDirectory, EndAgent end, bool followArchive = true)
    {
        ArgumentNullException.ThrowIfNull(taskDirectory);
        ArgumentNullException.ThrowIfNull(end);
        var name = $"{end.AgentId}_progress.jsonl";
        if (end.AgentId.Contains('/', StringComparison.Ordinal) || end.AgentId.Contains('\0', StringComparison.Ordinal))
        {
            return $"agent id {end.AgentId} cannot name a file";
        }

        var live = Path.Combine(taskDirectory, "progress", name);
        var archived = Path.Combine(taskDirectory, "archive", name);
        var path = !followArchive || File.Exists(live) || !File.Exists(archived) ? live : archived;
        var relative = Path.GetRelativePath(taskDirectory, path);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (Posix.RealPath(taskDirectory) is not { } root
                || Posix.RealPath(Path.GetDirectoryName(path)!) is not { } directory
                || !directory.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return $"{relative}: its directory lies outside the task directory; not written";
            }

            var bytes = Encoding.UTF8.GetBytes(LineFor(end));
            var fd = Syscall.open(path, OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK, FilePermissions.DEFFILEMODE & ~(FilePermissions.S_IWGRP | FilePermissions.S_IWOTH));
            if (fd < 0)
            {
                return $"{relative}: {Stdlib.strerror(Stdlib.GetLastError())}; not written";
            }

            try
            {
                return WriteLine(fd, bytes, relative);
            }
            finally
            {
                _ = Syscall.close(fd);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{relative}: {ex.Message}; not written";
        }
    }

    /// <summary>
    /// Appends <paramref name="ending"/>'s line to <c>progress/&lt;id&gt;_progress.jsonl</c> unless the files
    /// <paramref name="rule"/> counts already hold it (a line of ours with its status and timestamp). So a repair killed
    /// between its commit and its lines is completed by the next pass, and no line is ever written twice, however many
    /// registryctl processes try at once: the look and the append are made under <c>flock(LOCK_EX)</c> on the file,
    /// which only registryctl takes (the orchestrator's appends take no lock, so they are never held up). That lock is
    /// waited for as a registry's is (<paramref name="locks"/>, the <c>Lock:*</c> bound of
    /// <see cref="LockRetry"/>); past it the line is not written and the problem says so: the ending stands, and
    /// the next pass completes the line. Never through a symbolic link, never outside the task directory.
    /// </summary>
    public static async Task<ProgressAppend> AppendOnceAsync(string taskDirectory, AuditedEnding ending, ProgressRule rule, LockRetry locks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(taskDirectory);
        ArgumentNullException.ThrowIfNull(ending);
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(locks);
        var name = $"{ending.AgentId}_progress.jsonl";
        if (ending.AgentId.Contains('/', StringComparison.Ordinal) || ending.AgentId.Contains('\0', StringComparison.Ordinal))
        {
            return ProgressAppend.Failed($"agent id {ending.AgentId} cannot name a file");
        }

        var live = Path.Combine(taskDirectory, "progress", name);
        var relative = Path.GetRelativePath(taskDirectory, live);
        var inode = new StrongBox<ulong>();
        try
        {
            // The orchestrator's clean-up may have moved the file, our line in it, to archive/ since.
            var archived = Path.Combine(taskDirectory, "archive", name);
            if (rule.ArchiveCounts && Holds(File.Exists(archived) ? ReadNoFollow(archived) : null, ending))
            {
                return ProgressAppend.Present;
            }

            if (!rule.MayCreate && !File.Exists(live))
            {
                return ProgressAppend.NotKept;
            }

            if (rule.MayCreate)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(live)!);
            }

            if (Posix.RealPath(taskDirectory) is not { } root
                || Posix.RealPath(Path.GetDirectoryName(live)!) is not { } directory
                || !directory.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return ProgressAppend.Failed($"{relative}: its directory lies outside the task directory; not written");
            }

            return await locks.ExecuteAsync(() => AppendLocked(live, relative, ending, rule.MayCreate, inode), cancellationToken);
        }
        catch (TimeoutRejectedException)
        {
            return ProgressAppend.Failed(string.Create(
                CultureInfo.InvariantCulture,
                $"{live}: could not take its lock within {locks.Options.Timeout.TotalSeconds:0.###} s ({LockHolders.Describe(inode.Value)}); not written, the next pass appends it"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ProgressAppend.Failed($"{relative}: {ex.Message}; not written");
        }
    }

    /// <summary>One attempt: open, lock without blocking (contended: <see cref="LockContendedException"/>, the pipeline backs off), look, append.</summary>
    private static ProgressAppend AppendLocked(string live, string relative, AuditedEnding ending, bool mayCreate, StrongBox<ulong> inode)
    {
        var flags = OpenFlags.O_RDWR | OpenFlags.O_APPEND | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK | (mayCreate ? OpenFlags.O_CREAT : default);
        var fd = Syscall.open(live, flags, FilePermissions.DEFFILEMODE & ~(FilePermissions.S_IWGRP | FilePermissions.S_IWOTH));
        if (fd < 0)
        {
            var errno = Stdlib.GetLastError();
            // Gone since we looked (the clean-up moved it): a file nobody keeps is not made again.
            return !mayCreate && errno == Errno.ENOENT ? ProgressAppend.NotKept : ProgressAppend.Failed($"{relative}: {Stdlib.strerror(errno)}; not written");
        }

        try
        {
            if (Syscall.fstat(fd, out var stat) != 0 || (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFREG)
            {
                return ProgressAppend.Failed($"{relative}: not a regular file; not written");
            }

            inode.Value = stat.st_ino;
            int locked;
            while ((locked = Posix.Flock(fd, Posix.LockExclusive | Posix.LockNonBlocking)) != 0 && Marshal.GetLastPInvokeError() == Posix.EIntr)
            {
            }

            if (locked != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Posix.EWouldBlock
                    ? throw new LockContendedException(live)
                    : ProgressAppend.Failed(string.Create(CultureInfo.InvariantCulture, $"{relative}: flock failed with errno {errno}; not written"));
            }

            if (Holds(ReadAll(fd), ending))
            {
                return ProgressAppend.Present;
            }

            return WriteLine(fd, Encoding.UTF8.GetBytes(LineFor(ending)), relative) is { } problem ? ProgressAppend.Failed(problem) : ProgressAppend.Appended;
        }
        finally
        {
            // Closing the descriptor lets the flock go.
            _ = Syscall.close(fd);
        }
    }

    /// <summary>Whether <paramref name="content"/> has a line of ours for <paramref name="ending"/> (its status and timestamp).</summary>
    private static bool Holds(byte[]? content, AuditedEnding ending)
    {
        if (content is null)
        {
            return false;
        }

        foreach (var line in Encoding.UTF8.GetString(content).Split('\n'))
        {
            if (!line.Contains(AgentEndFields.ReconciledBy, StringComparison.Ordinal))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && Text(root, AgentEndFields.ReconciledByField) == AgentEndFields.ReconciledBy
                    && Text(root, "status") == ending.Status
                    && Text(root, "timestamp") == ending.Timestamp)
                {
                    return true;
                }
            }
            catch (JsonException)
            {
                // Not a line of ours: ours are always whole.
            }
        }

        return false;
    }

    private static string? Text(JsonElement root, string property) =>
        root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? ReadNoFollow(string path)
    {
        var fd = Syscall.open(path, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC | OpenFlags.O_NONBLOCK);
        if (fd < 0)
        {
            return null;
        }

        try
        {
            return Syscall.fstat(fd, out var stat) == 0 && (stat.st_mode & FilePermissions.S_IFMT) == FilePermissions.S_IFREG ? ReadAll(fd) : null;
        }
        finally
        {
            _ = Syscall.close(fd);
        }
    }

    private static byte[] ReadAll(int fd)
    {
        using var content = new MemoryStream();
        // Sized to the file as it is now (a progress file is a few KB); it may grow while read, hence the loop.
        var buffer = new byte[Syscall.fstat(fd, out var stat) == 0 ? Math.Clamp(stat.st_size + 1, 1, 1 << 20) : 4096];
        long offset = 0;
        while (true)
        {
            long read;
            unsafe
            {
                fixed (byte* p = buffer)
                {
                    read = Syscall.pread(fd, p, (ulong)buffer.Length, offset);
                }
            }

            if (read < 0 && Stdlib.GetLastError() == Errno.EINTR)
            {
                continue;
            }

            if (read <= 0)
            {
                return content.ToArray();
            }

            content.Write(buffer, 0, (int)read);
            offset += read;
        }
    }

    /// <summary>One write of the whole line to a regular file; a short write is taken back.</summary>
    private static string? WriteLine(int fd, byte[] bytes, string relative)
    {
        if (Syscall.fstat(fd, out var stat) != 0 || (stat.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFREG)
        {
            return $"{relative}: not a regular file; not written";
        }

        long written;
        unsafe
        {
            fixed (byte* p = bytes)
            {
                written = Syscall.write(fd, p, (ulong)bytes.Length);
            }
        }

        if (written == bytes.Length)
        {
            return null;
        }

        // A part of a line (a full disk) would glue the orchestrator's next line onto it: take it back.
        if (written > 0 && Syscall.fstat(fd, out var after) == 0)
        {
            _ = Syscall.ftruncate(fd, after.st_size - written);
        }

        return string.Create(CultureInfo.InvariantCulture, $"{relative}: wrote {written} of {bytes.Length} bytes; taken back");
    }
}

/// <summary>
/// An ending as its audit line states it: what <see cref="ProgressAudit.LineFor(EndAgent)"/> writes, and what the
/// SQLite store keeps of it in <c>agent_progress_latest</c> (status, timestamp, message), from which the line is made again.
/// </summary>
internal sealed record AuditedEnding(string AgentId, string Status, string Timestamp, string Message);

/// <summary>What <see cref="ProgressAudit.AppendOnceAsync"/> did: wrote the line, found it there, left a file nobody keeps alone, or failed (<see cref="Problem"/>).</summary>
internal sealed record ProgressAppend(bool Written, string? Problem)
{
    public static ProgressAppend Appended { get; } = new(true, null);

    public static ProgressAppend Present { get; } = new(false, null);

    public static ProgressAppend NotKept { get; } = new(false, null);

    public static ProgressAppend Failed(string problem) => new(false, problem);
}

/// <summary>
/// Which of an agent's progress files keep an ending of ours, and whether the line may make
/// <c>progress/&lt;id&gt;_progress.jsonl</c> when it is missing (see <c>SqliteRepair</c> for the rule's reasons).
/// </summary>
/// <param name="ArchiveCounts">A line of ours in <c>archive/&lt;id&gt;_progress.jsonl</c> counts as written.</param>
/// <param name="MayCreate">A missing <c>progress/</c> file (and directory) is created; otherwise only an existing file is appended to.</param>
internal sealed record ProgressRule(bool ArchiveCounts, bool MayCreate);
