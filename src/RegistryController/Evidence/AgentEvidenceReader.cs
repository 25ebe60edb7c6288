using System.Buffers;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Unicode;
using Mono.Unix.Native;
using RegistryController.Locking;

namespace RegistryController.Evidence;

/// <summary>
/// Reads what an agent's own files say about how it ended: the last line of its stream log and its last terminal
/// progress report. It reads from the end only, never throws for a bad file (each is named in
/// <see cref="AgentEvidence.Problems"/>) and decides nothing.
/// </summary>
internal static class AgentEvidenceReader
{
    /// <summary>
    /// A final result of 100 KB and more is normal; this only keeps a file that is one endless line (binary junk,
    /// a runaway writer) from being pulled into memory whole.
    /// </summary>
    internal const long MaxLineBytes = 64L * 1024 * 1024;

    // Claude's stream lines nest tool results inside messages; 64 (the default) is closer to them than comfortable.
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// Looks in <c>logs/&lt;agentId&gt;_stream.jsonl</c> and <c>progress/&lt;agentId&gt;_progress.jsonl</c> of
    /// <paramref name="taskDirectory"/> and, for a file that is not there (the orchestrator's clean-up moves an
    /// agent's files when it reports its completion), in <c>archive/</c>.
    /// </summary>
    /// <param name="terminalStatuses">The statuses that end an agent; its comparer decides how they match.</param>
    public static AgentEvidence Read(string taskDirectory, string agentId, IReadOnlySet<string> terminalStatuses, CancellationToken ct = default) =>
        Read(taskDirectory, agentId, terminalStatuses, out _, ct);

    /// <param name="bytesRead">How many bytes were read from both files: the proof that a long log costs only its end.</param>
    internal static AgentEvidence Read(string taskDirectory, string agentId, IReadOnlySet<string> terminalStatuses, out long bytesRead, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(taskDirectory);
        ArgumentNullException.ThrowIfNull(agentId);
        ArgumentNullException.ThrowIfNull(terminalStatuses);
        ct.ThrowIfCancellationRequested();
        bytesRead = 0;

        if (agentId.Length == 0 || agentId.Contains('/', StringComparison.Ordinal) || agentId.Contains('\0', StringComparison.Ordinal))
        {
            return new(null, null, [new(agentId, "is not an agent id that names a file (empty, or with a slash or NUL): nothing read")]);
        }

        // One stat(2), links followed, says what realpath(3) and a look at its answer would: the real path itself is
        // resolved only if a file is found.
        var errno = Posix.FileType(taskDirectory, followLinks: true, out var type);
        if (errno != 0 || type != Posix.Directory)
        {
            var why = errno == 0 ? "is not a directory"
                : errno is Posix.ENoEnt or Posix.ENotDir ? "does not exist"
                : $"cannot be resolved ({NativeConvert.ToErrno(errno)})";
            return new(null, null, [new(taskDirectory, $"the task directory {why}: nothing read")]);
        }

        var realRoot = new RealDirectory(taskDirectory);

        var problems = ImmutableArray.CreateBuilder<EvidenceProblem>();
        StreamResult? result = null;
        using (var stream = Locate(realRoot, taskDirectory, "logs", agentId, "_stream.jsonl", problems))
        {
            if (stream is not null)
            {
                result = ReadResult(stream, problems, ref bytesRead, ct);
            }
        }

        ProgressReport? report = null;
        using (var progress = Locate(realRoot, taskDirectory, "progress", agentId, "_progress.jsonl", problems))
        {
            if (progress is not null)
            {
                report = ReadTerminalReport(progress, terminalStatuses, problems, ref bytesRead, ct);
            }
        }

        return result is null && report is null && problems.Count == 0 ? AgentEvidence.None : new(result, report, problems.ToImmutable());
    }

