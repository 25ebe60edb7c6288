using System.Collections.Immutable;
using System.Text;
using System.Text.Json;

namespace RegistryController.Registry;

/// <summary>
/// The fast read of a registry as the orchestrator writes it: one forward-only pass that keeps only the fields the
/// verdict uses and builds no document. It checks what the thorough parse checks on the way (well-formed JSON, the
/// nesting bound, no duplicate key in any object, no number Python's json module refuses) and gives up, returning
/// null, at the first thing that is not plainly right: a field of the wrong type, an escaped key, an agent without
/// an id. The thorough parse then names the problem in its own words, so this reader never has to word an error
/// and can never accept what the thorough parse refuses.
/// <para>
/// Of a global registry's entries it keeps less: the id, the task, the status and the session (<see cref="AsKept"/>).
/// That is all the verdict reads of them; what a mirror copies onto an entry is planned again, under the lock, from
/// the thorough parse of the file being written. The global registry mirrors every agent of every task, so this is
/// half of what a pass would otherwise hold. The other fields are still checked as the thorough parse checks them.
/// </para>
/// <para>
/// Given the active statuses, it keeps of a task registry's agent that is not active (most of them: finished) nothing
/// that only an active agent's verdict reads: not when it started, not the files it writes (<see
/// cref="AgentRecord.AsInactive"/>). Those fields are held as bytes until the entry's status is known, so a finished
/// agent's never become strings (unless escaped: those are decoded as they come, to find a lone surrogate). On a real
/// workspace its two file paths alone are half a kilobyte per agent.
/// </para>
/// <para>
/// It reads a whole buffer or a file in pieces (<see cref="JsonTokens"/>), the same way: a key is classified before
/// the next read, since a refill may move its bytes.
/// </para>
/// </summary>
internal static class RegistryFieldReader
{
    /// <summary>The same bound as the thorough parse: Python nests as deep as its recursion limit allows.</summary>
    public const int MaxDepth = 512;

    /// <summary>Python's default <c>sys.get_int_max_str_digits()</c>: longer whole numbers fail <c>json.loads</c>.</summary>
    public const int PythonMaxIntegerDigits = 4300;

    /// <summary>What the fast read keeps of a global registry's entry: the fields the verdict reads of it.</summary>
    public static AgentRecord AsKept(AgentRecord entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new AgentRecord(entry.Id, entry.Index, entry.Status, entry.TmuxSession, null, entry.TaskId);
    }

    private static readonly JsonReaderOptions Options = new() { MaxDepth = MaxDepth };

    /// <summary>The model of <paramref name="bytes"/> (valid UTF-8, checked by the caller), or null to leave it to the thorough parse.</summary>
    /// <param name="activeStatuses">When given, an agent with none of these statuses is kept as <see cref="AgentRecord.AsInactive"/>.</param>
    public static RegistryModel? TryRead(ReadOnlySpan<byte> bytes, RegistryKind kind, IReadOnlySet<string>? activeStatuses = null)
    {
        var reader = new JsonTokens(bytes, Options);
        return TryRead(ref reader, kind, activeStatuses);
    }

    /// <summary>
    /// The model of the <paramref name="length"/> bytes <paramref name="source"/> reads, read in pieces into one buffer
    /// (<see cref="JsonTokens"/>), or null to leave it to the thorough parse, also when they are not valid UTF-8.
    /// </summary>
    /// <param name="activeStatuses">When given, an agent with none of these statuses is kept as <see cref="AgentRecord.AsInactive"/>.</param>
    public static RegistryModel? TryRead(long length, ReadAt source, RegistryKind kind, int bufferBytes = JsonTokens.DefaultBufferBytes, IReadOnlySet<string>? activeStatuses = null)
    {
        var reader = new JsonTokens(length, source, bufferBytes, Options);
        try
        {
            return TryRead(ref reader, kind, activeStatuses);
        }
        finally
        {
            reader.Dispose();
        }
    }

