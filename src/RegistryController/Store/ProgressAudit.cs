using System.Globalization;
using System.Text;
using Mono.Unix.Native;
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
        return $"registryctl: recorded {end.NewStatus}{(end.TerminationReason is { } reason ? $" ({reason})" : string.Empty)}, its session being gone or dead; evidence: {end.Evidence}";
    }

    /// <summary>The line appended for <paramref name="end"/>: one <c>json.dumps</c>-style object and a newline.</summary>
    public static string LineFor(EndAgent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        var message = MessageFor(end);
        var sb = new StringBuilder("{\"timestamp\": ");
        PythonJsonWriter.AppendPythonString(sb, end.Timestamp);
        sb.Append(", \"agent_id\": ");
        PythonJsonWriter.AppendPythonString(sb, end.AgentId);
        sb.Append(", \"status\": ");
        PythonJsonWriter.AppendPythonString(sb, end.NewStatus);
        sb.Append(", \"message\": ");
        PythonJsonWriter.AppendPythonString(sb, message);
        sb.Append(", \"progress\": ").Append(end.NewStatus == "completed" ? "100" : "0");
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