    /// <summary>The file in its own directory or, when it is not there, in archive/; a file that is there but bad is a problem, not a reason to look elsewhere.</summary>
    private static EvidenceFile? Locate(RealDirectory realRoot, string taskDirectory, string directory, string agentId, string suffix, ImmutableArray<EvidenceProblem>.Builder problems)
    {
        foreach (var below in (ReadOnlySpan<string>)[directory, "archive"])
        {
            if (!Stands(taskDirectory, below, agentId, suffix))
            {
                continue;
            }

            var candidate = Path.Combine(taskDirectory, below, agentId + suffix);
            var file = EvidenceFile.Open(realRoot, candidate, below, out var problem);
            if (file is not null)
            {
                return file;
            }

            if (problem is not null)
            {
                problems.Add(new(candidate, problem));
                return null;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether anything (or anything that cannot be looked at) stands at <c>taskDirectory/below/agentIdsuffix</c>, asked
    /// without making the path a string: an agent in question has usually left no file, and those strings were most
    /// of what a pass over a thousand zombies allocated here.
    /// </summary>
    private static bool Stands(string taskDirectory, string below, string agentId, string suffix)
    {
        var length = taskDirectory.Length + below.Length + agentId.Length + suffix.Length + 2;
        char[]? rented = null;
        var path = length <= 512 ? stackalloc char[512] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            var joined = Path.TryJoin(taskDirectory, below, agentId, path, out var written);
            Debug.Assert(joined, "the buffer is sized for the three parts and two separators");
            suffix.CopyTo(path[written..]);
            var errno = Posix.FileType(path[..(written + suffix.Length)], followLinks: false, out _);
            return errno is not (Posix.ENoEnt or Posix.ENotDir);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// The last complete line decides, alone. A file that does not end with a newline has a writer mid-append
    /// (Claude is still talking, or was cut off): no evidence, and no earlier result line stands in for it.
    /// </summary>
    private static StreamResult? ReadResult(EvidenceFile file, ImmutableArray<EvidenceProblem>.Builder problems, ref long bytesRead, CancellationToken ct)
    {
        var lines = new BackwardLines(file, MaxLineBytes, ct);
        try
        {
            if (!lines.EndsWithNewline())
            {
                return null;
            }

            while (lines.Previous() is (var line, var start))
            {
                if (IsBlank(line.Span))
                {
                    continue;
                }

                var parsed = ParseObject(line, out var malformed);
                if (parsed is null)
                {
                    problems.Add(new(file.Path, $"its last line (at byte {start}) {malformed}"));
                    return null;
                }

                using (parsed)
                {
                    return Result(file.Path, parsed.RootElement, start, problems);
                }
            }

            return null;
        }
        catch (EvidenceReadException error)
        {
            problems.Add(new(file.Path, error.Message));
            return null;
        }
        finally
        {
            bytesRead += lines.BytesRead;
        }
    }

    private static StreamResult? Result(string path, JsonElement root, long start, ImmutableArray<EvidenceProblem>.Builder problems)
    {
        if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("result"u8))
        {
            return null;
        }

        if (!root.TryGetProperty("is_error", out var isError) || isError.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            problems.Add(new(path, $"its last line (at byte {start}) is a result without a true or false is_error"));
            return null;
        }

        var subtype = root.TryGetProperty("subtype", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return new(path, isError.GetBoolean(), subtype);
    }

    /// <summary>
    /// The agent's last word, when it is terminal: the last complete line with a status decides, so a report of
    /// <c>working</c> after an earlier <c>completed</c> (the agent carried on) is no evidence of an ending.
    /// Trailing bytes without a newline are the orchestrator mid-append and are skipped silently; malformed
    /// complete lines are skipped and reported once per file.
    /// </summary>
    private static ProgressReport? ReadTerminalReport(
        EvidenceFile file, IReadOnlySet<string> terminalStatuses, ImmutableArray<EvidenceProblem>.Builder problems, ref long bytesRead, CancellationToken ct)
    {
        var lines = new BackwardLines(file, MaxLineBytes, ct);
        string? lastMalformed = null;
        var malformedCount = 0;
        try
        {
            while (lines.Previous() is (var line, var start))
            {
                if (IsBlank(line.Span))
                {
                    continue;
                }

                using var parsed = ParseObject(line, out var malformed);
                if (parsed is null)
                {
                    lastMalformed ??= $"the line at byte {start} {malformed}";
                    malformedCount++;
                    continue;
                }

                var root = parsed.RootElement;
                if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                    && status.GetString() is { } value)
                {
                    return terminalStatuses.Contains(value)
                        ? new(file.Path, value, StringOrNull(root, "message"), Percent(root), StringOrNull(root, "timestamp"))
                        : null;
                }
            }

            return null;
        }
        catch (EvidenceReadException error)
        {
            problems.Add(new(file.Path, error.Message));
            return null;
        }
        finally
        {
            bytesRead += lines.BytesRead;
            if (lastMalformed is not null)
            {
                problems.Add(new(file.Path, malformedCount == 1 ? lastMalformed : $"{lastMalformed} (and {malformedCount - 1} more lines before it are not JSON objects either)"));
            }
        }
    }

    /// <summary>The line as a JSON object, or null with why not (in words that follow "the line …").</summary>
    private static JsonDocument? ParseObject(ReadOnlyMemory<byte> line, out string? malformed)
    {
        // JsonDocument accepts invalid UTF-8 inside strings until they are read; the file is malformed either way.
        if (!Utf8.IsValid(line.Span))
        {
            malformed = "is not valid UTF-8";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line, JsonOptions);
        }
        catch (JsonException error)
        {
            malformed = $"is not JSON ({error.Message})";
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            malformed = $"is JSON but not an object (a {document.RootElement.ValueKind.ToString().ToLowerInvariant()})";
            document.Dispose();
            return null;
        }

        malformed = null;
        return document;
    }

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The progress percentage when it is a whole number; Python may write 50 or 50.0 for the same report.</summary>
    private static int? Percent(JsonElement root)
    {
        if (!root.TryGetProperty("progress", out var value) || value.ValueKind != JsonValueKind.Number)
        {
            return null;
        }

        if (value.TryGetInt32(out var whole))
        {
            return whole;
        }

        return value.TryGetDouble(out var real) && real == Math.Floor(real) && real is >= int.MinValue and <= int.MaxValue ? (int)real : null;
    }

    // A line of white space says nothing; nothing the orchestrator or Claude writes is one, but an editor's extra newline is.
    private static bool IsBlank(ReadOnlySpan<byte> line) => line.IndexOfAnyExcept(" \t\r"u8) < 0;
}
