using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using RegistryController.Registry;

namespace RegistryController.Testing;

/// <summary>What stands at a registry's path instead of a file of bytes.</summary>
public enum PlantedKind
{
    None,
    Directory,
    Fifo,
    SelfLink,
    LinkLoop,
    DanglingLink,
}

/// <summary>One mutated registry: its bytes (or what is planted instead), where it came from and how it was made.</summary>
public sealed record Mutant(int Number, string Source, RegistryKind Kind, string Operations, byte[] Bytes, PlantedKind Planted = PlantedKind.None)
{
    public override string ToString() => $"mutant {Number} of {Source} ({Kind}): {Operations}{(Planted == PlantedKind.None ? $", {Bytes.Length} bytes" : string.Empty)}";
}

/// <summary>
/// A seeded generator of bad (and some good) registries, made from real ones: byte-level damage
/// (truncation, flips, deleted or duplicated spans, junk, BOMs, invalid UTF-8), structural damage
/// (wrong types for every field the parser reads, agents list/dict swapped, deep nesting, huge
/// strings, NaN and Infinity, duplicate keys, lone surrogates) and valid edits that make new
/// zombies (a session renamed, a status changed). The same seed gives the same mutants.
/// </summary>
public sealed partial class RegistryMutator
{
    /// <summary>The fields the parser reads on an agent (strings or null).</summary>
    public static readonly string[] AgentStringFields = ["id", "status", "tmux_session", "started_at", "task_id", "termination_reason", "terminated_at", "completed_at", "last_update"];

    private static readonly string[] ActiveStatuses = ["running", "working", "blocked", "reviewing"];

    private static readonly string[] OtherStatuses = ["completed", "failed", "error", "terminated", "killed", "paused", "RUNNING", "Working", "", " running"];

    // Values of every JSON type (and a few that are not JSON at all), for "wrong type" mutations.
    private static readonly string[] AnyValues =
    [
        "0", "1", "-1", "42", "1.5", "1.0", "-0", "1e3", "1E+2", "9223372036854775807", "9223372036854775808", "-9223372036854775809",
        "1e400", "true", "false", "null", "\"\"", "\"text\"", "\"42\"", "[]", "[1, 2]", "[\"a\"]", "{}", "{\"a\": 1}", "[[[]]]", "{\"id\": \"x\"}",
        "NaN", "Infinity", "-Infinity",
    ];