    private static RegistryModel? TryRead(ref JsonTokens reader, RegistryKind kind, IReadOnlySet<string>? activeStatuses)
    {
        var keys = KeyTracker.ForThisThread();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var model = ReadRoot(ref reader, keys, kind, activeStatuses);
            // Anything after the top-level object other than white space is not JSON; Read throws on it.
            return model is not null && !reader.Read() ? model : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException e) when (e is not ObjectDisposedException)
        {
            // A lone surrogate escape in a string the verdict reads (not the file, closed under a streamed read).
            return null;
        }
    }

    // The counters' names as the bytes a key is compared with, made once.
    private static readonly byte[] TaskActiveField = Encoding.UTF8.GetBytes(RegistryModel.ActiveCountField(RegistryKind.Task));
    private static readonly byte[] GlobalActiveField = Encoding.UTF8.GetBytes(RegistryModel.ActiveCountField(RegistryKind.Global));
    private static readonly byte[] TaskTotalField = Encoding.UTF8.GetBytes(RegistryModel.TotalSpawnedField(RegistryKind.Task));
    private static readonly byte[] GlobalTotalField = Encoding.UTF8.GetBytes(RegistryModel.TotalSpawnedField(RegistryKind.Global));

    private static RegistryModel? ReadRoot(ref JsonTokens reader, KeyTracker keys, RegistryKind kind, IReadOnlySet<string>? activeStatuses)
    {
        string? taskId = null;
        ImmutableArray<AgentRecord>? agents = null;
        long? active = null, total = null, completed = null;
        var activeField = kind == RegistryKind.Task ? TaskActiveField : GlobalActiveField;
        var totalField = kind == RegistryKind.Task ? TaskTotalField : GlobalTotalField;
        keys.Open();
        var seen = 0U;
        while (NextKey(ref reader))
        {
            // Named before the next read: a refill may move the key's bytes.
            var name = reader.ValueSpan;
            var field = name.SequenceEqual("agents"u8) ? RootField.Agents
                : kind == RegistryKind.Task && name.SequenceEqual("task_id"u8) ? RootField.TaskId
                : name.SequenceEqual(activeField) ? RootField.Active
                : name.SequenceEqual(totalField) ? RootField.Total
                : kind == RegistryKind.Task && name.SequenceEqual("completed_count"u8) ? RootField.Completed
                : RootField.Other;
            Track(ref seen, (int)field, (int)RootField.Other, name, keys);
            reader.Read();
            var ok = true;
            switch (field)
            {
                case RootField.Agents:
                    agents = kind == RegistryKind.Task ? ReadAgentList(ref reader, keys, activeStatuses) : ReadAgentDict(ref reader, keys);
                    ok = agents is not null;
                    break;
                case RootField.TaskId:
                    ok = TryString(ref reader, out taskId);
                    break;
                case RootField.Active:
                    ok = TryInteger(ref reader, out active);
                    break;
                case RootField.Total:
                    ok = TryInteger(ref reader, out total);
                    break;
                case RootField.Completed:
                    ok = TryInteger(ref reader, out completed);
                    break;
                default:
                    Skip(ref reader, keys);
                    break;
            }

            if (!ok)
            {
                return null;
            }
        }

        keys.Close();
        // A global registry written before the first spawn has no agents yet; a task registry always has its list.
        var list = agents ?? (kind == RegistryKind.Global ? [] : (ImmutableArray<AgentRecord>?)null);
        return list is { } found ? new RegistryModel(kind, taskId, found, active, total, completed) : null;
    }

    private static ImmutableArray<AgentRecord>? ReadAgentList(ref JsonTokens reader, KeyTracker keys, IReadOnlySet<string>? activeStatuses)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return null;
        }

        var fields = AgentFields.ForThisThread(activeStatuses);
        var builder = fields.Agents;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (ReadAgent(ref reader, keys, fields, null, builder.Count, global: false) is not { } agent)
            {
                return null;
            }

            builder.Add(agent);
        }

        return fields.TakeAgents();
    }

    private static ImmutableArray<AgentRecord>? ReadAgentDict(ref JsonTokens reader, KeyTracker keys)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var fields = AgentFields.ForThisThread(activeStatuses: null);
        var builder = fields.Agents;
        while (NextKey(ref reader))
        {
            var id = reader.GetString()!;
            reader.Read();
            if (ReadAgent(ref reader, keys, fields, id, -1, global: true) is not { } agent)
            {
                return null;
            }

            builder.Add(agent);
        }

        // Its keys are the entries' ids, kept as strings anyway (and never escaped here): a repeated one is found
        // among them at the end, in one set of the right size, not by the key tracker's copies and growing set.
        var ids = new HashSet<string>(builder.Count, StringComparer.Ordinal);
        foreach (var entry in builder)
        {
            if (!ids.Add(entry.Id))
            {
                return null;
            }
        }

        return fields.TakeAgents();
    }

    /// <param name="fields">Scratch space for the entry's fields, reused from one agent to the next.</param>
    /// <param name="id">The global registry's key; null in a task registry, where the entry's own <c>id</c> names it.</param>
    /// <param name="global">An entry of the global registry: only what <see cref="AsKept"/> keeps is read into strings.</param>
    private static AgentRecord? ReadAgent(ref JsonTokens reader, KeyTracker keys, AgentFields fields, string? id, int index, bool global)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        fields.Clear();
        keys.Open();
        var seen = 0U;
        while (NextKey(ref reader))
        {
            var field = FieldOf(reader.ValueSpan);
            Track(ref seen, (int)field, (int)AgentField.Other, reader.ValueSpan, keys);
            reader.Read();
            var ok = field switch
            {
                >= AgentField.Type => Skip(ref reader, keys),
                AgentField.TrackedFiles => ReadTrackedFiles(ref reader, keys, fields, global),
                AgentField.ClaudePid => TryPid(ref reader, keys, out fields.ClaudePid),
                AgentField.CursorPid => TryPid(ref reader, keys, out fields.CursorPid),
                AgentField.Status or AgentField.TaskId => fields.TryRepeated(ref reader, field),
                AgentField.TmuxSession => TryString(ref reader, out fields.Strings[(int)field]),
                _ when global => IsString(ref reader),
                AgentField.StartedAt => fields.TryDeferred(ref reader, field),
                AgentField.TerminatedAt or AgentField.CompletedAt or AgentField.LastUpdate => fields.TryStamp(ref reader, field),
                _ => TryString(ref reader, out fields.Strings[(int)field]),
            };
            if (!ok)
            {
                return null;
            }
        }

        keys.Close();
        var text = fields.Strings;
        var agentId = id ?? text[(int)AgentField.Id];
        if (agentId is null || global)
        {
            return agentId is null ? null : new AgentRecord(agentId, index, text[(int)AgentField.Status], text[(int)AgentField.TmuxSession], null, text[(int)AgentField.TaskId]);
        }

        var whole = fields.KeepsWhole(text[(int)AgentField.Status]);
        return AgentRecord.Read(
            agentId,
            index,
            text[(int)AgentField.Status],
            text[(int)AgentField.TmuxSession],
            whole ? fields.Deferred(AgentField.StartedAt) : null,
            text[(int)AgentField.TaskId],
            whole ? fields.Deferred(AgentField.LogFile) : null,
            whole ? fields.Deferred(AgentField.ProgressFile) : null,
            text[(int)AgentField.TerminationReason],
            fields.StampOf(AgentField.TerminatedAt),
            fields.StampOf(AgentField.CompletedAt),
            fields.StampOf(AgentField.LastUpdate),
            text[(int)AgentField.ReconciledBy],
            text[(int)AgentField.OutcomeEvidence],
            fields.ClaudePid,
            fields.CursorPid);
    }

    /// <summary><c>tracked_files</c> of any other type is not an error: the thorough parse reads it only when it is an object.</summary>
    private static bool ReadTrackedFiles(ref JsonTokens reader, KeyTracker keys, AgentFields fields, bool global)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Skip(ref reader, keys);
        }

        keys.Open();
        while (NextProperty(ref reader, keys))
        {
            // Named before the next read: a refill may move the key's bytes.
            var field = reader.ValueSpan.SequenceEqual("log_file"u8) ? AgentField.LogFile
                : reader.ValueSpan.SequenceEqual("progress_file"u8) ? AgentField.ProgressFile
                : AgentField.Other;
            reader.Read();
            var ok = field == AgentField.Other ? Skip(ref reader, keys) : global ? IsString(ref reader) : fields.TryDeferred(ref reader, field);
            if (!ok)
            {
                return false;
            }
        }

        keys.Close();
        return true;
    }

    /// <summary>Moves to the next key of the current object; false at its end. Throws (to give up) on an escaped or repeated key.</summary>
    private static bool NextProperty(ref JsonTokens reader, KeyTracker keys)
    {
        if (!NextKey(ref reader))
        {
            return false;
        }

        return keys.Add(reader.ValueSpan) ? true : throw new JsonException();
    }

    /// <summary>
    /// Moves to the next key of the current object; false at its end. Throws (to give up) on an escaped key; the
    /// caller finds a repeated one (<see cref="NextProperty"/>, <see cref="Track"/>).
    /// </summary>
    private static bool NextKey(ref JsonTokens reader)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
        {
            return false;
        }

        // An escaped key may equal another one only once unescaped, and may hold a lone surrogate: the thorough parse's.
        return reader.ValueIsEscaped ? throw new JsonException() : true;
    }

    /// <summary>
    /// Throws (to give up) on a repeated key. A key the read knows by name (<paramref name="field"/> below
    /// <paramref name="other"/>) is found repeated by its bit in <paramref name="seen"/>; any other by the tracker.
    /// Every key of an orchestrator's agent entry is known, so its entries never reach the tracker's copies and
    /// searches, which were a tenth of a large workspace's read.
    /// </summary>
    private static void Track(ref uint seen, int field, int other, ReadOnlySpan<byte> name, KeyTracker keys)
    {
        if (field < other)
        {
            var bit = 1U << field;
            seen = (seen & bit) == 0 ? seen | bit : throw new JsonException();
        }
        else if (!keys.Add(name))
        {
            throw new JsonException();
        }
    }

    /// <summary>Passes over a value the verdict does not read, checking its keys and numbers as the thorough parse would.</summary>
    private static bool Skip(ref JsonTokens reader, KeyTracker keys)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                keys.Open();
                while (NextProperty(ref reader, keys))
                {
                    reader.Read();
                    Skip(ref reader, keys);
                }

                keys.Close();
                return true;
            case JsonTokenType.StartArray:
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    Skip(ref reader, keys);
                }

                return true;
            case JsonTokenType.Number:
                return FitsPython(reader.ValueSpan) ? true : throw new JsonException();
            default:
                return true;
        }
    }

    private static bool FitsPython(ReadOnlySpan<byte> number) =>
        number.Length <= PythonMaxIntegerDigits || number.IndexOfAny(".eE"u8) >= 0
            || number.Length - (number[0] == (byte)'-' ? 1 : 0) <= PythonMaxIntegerDigits;

    private static bool TryString(ref JsonTokens reader, out string? value)
    {
        value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return reader.TokenType is JsonTokenType.String or JsonTokenType.Null;
    }

    /// <summary>A string or null, as <see cref="TryString"/> accepts, without keeping it (an escaped one is still decoded: it may hold a lone surrogate).</summary>
    private static bool IsString(ref JsonTokens reader) => reader.TokenType switch
    {
        JsonTokenType.String => !reader.ValueIsEscaped || reader.GetString() is not null,
        JsonTokenType.Null => true,
        _ => false,
    };

    private static bool TryInteger(ref JsonTokens reader, out long? value)
    {
        value = null;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            value = number;
            return true;
        }

        return false;
    }

    /// <summary>A pid when the field holds one; anything else is no pid (a liveness hint never makes a registry unreadable).</summary>
    private static bool TryPid(ref JsonTokens reader, KeyTracker keys, out int? pid)
    {
        pid = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value) && value > 0 ? value : null;
        return Skip(ref reader, keys);
    }

    private static AgentField FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 when name.SequenceEqual("id"u8) => AgentField.Id,
        6 when name.SequenceEqual("status"u8) => AgentField.Status,
        7 when name.SequenceEqual("task_id"u8) => AgentField.TaskId,
        10 when name.SequenceEqual("started_at"u8) => AgentField.StartedAt,
        10 when name.SequenceEqual("claude_pid"u8) => AgentField.ClaudePid,
        10 when name.SequenceEqual("cursor_pid"u8) => AgentField.CursorPid,
        11 when name.SequenceEqual("last_update"u8) => AgentField.LastUpdate,
        12 when name.SequenceEqual("tmux_session"u8) => AgentField.TmuxSession,
        12 when name.SequenceEqual("completed_at"u8) => AgentField.CompletedAt,
        13 when name.SequenceEqual("tracked_files"u8) => AgentField.TrackedFiles,
        13 when name.SequenceEqual("terminated_at"u8) => AgentField.TerminatedAt,
        13 when name.SequenceEqual("reconciled_by"u8) => AgentField.ReconciledBy,
        16 when name.SequenceEqual("outcome_evidence"u8) => AgentField.OutcomeEvidence,
        18 when name.SequenceEqual("termination_reason"u8) => AgentField.TerminationReason,
        4 when name.SequenceEqual("type"u8) => AgentField.Type,
        6 when name.SequenceEqual("parent"u8) => AgentField.Parent,
        5 when name.SequenceEqual("depth"u8) => AgentField.Depth,
        8 when name.SequenceEqual("progress"u8) => AgentField.Progress,
        6 when name.SequenceEqual("prompt"u8) => AgentField.Prompt,
        _ => AgentField.Other,
    };

    /// <summary>The top-level fields the fast read keeps.</summary>
    private enum RootField
    {
        Agents,
        TaskId,
        Active,
        Total,
        Completed,
        Other,
    }

    /// <summary>The fields read from an agent entry; the strings first, in <see cref="AgentFields.Strings"/>' order.</summary>
    private enum AgentField
    {
        Id,
        Status,
        TmuxSession,
        StartedAt,
        TaskId,
        LogFile,
        ProgressFile,
        TerminationReason,
        TerminatedAt,
        CompletedAt,
        LastUpdate,
        ReconciledBy,
        OutcomeEvidence,
        TrackedFiles,
        ClaudePid,
        CursorPid,

        // Not read, only named: the other keys the orchestrator writes on every agent, so that a repeated one is
        // found by its bit (Track) and not by the key tracker.
        Type,
        Parent,
        Depth,
        Progress,
        Prompt,
        Other,
    }

    /// <summary>
    /// One agent's fields as they are read, reused from one agent to the next, and (like <see cref="KeyTracker"/>) one
    /// per thread from one registry to the next: a fresh one per registry was a kilobyte of new memory each.
    /// </summary>
    private sealed class AgentFields
    {
        private const int KeptUpTo = 4096;

        [ThreadStatic]
        private static AgentFields? t_current;

        public readonly string?[] Strings = new string?[(int)AgentField.TrackedFiles];

        // The status and task id repeat from agent to agent: the last one's string is kept, not a new copy per agent.
        // Its bytes are copied into a buffer kept with it (Length: how many of them are the value's).
        private readonly (byte[] Bytes, int Length, string Text)?[] _last = new (byte[], int, string)?[(int)AgentField.TrackedFiles];

        // An unescaped string the entry may not keep, as its bytes (and their count; -1 when the field is in Strings).
        private readonly byte[]?[] _bytes = new byte[]?[(int)AgentField.TrackedFiles];
        private readonly int[] _byteCounts = new int[(int)AgentField.TrackedFiles];

        // A time read straight from its bytes into a stamp (Strings holds any other text of the field).
        private readonly Stamp[] _stamps = new Stamp[(int)AgentField.TrackedFiles];

        private IReadOnlySet<string>? _activeStatuses;

        public int? ClaudePid;
        public int? CursorPid;

        /// <summary>
        /// The agents read so far of the registry being read; <see cref="TakeAgents"/> makes the registry's array of
        /// them at its exact size (a builder grown by doubling left twice as much behind, and copied once more).
        /// </summary>
        public List<AgentRecord> Agents { get; } = [];

        /// <summary>This thread's fields, for a registry read with these active statuses.</summary>
        /// <remarks>The last status and task id stay: a string shared by agents of two registries is one string less.</remarks>
        public static AgentFields ForThisThread(IReadOnlySet<string>? activeStatuses)
        {
            var fields = t_current ??= new AgentFields();
            fields._activeStatuses = activeStatuses;
            // A read that gave up leaves its agents here; a global registry's thousands are not kept by every thread.
            fields.Agents.Clear();
            if (fields.Agents.Capacity > KeptUpTo)
            {
                fields.Agents.Capacity = 0;
            }

            // What one odd registry's long values grew is not kept by every thread for the life of `run`.
            for (var i = 0; i < fields._bytes.Length; i++)
            {
                if (fields._bytes[i] is { Length: > KeptUpTo })
                {
                    fields._bytes[i] = null;
                }

                if (fields._last[i] is { Bytes.Length: > KeptUpTo })
                {
                    fields._last[i] = null;
                }
            }

            return fields;
        }

        /// <summary>The agents read, in an array of their number, and the list emptied for the next registry.</summary>
        public ImmutableArray<AgentRecord> TakeAgents()
        {
            ImmutableArray<AgentRecord> agents = [.. Agents];
            Agents.Clear();
            return agents;
        }

        public void Clear()
        {
            Array.Clear(Strings);
            Array.Clear(_stamps);
            Array.Fill(_byteCounts, -1);
            ClaudePid = null;
            CursorPid = null;
        }

        /// <summary>Whether an agent of this status keeps what only an active agent's verdict reads.</summary>
        public bool KeepsWhole(string? status) => _activeStatuses is null || (status is not null && _activeStatuses.Contains(status));

        /// <summary>
        /// Reads a field that only an active agent keeps: an unescaped string as its bytes, made a string by <see
        /// cref="Deferred"/> only if kept. An escaped one is decoded at once, as <see cref="TryString"/> does: it may
        /// hold a lone surrogate, which makes the fast read give up whatever the status.
        /// </summary>
        public bool TryDeferred(ref JsonTokens reader, AgentField field)
        {
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
            {
                return TryString(ref reader, out Strings[(int)field]);
            }

            // The bytes are valid UTF-8: the reader checks every byte it is given.
            var value = reader.ValueSpan;
            ref var bytes = ref _bytes[(int)field];
            if (bytes is null || bytes.Length < value.Length)
            {
                bytes = new byte[Math.Max(value.Length, 128)];
            }

            value.CopyTo(bytes);
            _byteCounts[(int)field] = value.Length;
            return true;
        }

        /// <summary>Reads a time: a stamp straight from its bytes when it has the isoformat's form, else as <see cref="TryString"/> does.</summary>
        public bool TryStamp(ref JsonTokens reader, AgentField field) =>
            (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && Stamp.TryOf(reader.ValueSpan, out _stamps[(int)field]))
            || TryString(ref reader, out Strings[(int)field]);

        /// <summary>The time <see cref="TryStamp"/> read.</summary>
        public Stamp StampOf(AgentField field) => _stamps[(int)field].IsEmpty ? Stamp.Of(Strings[(int)field]) : _stamps[(int)field];

        /// <summary>The string <see cref="TryDeferred"/> read, made now.</summary>
        public string? Deferred(AgentField field) => _byteCounts[(int)field] is >= 0 and var count
            ? Encoding.UTF8.GetString(_bytes[(int)field]!, 0, count)
            : Strings[(int)field];

        public bool TryRepeated(ref JsonTokens reader, AgentField field)
        {
            ref var last = ref _last[(int)field];
            if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                && last is { } known && reader.ValueSpan.SequenceEqual(known.Bytes.AsSpan(0, known.Length)))
            {
                Strings[(int)field] = known.Text;
                return true;
            }

            if (!TryString(ref reader, out Strings[(int)field]))
            {
                return false;
            }

            if (Strings[(int)field] is { } text && !reader.ValueIsEscaped)
            {
                var value = reader.ValueSpan;
                var bytes = last is { } kept && kept.Bytes.Length >= value.Length ? kept.Bytes : new byte[Math.Max(value.Length, 64)];
                value.CopyTo(bytes);
                last = (bytes, value.Length, text);
            }

            return true;
        }
    }

    /// <summary>
    /// The keys of every open object, copied as they come (keys are never escaped here), to find a repeated one as
    /// the thorough parse would. Small objects are searched through; a large one (the global registry's dict of
    /// thousands of agents) gets a set of its keys' hashes.
    /// </summary>
    private sealed class KeyTracker
    {
        private const int SearchedUpTo = 16;
        private const int InitialBytes = 4096;
        private const int KeptUpTo = 64 * 1024;

        // One per thread, reused from registry to registry: a fresh one per registry was 4 KiB of new memory each,
        // and on a large workspace fresh memory (its page faults, its clearing) is what a read costs most.
        [ThreadStatic]
        private static KeyTracker? t_current;

        private readonly List<(int Start, int Length, int Hash)> _keys = [];
        private readonly Stack<(int First, HashSet<int>? Hashes)> _open = new();

        private byte[] _names = new byte[InitialBytes];
        private int _used;

        /// <summary>This thread's tracker, emptied (a read that gave up may have left objects open).</summary>
        public static KeyTracker ForThisThread()
        {
            var keys = t_current ??= new KeyTracker();
            keys._keys.Clear();
            keys._open.Clear();
            keys._used = 0;
            // What a global registry's thousands of keys grew is not kept by every thread for the life of `run`.
            if (keys._names.Length > KeptUpTo)
            {
                keys._names = new byte[InitialBytes];
            }

            if (keys._keys.Capacity > KeptUpTo / 16)
            {
                keys._keys.Capacity = SearchedUpTo;
            }

            return keys;
        }

        public void Open() => _open.Push((_keys.Count, null));

        public void Close()
        {
            var (first, _) = _open.Pop();
            _used = first < _keys.Count ? _keys[first].Start : _used;
            _keys.RemoveRange(first, _keys.Count - first);
        }

        /// <summary>False when the current object already has this key.</summary>
        public bool Add(ReadOnlySpan<byte> name)
        {
            var hash = HashOf(name);
            var (first, hashes) = _open.Peek();
            if (hashes is null && _keys.Count - first >= SearchedUpTo)
            {
                hashes = [.. _keys.Skip(first).Select(k => k.Hash)];
                _open.Pop();
                _open.Push((first, hashes));
            }

            if (hashes is null || !hashes.Add(hash))
            {
                for (var i = first; i < _keys.Count; i++)
                {
                    var key = _keys[i];
                    if (key.Hash == hash && _names.AsSpan(key.Start, key.Length).SequenceEqual(name))
                    {
                        return false;
                    }
                }
            }

            if (_used + name.Length > _names.Length)
            {
                Array.Resize(ref _names, Math.Max(_names.Length * 2, _used + name.Length));
            }

            name.CopyTo(_names.AsSpan(_used));
            _keys.Add((_used, name.Length, hash));
            _used += name.Length;
            return true;
        }

        private static int HashOf(ReadOnlySpan<byte> name)
        {
            var hash = default(HashCode);
            hash.AddBytes(name);
            return hash.ToHashCode();
        }
    }
}
