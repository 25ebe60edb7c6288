using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;

namespace RegistryController.Registry;

/// <summary>
/// Turns registry bytes into a validated <see cref="RegistryModel"/>. Anything the controller would
/// have to guess about (a wrong type, a list where a dict belongs) is an error naming the file, so
/// that a file it cannot fully understand is never written.
/// </summary>
internal static class RegistryParser
{
    // Python's json module nests as deep as its recursion limit allows; 64 (the .NET default) would
    // reject files the orchestrator reads happily.
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = RegistryFieldReader.MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
    };

    private const int PythonMaxIntegerDigits = RegistryFieldReader.PythonMaxIntegerDigits;

    private const string LoneSurrogate = "holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair), which the controller cannot read or rewrite faithfully";

    private static readonly JsonNodeOptions NodeOptions = new() { PropertyNameCaseInsensitive = false };

    /// <summary>
    /// The model of a registry: read by <see cref="RegistryFieldReader"/> when the file is as the orchestrator writes
    /// it (one forward pass, no document), else by the thorough parse, which names what is wrong.
    /// </summary>
    /// <param name="activeStatuses">When given, an agent with none of these statuses is kept as <see cref="AgentRecord.AsInactive"/>, whichever way it is read.</param>
    public static RegistryModel Parse(ReadOnlyMemory<byte> bytes, string path, RegistryKind kind, IReadOnlySet<string>? activeStatuses = null)
    {
        CheckBytes(bytes.Span, path);
        return RegistryFieldReader.TryRead(bytes.Span, kind, activeStatuses) ?? Inactive(Extract(bytes, path, kind), activeStatuses);
    }

    /// <summary>
    /// The model of the <paramref name="length"/> bytes of a file that <paramref name="source"/> reads: read in pieces
    /// into one reused buffer, so that a global registry of megabytes never needs an array of its size. When the fast
    /// read gives up (the file is not as the orchestrator writes it, or not UTF-8), the thorough parse reads the whole
    /// file through <paramref name="source"/> again, and names the problem in the same words as for a whole buffer.
    /// </summary>
    /// <param name="bufferBytes">The buffer's first size (tests set it small to cut every token).</param>
    /// <param name="activeStatuses">When given, an agent with none of these statuses is kept as <see cref="AgentRecord.AsInactive"/>, whichever way it is read.</param>
    public static RegistryModel Parse(long length, ReadAt source, string path, RegistryKind kind, int bufferBytes = JsonTokens.DefaultBufferBytes, IReadOnlySet<string>? activeStatuses = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return RegistryFieldReader.TryRead(length, source, kind, bufferBytes, activeStatuses)
            ?? Inactive(ParseThoroughly(ReadWhole(length, source), path, kind), activeStatuses);
    }

    /// <summary>The task registry's agents of none of the active statuses as <see cref="AgentRecord.AsInactive"/>, as the fast read keeps them.</summary>
    internal static RegistryModel Inactive(RegistryModel model, IReadOnlySet<string>? activeStatuses) =>
        activeStatuses is null || model.Kind != RegistryKind.Task
            ? model
            : model with { Agents = [.. model.Agents.Select(a => a.Status is { } status && activeStatuses.Contains(status) ? a : a.AsInactive())] };

    private static byte[] ReadWhole(long length, ReadAt source)
    {
        var bytes = new byte[length];
        var offset = 0;
        while (offset < bytes.Length)
        {
            var read = source(bytes.AsSpan(offset), offset);
            offset += read > 0 ? read : throw new EndOfStreamException($"the file ended at byte {offset:N0} of {length:N0}");
        }

        return bytes;
    }

    /// <summary>The thorough parse alone: a whole document, every check, an error naming the first problem.</summary>
    internal static RegistryModel ParseThoroughly(ReadOnlyMemory<byte> bytes, string path, RegistryKind kind)
    {
        CheckBytes(bytes.Span, path);
        return Extract(bytes, path, kind);
    }

    private static RegistryModel Extract(ReadOnlyMemory<byte> bytes, string path, RegistryKind kind)
    {
        using var document = ParseDocument(bytes, path);
        return Extract(document.RootElement, path, kind);
    }

    /// <summary>Parses for editing: the validated model and a mutable tree of the same bytes.</summary>
    public static (RegistryModel Model, JsonObject Root) ParseForEdit(ReadOnlyMemory<byte> bytes, string path, RegistryKind kind)
    {
        // The thorough parse: the document is built anyway, and this is the write's last look before it.
        var model = ParseThoroughly(bytes, path, kind);
        var root = JsonNode.Parse(bytes.Span, NodeOptions, DocumentOptions) as JsonObject
            ?? throw new RegistryFormatException(path, "the top level is not a JSON object");
        return (model, root);
    }

    private static void CheckBytes(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length == 0)
        {
            throw new RegistryFormatException(path, "the file is empty (a writer may be in the middle of writing it)");
        }

        // Neither JsonDocument nor Utf8JsonReader checks the UTF-8 inside strings, and the writer copies original
        // tokens as they are: without this, bytes Python cannot decode would be accepted and written back.
        if (!Utf8.IsValid(bytes))
        {
            throw new RegistryFormatException(path, $"not valid UTF-8 {InvalidUtf8Position(bytes)} (Python cannot decode it either)");
        }
    }

    private static JsonDocument ParseDocument(ReadOnlyMemory<byte> bytes, string path)
    {
        // Before the document: with duplicate keys disallowed, JsonDocument.Parse compares every key
        // unescaped and a lone surrogate in one escapes from it as an InvalidOperationException.
        CheckTokens(bytes.Span, path);
        try
        {
            return JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine + 1}" : string.Empty;
            throw new RegistryFormatException(path, $"not valid JSON{where}: {FirstSentence(ShortenQuote(ex.Message))}", ex);
        }
        catch (ArgumentException ex)
        {
            // Invalid UTF-8 and duplicate keys surface here on some paths.
            throw new RegistryFormatException(path, $"not valid JSON: {FirstSentence(ex.Message)}", ex);
        }
    }

    private static string InvalidUtf8Position(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed) == OperationStatus.Done)
        {
            offset += consumed;
        }

        var lineStart = bytes[..offset].LastIndexOf((byte)'\n') + 1;
        var line = bytes[..offset].Count((byte)'\n') + 1;
        return $"at line {line}, byte {offset - lineStart + 1} (0x{bytes[offset]:X2})";
    }

    /// <summary>
    /// Two things System.Text.Json takes in its stride and the controller must not:
    /// <list type="bullet">
    /// <item>An escaped lone surrogate (<c>"\ud800"</c>): accepted at parse time, it fails only when the
    /// string is read, with an InvalidOperationException from wherever that happens to be. Python
    /// accepts it. In a value the controller does not read it is harmless (the writer keeps the
    /// original token), but a key is rewritten from its .NET string, which cannot hold it.</item>
    /// <item>A whole number of more than <see cref="PythonMaxIntegerDigits"/> digits: Python's json
    /// module (3.11 on) refuses the whole file, so the orchestrator cannot load it and the
    /// controller must not write it either.</item>
    /// </list>
    /// </summary>
    private static void CheckTokens(ReadOnlySpan<byte> bytes, string path)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Number && reader.ValueSpan.Length > PythonMaxIntegerDigits && reader.ValueSpan.IndexOfAny(".eE"u8) < 0)
                {
                    var digits = reader.ValueSpan.Length - (reader.ValueSpan[0] == (byte)'-' ? 1 : 0);
                    if (digits > PythonMaxIntegerDigits)
                    {
                        throw new RegistryFormatException(path, $"the number at byte {reader.TokenStartIndex + 1} has {digits:N0} digits, more than Python's json module reads ({PythonMaxIntegerDigits:N0}): the orchestrator cannot load this file");
                    }
                }

                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueIsEscaped)
                {
                    try
                    {
                        _ = reader.GetString();
                    }
                    catch (InvalidOperationException ex)
                    {
                        throw new RegistryFormatException(path, $"the key at byte {reader.TokenStartIndex + 1} {LoneSurrogate}", ex);
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: JsonDocument.Parse says where, in its own words.
        }
    }

    private static RegistryModel Extract(JsonElement root, string path, RegistryKind kind)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new RegistryFormatException(path, $"the top level is a JSON {Describe(root.ValueKind)}, expected an object");
        }

        var agents = kind == RegistryKind.Task ? ExtractTaskAgents(root, path) : ExtractGlobalAgents(root, path);
        return new RegistryModel(
            kind,
            kind == RegistryKind.Task ? OptionalString(root, "task_id", path, Where.Root) : null,
            agents,
            OptionalInteger(root, RegistryModel.ActiveCountField(kind), path),
            OptionalInteger(root, RegistryModel.TotalSpawnedField(kind), path),
            kind == RegistryKind.Task ? OptionalInteger(root, RegistryModel.CompletedCountField, path) : null);
    }

    private static ImmutableArray<AgentRecord> ExtractTaskAgents(JsonElement root, string path)
    {
        if (!root.TryGetProperty("agents", out var agents))
        {
            throw new RegistryFormatException(path, "there is no \"agents\" list");
        }

        if (agents.ValueKind != JsonValueKind.Array)
        {
            throw new RegistryFormatException(path, $"\"agents\" is a JSON {Describe(agents.ValueKind)}, expected a list in a task registry");
        }

        var builder = ImmutableArray.CreateBuilder<AgentRecord>(agents.GetArrayLength());
        var index = 0;
        foreach (var agent in agents.EnumerateArray())
        {
            var where = new Where(null, index);
            if (agent.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryFormatException(path, $"{where} is a JSON {Describe(agent.ValueKind)}, expected an object");
            }

            var id = OptionalString(agent, "id", path, where)
                ?? throw new RegistryFormatException(path, $"{where} has no \"id\"");
            builder.Add(ExtractAgent(agent, id, index, path, where));
            index++;
        }

        return builder.MoveToImmutable();
    }

    private static ImmutableArray<AgentRecord> ExtractGlobalAgents(JsonElement root, string path)
    {
        if (!root.TryGetProperty("agents", out var agents))
        {
            // A global registry written before the first spawn has no agents yet.
            return [];
        }

        if (agents.ValueKind != JsonValueKind.Object)
        {
            throw new RegistryFormatException(path, $"\"agents\" is a JSON {Describe(agents.ValueKind)}, expected a dict keyed by agent id in the global registry");
        }

        var builder = ImmutableArray.CreateBuilder<AgentRecord>(agents.GetPropertyCount());
        foreach (var property in agents.EnumerateObject())
        {
            var where = new Where(property.Name, -1);
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                throw new RegistryFormatException(path, $"{where} is a JSON {Describe(property.Value.ValueKind)}, expected an object");
            }

            builder.Add(ExtractAgent(property.Value, property.Name, -1, path, where));
        }

        return builder.ToImmutable();
    }

    private static AgentRecord ExtractAgent(JsonElement agent, string id, int index, string path, Where where)
    {
        string? logFile = null;
        string? progressFile = null;
        if (agent.TryGetProperty("tracked_files", out var tracked) && tracked.ValueKind == JsonValueKind.Object)
        {
            logFile = OptionalString(tracked, "log_file", path, where, "tracked_files");
            progressFile = OptionalString(tracked, "progress_file", path, where, "tracked_files");
        }

        return new AgentRecord(
            id,
            index,
            OptionalString(agent, "status", path, where),
            OptionalString(agent, "tmux_session", path, where),
            OptionalString(agent, "started_at", path, where),
            OptionalString(agent, "task_id", path, where),
            logFile,
            progressFile,
            OptionalString(agent, "termination_reason", path, where),
            OptionalString(agent, "terminated_at", path, where),
            OptionalString(agent, "completed_at", path, where),
            OptionalString(agent, "last_update", path, where),
            OptionalString(agent, AgentEndFields.ReconciledByField, path, where),
            OptionalString(agent, AgentEndFields.OutcomeEvidenceField, path, where),
            OptionalPid(agent, "claude_pid"),
            OptionalPid(agent, "cursor_pid"));
    }

    /// <summary>A pid, when the field holds one; anything else is no pid (a liveness hint never makes a registry unreadable).</summary>
    private static int? OptionalPid(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var pid) && pid > 0 ? pid : null;

    /// <param name="group">A nested object the field sits in (tracked_files), for the error's location.</param>
    private static string? OptionalString(JsonElement obj, string name, string path, Where owner, string? group = null)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new RegistryFormatException(path, $"{owner.Field(group is null ? name : $"{group}.{name}")} is a JSON {Describe(value.ValueKind)}, expected a string");
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException ex)
        {
            throw new RegistryFormatException(path, $"{owner.Field(group is null ? name : $"{group}.{name}")} {LoneSurrogate}", ex);
        }
    }

    private static long? OptionalInteger(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new RegistryFormatException(path, $"\"{name}\" is {Shorten(value.GetRawText())}, expected a whole number");
    }

    /// <summary>A value or key as quoted in a message: a multi-megabyte one would drown the report and the logs.</summary>
    private static string Shorten(string text) =>
        text.Length <= 60 ? text : $"{text[..40]}… ({text.Length:N0} characters)";

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "list",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    /// <summary>
    /// System.Text.Json quotes the offending text, and for an unterminated literal that is the rest
    /// of the file, newlines and all: quoted shortened, on one line.
    /// </summary>
    private static string ShortenQuote(string message)
    {
        var first = message.IndexOf('\'', StringComparison.Ordinal);
        var last = message.LastIndexOf('\'');
        if (first >= 0 && last > first)
        {
            message = message[..(first + 1)] + Shorten(message[(first + 1)..last]) + message[last..];
        }

        return message.ReplaceLineEndings("\\n");
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message.TrimEnd('.');
    }

    /// <summary>
    /// Where a field sits, for error messages only: kept as data and formatted on the error path, so
    /// that a 20,000-agent global registry does not build 180,000 location strings nobody reads.
    /// </summary>
    private readonly record struct Where(string? Key, int Index)
    {
        public static Where Root => new(null, int.MinValue);

        public string Field(string name) => Index == int.MinValue ? name : $"{this}.{name}";

        public override string ToString() => Index == int.MinValue ? string.Empty
            : Key is null ? $"agents[{Index}]" : $"agents[\"{Shorten(Key)}\"]";
    }
}