    private static readonly string[] Junk =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "NaN", "\0", "//c\n", "/*x*/", "'", "\u00e9", ",,", "]]", "}}", "\"k\": 1", "tru", "1.", "-", "\t", "\r\n",
    ];

    private static readonly string[] TrailingGarbage =
    [
        "x", "}", "\n}", " {}", "\0", "\n\n// end", "]", "\n{\"task_id\": \"again\"}", ",", "\n    \n", "\u00ff",
    ];

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xFE], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80],
    ];

    private readonly Random _random;
    private readonly IReadOnlyList<(string Name, RegistryKind Kind, byte[] Bytes)> _sources;
    private readonly Func<string> _futureTimestamp;
    private readonly List<(string Name, Func<byte[], RegistryKind, byte[]?> Apply)> _operations;

    /// <param name="futureTimestamp">A naive local timestamp well in the future (a fresh agent, by any clock).</param>
    public RegistryMutator(int seed, IReadOnlyList<(string Name, RegistryKind Kind, byte[] Bytes)> sources, Func<string> futureTimestamp)
    {
        _random = new Random(seed);
        _sources = sources;
        _futureTimestamp = futureTimestamp;
        _operations =
        [
            ("truncate", (b, _) => b[.._random.Next(b.Length + 1)]),
            ("flip-bytes", (b, _) => FlipBytes(b)),
            ("delete-span", (b, _) => DeleteSpan(b)),
            ("duplicate-span", (b, _) => DuplicateSpan(b)),
            ("insert-junk", (b, _) => Insert(b, _random.Next(b.Length + 1), Encoding.UTF8.GetBytes(Pick(Junk)))),
            ("trailing-garbage", (b, _) => [.. b, .. Encoding.UTF8.GetBytes(Pick(TrailingGarbage))]),
            ("utf8-bom", (b, _) => [0xEF, 0xBB, 0xBF, .. b]),
            ("utf16", (b, _) => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(b))]),
            ("invalid-utf8", (b, _) => InvalidUtf8(b)),
            ("empty", (_, _) => []),
            ("whitespace-only", (_, _) => " \n\t \r\n"u8.ToArray()),
            ("wrong-type", WrongType),
            ("swap-agents", SwapAgents),
            ("deep-nesting", DeepNesting),
            ("huge-string", HugeString),
            ("nan-infinity", NanInfinity),
            ("duplicate-key", (b, _) => DuplicateKey(b)),
            ("lone-surrogate", LoneSurrogate),
            ("valid-escapes", ValidEscapes),
            ("huge-number", HugeNumber),
            ("remove-field", RemoveField),
            ("session-gone", SessionGone),
            ("status-change", StatusChange),
            ("started-at", StartedAt),
            ("counter", Counter),
            ("reformat", Reformat),
            ("raw-unicode", RawUnicode),
            ("extra-keys", ExtraKeys),
            ("duplicate-agents", DuplicateAgents),
            ("empty-agents", (b, k) => Edit(b, root => root["agents"] = k == RegistryKind.Task ? new JsonArray() : new JsonObject())),
            ("add-agent", AddAgent),
            ("not-an-object", (b, _) => Encoding.UTF8.GetBytes(Pick(["[" + Encoding.UTF8.GetString(b) + "]", "\"registry\"", "42", "null", "[]", "true"]))),
        ];
    }

    public IReadOnlyList<string> OperationNames => [.. _operations.Select(o => o.Name)];

    public Mutant Next(int number)
    {
        var (name, kind, bytes) = _sources[_random.Next(_sources.Count)];
        // The first mutants take every operation and every planted kind once, so that even a short
        // run covers them all; then one mutant in twenty is not a file at all.
        var plantedKinds = Enum.GetValues<PlantedKind>().Length - 1;
        var forcedPlanted = number >= _operations.Count && number < _operations.Count + plantedKinds;
        if (forcedPlanted || (number >= _operations.Count + plantedKinds && _random.Next(20) == 0))
        {
            var planted = (PlantedKind)(1 + (forcedPlanted ? number - _operations.Count : _random.Next(plantedKinds)));
            return new Mutant(number, name, kind, "planted-" + planted.ToString().ToLowerInvariant(), [], planted);
        }

        var applied = new List<string>();
        var current = bytes;
        var count = 1 + (_random.Next(4) == 0 ? _random.Next(1, 3) : 0);
        var forced = number < _operations.Count;
        while (applied.Count < count)
        {
            var (op, apply) = _operations[forced ? number : _random.Next(_operations.Count)];
            forced = false;
            // A structural operation needs JSON to work on; after byte damage it may have none.
            if (apply(current, kind) is { } next)
            {
                current = next;
                applied.Add(op);
            }
        }

        return new Mutant(number, name, kind, string.Join(" + ", applied), current);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private byte[] FlipBytes(byte[] b)
    {
        if (b.Length == 0)
        {
            return b;
        }

        var copy = (byte[])b.Clone();
        for (var i = 1 + _random.Next(8); i > 0; i--)
        {
            copy[_random.Next(copy.Length)] ^= (byte)_random.Next(1, 256);
        }

        return copy;
    }

    private byte[] DeleteSpan(byte[] b)
    {
        if (b.Length == 0)
        {
            return b;
        }

        var start = _random.Next(b.Length);
        var length = 1 + _random.Next(Math.Min(_random.Next(2) == 0 ? 16 : 2000, b.Length - start));
        return [.. b[..start], .. b[(start + length)..]];
    }

    private byte[] DuplicateSpan(byte[] b)
    {
        if (b.Length == 0)
        {
            return b;
        }

        var start = _random.Next(b.Length);
        var length = 1 + _random.Next(Math.Min(_random.Next(2) == 0 ? 16 : 2000, b.Length - start));
        var at = _random.Next(2) == 0 ? start + length : _random.Next(b.Length + 1);
        return Insert(b, at, b[start..(start + length)]);
    }

    private static byte[] Insert(byte[] b, int at, byte[] what) => [.. b[..at], .. what, .. b[at..]];

    private byte[] InvalidUtf8(byte[] b)
    {
        // Inside a string value, where a careless non-UTF-8 writer would put it.
        var quotes = Enumerable.Range(0, b.Length).Where(i => b[i] == (byte)'"').ToList();
        var at = quotes.Count == 0 ? _random.Next(b.Length + 1) : quotes[_random.Next(quotes.Count)] + 1;
        return Insert(b, Math.Min(at, b.Length), Pick(BadUtf8));
    }

    // ---- structural operations: on the parsed tree; null when the current bytes are not a JSON object ----

    private static JsonObject? TryParse(byte[] b)
    {
        try
        {
            return JsonNode.Parse(b, documentOptions: new JsonDocumentOptions { MaxDepth = 1024 }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Edits the tree and writes it as the orchestrator would; raw tokens are substituted afterwards.</summary>
    private static byte[]? Edit(byte[] b, Action<JsonObject> edit, IReadOnlyDictionary<string, string>? raw = null)
    {
        var root = TryParse(b);
        if (root is null)
        {
            return null;
        }

        try
        {
            edit(root);
            var text = Encoding.UTF8.GetString(PythonJsonWriter.Serialize(root));
            foreach (var (marker, token) in raw ?? new Dictionary<string, string>())
            {
                text = text.Replace("\"" + marker + "\"", token, StringComparison.Ordinal);
            }

            return Encoding.UTF8.GetBytes(text);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            // A tree this generator cannot edit or re-serialize (duplicate keys or a lone surrogate from an earlier step).
            return null;
        }
    }

    private static JsonValue Raw(string token) => JsonValue.Create(token);

    /// <summary>The agents of a registry, whichever shape they have (list or dict).</summary>
    private static List<JsonObject> Agents(JsonObject root) => root["agents"] switch
    {
        JsonArray list => [.. list.OfType<JsonObject>()],
        JsonObject dict => [.. dict.Select(p => p.Value).OfType<JsonObject>()],
        _ => [],
    };

    private JsonObject? RandomAgent(JsonObject root)
    {
        var agents = Agents(root);
        return agents.Count == 0 ? null : agents[_random.Next(agents.Count)];
    }

    /// <summary>Somewhere a field the parser reads lives: the top level, an agent, or an agent's tracked_files.</summary>
    private (JsonObject Target, string Field) ReadField(JsonObject root, RegistryKind kind)
    {
        var topFields = kind == RegistryKind.Task
            ? new[] { "agents", "task_id", "active_count", "total_spawned", "completed_count" }
            : ["agents", "active_agents", "total_agents_spawned"];
        var agent = RandomAgent(root);
        switch (_random.Next(agent is null ? 1 : 3))
        {
            case 0:
                return (root, Pick(topFields));
            case 1:
                return (agent!, Pick([.. AgentStringFields, "tracked_files"]));
            default:
                if (agent!["tracked_files"] is not JsonObject tracked)
                {
                    tracked = new JsonObject();
                    agent["tracked_files"] = tracked;
                }

                return (tracked, Pick(["log_file", "progress_file"]));
        }
    }

    private byte[]? WrongType(byte[] b, RegistryKind kind)
    {
        var marker = "@@RAW-WRONG@@";
        var value = Pick(AnyValues);
        return Edit(b, root =>
        {
            var (target, field) = ReadField(root, kind);
            target[field] = Raw(marker);
        }, new Dictionary<string, string> { [marker] = value });
    }

    private static byte[]? SwapAgents(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        switch (root["agents"])
        {
            case JsonArray list:
                var dict = new JsonObject();
                var i = 0;
                foreach (var agent in list.ToList())
                {
                    list.Remove(agent);
                    var key = (agent as JsonObject)?["id"] is JsonValue id && id.TryGetValue<string>(out var s) ? s : $"agent-{i}";
                    dict[dict.ContainsKey(key) ? key + "-" + i : key] = agent;
                    i++;
                }

                root["agents"] = dict;
                break;
            case JsonObject dict2:
                var values = dict2.Select(p => p.Value).ToList();
                dict2.Clear();
                root["agents"] = new JsonArray([.. values]);
                break;
            default:
                root["agents"] = kind == RegistryKind.Task ? new JsonObject() : new JsonArray();
                break;
        }
    });

    private byte[]? DeepNesting(byte[] b, RegistryKind kind)
    {
        var depth = Pick([10, 100, 300, 498, 499, 500, 510, 511, 512, 513, 600, 980, 1100, 5000, 100_000]);
        var opening = new StringBuilder();
        var closing = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            if (_random.Next(2) == 0)
            {
                opening.Append('[');
                closing.Insert(0, ']');
            }
            else
            {
                opening.Append("{\"a\": ");
                closing.Insert(0, '}');
            }
        }

        var marker = "@@RAW-DEEP@@";
        return Edit(b, root =>
        {
            var agent = RandomAgent(root);
            if (agent is not null && _random.Next(2) == 0)
            {
                agent[Pick(["prompt", "status", "tracked_files", "progress"])] = Raw(marker);
            }
            else
            {
                root[Pick(["agent_hierarchy", "agents", "nested"])] = Raw(marker);
            }
        }, new Dictionary<string, string> { [marker] = opening + "1" + closing });
    }

    private byte[]? HugeString(byte[] b, RegistryKind kind)
    {
        var length = Pick([10_000, 100_000, 1_000_000, 3_000_000]);
        var text = new StringBuilder(length + 16).Append('"');
        while (text.Length < length)
        {
            text.Append(_random.Next(40) switch
            {
                0 => "\\n",
                1 => "\\u00e9",
                2 => "\u00e9",
                3 => "\\\"",
                4 => "\\ud83d\\ude00",
                _ => ((char)('a' + _random.Next(26))).ToString(),
            });
        }

        text.Append('"');
        var marker = "@@RAW-HUGE@@";
        return Edit(b, root =>
        {
            var agent = RandomAgent(root);
            if (agent is not null)
            {
                agent[Pick(["prompt", "status", "tmux_session", "id", "started_at", "progress"])] = Raw(marker);
            }
            else
            {
                root["task_description"] = Raw(marker);
            }
        }, new Dictionary<string, string> { [marker] = text.ToString() });
    }

    private byte[]? NanInfinity(byte[] b, RegistryKind kind)
    {
        var marker = "@@RAW-NAN@@";
        var token = Pick(["NaN", "Infinity", "-Infinity"]);
        return Edit(b, root =>
        {
            if (_random.Next(2) == 0)
            {
                var (target, field) = ReadField(root, kind);
                target[field] = Raw(marker);
            }
            else if (RandomAgent(root) is { } agent)
            {
                agent["progress"] = Raw(marker);
            }
            else
            {
                root["max_agents"] = Raw(marker);
            }
        }, new Dictionary<string, string> { [marker] = token });
    }

    [GeneratedRegex("^\\s*\"[^\"\\\\]+\": (\"[^\"\\\\]*\"|-?[0-9][0-9.eE+-]*|true|false|null)(,?)$")]
    private static partial Regex LeafLine();

    private byte[]? DuplicateKey(byte[] b)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(b);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }

        var lines = text.Split('\n').ToList();
        var leaves = Enumerable.Range(0, lines.Count).Where(i => LeafLine().IsMatch(lines[i])).ToList();
        if (leaves.Count == 0)
        {
            return null;
        }

        var at = leaves[_random.Next(leaves.Count)];
        var line = lines[at];
        var duplicate = line.TrimEnd(',') + ",";
        if (_random.Next(2) == 0)
        {
            // The same key with another value: which one wins is the reader's choice.
            var colon = duplicate.IndexOf("\": ", StringComparison.Ordinal);
            duplicate = duplicate[..(colon + 3)] + Pick(["\"completed\"", "\"running\"", "0", "null", "\"agent_other\""]) + ",";
        }

        lines.Insert(at, duplicate);
        return Encoding.UTF8.GetBytes(string.Join('\n', lines));
    }

    private byte[]? LoneSurrogate(byte[] b, RegistryKind kind)
    {
        var surrogate = Pick(["\\ud800", "\\udfff", "\\ud83d", "\\ude00", "\\uDBFF"]);
        var marker = "@@RAW-SURROGATE@@";
        var asKey = _random.Next(3) == 0;
        return Edit(b, root =>
        {
            if (asKey)
            {
                var target = _random.Next(2) == 0 ? root : RandomAgent(root) ?? root;
                target[marker] = 1;
                if (kind == RegistryKind.Global && root["agents"] is JsonObject agents && _random.Next(2) == 0 && agents.Count > 0)
                {
                    // As a global agent's id (the dict key the parser reads).
                    var first = agents.First();
                    agents.Remove(first.Key);
                    agents[marker] = first.Value;
                }
            }
            else
            {
                var (target, field) = ReadField(root, kind);
                target[_random.Next(2) == 0 ? field : "prompt"] = Raw(marker);
            }
        }, new Dictionary<string, string> { [marker] = asKey ? $"\"x{surrogate}y\"" : $"\"x{surrogate}y\"" });
    }

    private byte[]? ValidEscapes(byte[] b, RegistryKind kind)
    {
        var marker = "@@RAW-ESCAPES@@";
        var value = Pick(["\"\\u0072unning\"", "\"work\\u0069ng\"", "\"caf\\u00e9\"", "\"\\ud83d\\ude00\"", "\"a\\/b\"", "\"\\u0000\"", "\"tab\\there\"", "\"agent_\\u00e9t\\u00e9\""]);
        return Edit(b, root =>
        {
            var agent = RandomAgent(root);
            if (agent is null)
            {
                root["task_description"] = Raw(marker);
                return;
            }

            agent[Pick(["status", "tmux_session", "id", "prompt", "last_update"])] = Raw(marker);
        }, new Dictionary<string, string> { [marker] = value });
    }

    private byte[]? HugeNumber(byte[] b, RegistryKind kind)
    {
        var digits = Pick([20, 400, 4300, 4301, 5000]);
        var number = "9" + new string('1', digits - 1);
        var marker = "@@RAW-NUMBER@@";
        return Edit(b, root =>
        {
            if (_random.Next(2) == 0 && RandomAgent(root) is { } agent)
            {
                agent["depth"] = Raw(marker);
            }
            else
            {
                root[kind == RegistryKind.Task ? Pick(["max_agents", "active_count"]) : Pick(["max_concurrent_agents", "active_agents"])] = Raw(marker);
            }
        }, new Dictionary<string, string> { [marker] = _random.Next(4) == 0 ? number + ".5e7" : number });
    }

    private byte[]? RemoveField(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        var (target, field) = ReadField(root, kind);
        target.Remove(field);
    });

    private byte[]? SessionGone(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        if (RandomAgent(root) is { } agent)
        {
            agent["tmux_session"] = $"agent_gone-{_random.Next(0x1000000):x6}";
        }
    });

    private byte[]? StatusChange(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        if (RandomAgent(root) is { } agent)
        {
            agent["status"] = _random.Next(2) == 0 ? Pick(ActiveStatuses) : Pick(OtherStatuses);
        }
    });

    private byte[]? StartedAt(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        if (RandomAgent(root) is { } agent)
        {
            agent["started_at"] = Pick([_futureTimestamp(), "2025-10-17 21:57:50", "2025-10-17T21:57:50Z", "2025-10-17T21:57:50+02:00", "yesterday", "", "2025-13-45T99:99:99", "1970-01-01T00:00:00", "0001-01-01T00:00:00"]);
        }
    });

    private byte[]? Counter(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        var field = kind == RegistryKind.Task ? Pick(["active_count", "total_spawned", "completed_count"]) : Pick(["active_agents", "total_agents_spawned"]);
        root[field] = Pick<long>([0, 1, -1, 3, 99, long.MaxValue, long.MinValue]);
    });

    private byte[]? Reformat(byte[] b, RegistryKind kind)
    {
        var root = TryParse(b);
        if (root is null)
        {
            return null;
        }

        try
        {
            var text = root.ToJsonString(new JsonSerializerOptions { WriteIndented = _random.Next(2) == 0, IndentSize = 4, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            return Encoding.UTF8.GetBytes(_random.Next(2) == 0 ? text.Replace("\n", "\r\n", StringComparison.Ordinal) : text + "\n");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    private byte[]? RawUnicode(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        var target = RandomAgent(root) ?? root;
        target[Pick(["prompt", "task_description", "note"])] = "caf\u00e9 \u65e5\u672c \U0001F600 \u2028";
    });

    private byte[]? ExtraKeys(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        var target = _random.Next(2) == 0 ? root : RandomAgent(root) ?? root;
        target[$"future_key_{_random.Next(1000)}"] = JsonNode.Parse("{\"nested\": [1, 2.50, {\"deep\": null}], \"flag\": true}");
    });

    private byte[]? DuplicateAgents(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        if (root["agents"] is JsonArray list)
        {
            var copies = list.Select(a => a?.DeepClone()).ToList();
            foreach (var copy in copies)
            {
                list.Add(copy);
            }
        }
        else if (root["agents"] is JsonObject dict)
        {
            foreach (var (key, value) in dict.ToList())
            {
                dict[key + "-copy"] = value?.DeepClone();
            }
        }
    });

    private byte[]? AddAgent(byte[] b, RegistryKind kind) => Edit(b, root =>
    {
        var id = $"added-{_random.Next(0x1000000):x6}";
        var agent = new JsonObject
        {
            ["id"] = id,
            ["status"] = Pick(ActiveStatuses),
            ["tmux_session"] = "agent_" + id,
            ["started_at"] = _random.Next(3) == 0 ? _futureTimestamp() : "2025-10-17T21:57:50.252741",
        };
        if (_random.Next(4) == 0)
        {
            agent.Remove(Pick(["id", "tmux_session", "started_at"]));
        }

        switch (root["agents"])
        {
            case JsonArray list:
                list.Add(agent);
                break;
            case JsonObject dict:
                agent.Remove("id");
                dict[id] = agent;
                break;
            default:
                break;
        }
    });

    /// <summary>For the report: a mutant's number formatted as its file name.</summary>
    public static string FileName(int number) => number.ToString("D6", CultureInfo.InvariantCulture) + ".json";
}
