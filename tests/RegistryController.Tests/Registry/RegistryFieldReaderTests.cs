using System.Text;
using System.Text.Unicode;
using RegistryController.Judgement;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>
/// The fast read of a registry says exactly what the thorough parse says of every file the orchestrator writes, and
/// of any other file either the same or nothing (the thorough parse then decides): it never accepts a file the
/// thorough parse refuses, and never reads a field differently.
/// </summary>
public sealed class RegistryFieldReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void The_orchestrators_own_registries_are_read_fast_and_as_the_thorough_parse_reads_them()
    {
        foreach (var (name, kind, bytes) in Sources())
        {
            var fast = RegistryFieldReader.TryRead(bytes, kind);

            Assert.True(fast is not null, $"{name}: the fast read gave up on a registry the orchestrator wrote");
            AssertSame(RegistryParser.ParseThoroughly(bytes, name, kind), fast, name);
        }
    }

    [Fact]
    public void A_mutated_registry_is_read_as_the_thorough_parse_reads_it_or_left_to_it()
    {
        var mutator = new RegistryMutator(20261130, Sources(), () => "2099-01-01T00:00:00.000000");
        var (accepted, declined, refused) = (0, 0, 0);
        for (var number = 0; number < 1200; number++)
        {
            var mutant = mutator.Next(number);
            if (mutant.Planted != PlantedKind.None || mutant.Bytes.Length == 0 || !Utf8.IsValid(mutant.Bytes))
            {
                continue;
            }

            var fast = RegistryFieldReader.TryRead(mutant.Bytes, mutant.Kind);
            RegistryModel thorough;
            try
            {
                thorough = RegistryParser.ParseThoroughly(mutant.Bytes, mutant.Source, mutant.Kind);
            }
            catch (RegistryFormatException error)
            {
                Assert.True(fast is null, $"{mutant}: the fast read accepted what the thorough parse refuses ({error.Problem})");
                refused++;
                continue;
            }

            if (fast is null)
            {
                declined++;
                continue;
            }

            AssertSame(thorough, fast, mutant.ToString());
            accepted++;
        }

        // The mutants reach all three ways: read fast, left to the thorough parse, refused.
        Assert.True(accepted > 100 && declined > 0 && refused > 100, $"accepted {accepted}, declined {declined}, refused {refused}");
    }

    [Fact]
    public void A_refused_registry_gets_the_thorough_parses_words_from_the_fast_path_too()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"agents\": [{\"id\": \"a-0\", \"status\": 3}]}");

        var fast = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, "/w/T/AGENT_REGISTRY.json", RegistryKind.Task));
        var thorough = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseThoroughly(bytes, "/w/T/AGENT_REGISTRY.json", RegistryKind.Task));

        Assert.Equal(thorough.Message, fast.Message);
    }

    /// <summary>Where a key is repeated; the file with it repeated; the same file with it once.</summary>
    public static TheoryData<string, RegistryKind, string, string> RepeatedKeys => new()
    {
        {
            "a field the verdict reads", RegistryKind.Task,
            """{"agents": [{"id": "a-0", "status": "running", "status": "completed"}]}""",
            """{"agents": [{"id": "a-0", "status": "running"}]}"""
        },
        {
            "a field only named", RegistryKind.Task,
            """{"agents": [{"id": "a-0", "type": "x", "status": "running", "type": "y"}]}""",
            """{"agents": [{"id": "a-0", "type": "x", "status": "running"}]}"""
        },
        {
            "a key the read does not know", RegistryKind.Task,
            """{"agents": [{"id": "a-0", "note": 1, "status": "running", "note": 2}]}""",
            """{"agents": [{"id": "a-0", "note": 1, "status": "running"}]}"""
        },
        {
            "an unknown key after a known one", RegistryKind.Task,
            """{"agents": [{"id": "a-0", "note": 1, "prompt": "p", "note": 1}]}""",
            """{"agents": [{"id": "a-0", "note": 1, "prompt": "p"}]}"""
        },
        {
            "a key of tracked_files", RegistryKind.Task,
            """{"agents": [{"id": "a-0", "tracked_files": {"log_file": "a", "log_file": "b"}}]}""",
            """{"agents": [{"id": "a-0", "tracked_files": {"log_file": "a"}}]}"""
        },
        {
            "a top-level field the verdict reads", RegistryKind.Task,
            """{"agents": [], "active_count": 1, "active_count": 2}""",
            """{"agents": [], "active_count": 1}"""
        },
        {
            "the agents list", RegistryKind.Task,
            """{"agents": [], "task_id": "T", "agents": []}""",
            """{"agents": [], "task_id": "T"}"""
        },
        {
            "a top-level key the read does not know", RegistryKind.Task,
            """{"priority": "P1", "agents": [], "priority": "P2"}""",
            """{"priority": "P1", "agents": []}"""
        },
        {
            "a top-level field of the global registry", RegistryKind.Global,
            """{"agents": {}, "active_agents": 0, "active_agents": 1}""",
            """{"agents": {}, "active_agents": 0}"""
        },
        {
            "an agent id of the global registry", RegistryKind.Global,
            """{"agents": {"a-1": {"status": "running"}, "a-2": {}, "a-1": {"status": "completed"}}}""",
            """{"agents": {"a-1": {"status": "running"}, "a-2": {}}}"""
        },
        {
            "a field of a global entry", RegistryKind.Global,
            """{"agents": {"a-1": {"task_id": "T", "task_id": "U"}}}""",
            """{"agents": {"a-1": {"task_id": "T"}}}"""
        },
        {
            "the first of many unknown keys, at the end", RegistryKind.Task,
            "{\"agents\": [{\"id\": \"a-0\", " + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"\"k{i}\": {i}")) + ", \"k0\": 0}]}",
            "{\"agents\": [{\"id\": \"a-0\", " + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"\"k{i}\": {i}")) + "}]}"
        },
    };

    [Theory]
    [MemberData(nameof(RepeatedKeys))]
    public void A_repeated_key_anywhere_is_left_to_the_thorough_parse_which_refuses_it(string where, RegistryKind kind, string repeated, string once)
    {
        var bytes = Encoding.UTF8.GetBytes(repeated);
        var path = kind == RegistryKind.Task ? "/w/T/AGENT_REGISTRY.json" : "/w/registry/GLOBAL_REGISTRY.json";

        Assert.True(RegistryFieldReader.TryRead(Encoding.UTF8.GetBytes(once), kind) is not null, $"{where}: the fast read gave up on the file without the repeat");
        Assert.True(RegistryFieldReader.TryRead(bytes, kind) is null, $"{where}: the fast read accepted a repeated key");
        Assert.True(RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, 3), kind, bufferBytes: 16) is null, $"{where}: the fast read in pieces accepted a repeated key");
        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, path, kind));
        Assert.Contains("duplicate", error.Problem, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_same_names_in_different_agents_and_objects_are_not_repeated_keys()
    {
        var bytes = Encoding.UTF8.GetBytes("""
            {"agents": [
              {"id": "a-0", "type": "t", "status": "running", "note": 1, "tracked_files": {"log_file": "l", "note": 2}},
              {"id": "a-1", "type": "t", "status": "completed", "note": 1, "tracked_files": {"log_file": "l", "note": 2}}
            ], "note": 3, "status": "INITIALIZED"}
            """);

        var fast = RegistryFieldReader.TryRead(bytes, RegistryKind.Task);

        Assert.NotNull(fast);
        AssertSame(RegistryParser.ParseThoroughly(bytes, "/w/T/AGENT_REGISTRY.json", RegistryKind.Task), fast, "the same names in different objects");
    }

    [Fact]
    public void Given_the_active_statuses_a_finished_agent_is_read_without_its_start_and_files_but_with_how_it_ended()
    {
        var model = RegistryParser.Parse(File.ReadAllBytes(SampleTask), SampleTask, RegistryKind.Task, Active);

        var finished = model.Agents.Single(a => a.Status == "completed");
        Assert.Equal((null, null, null), (finished.StartedAt, finished.LogFile, finished.ProgressFile));
        Assert.NotNull(finished.CompletedAt);
        Assert.NotNull(finished.LastUpdate);
        Assert.Equal("agent_reviewer-091913-3c998b", finished.TmuxSession);
        Assert.All(model.Agents.Where(a => a.Status != "completed"), a => Assert.False(
            a.StartedAt is null || a.LogFile is null || a.ProgressFile is null,
            $"active agent {a.Id} lost its start or its files"));
    }

    [Fact]
    public void Given_the_active_statuses_the_thorough_parse_keeps_what_the_fast_read_keeps()
    {
        var bytes = File.ReadAllBytes(SampleTask);
        Assert.NotNull(RegistryFieldReader.TryRead(bytes, RegistryKind.Task, Active));
        // An escaped key: the fast read leaves the file to the thorough parse, which accepts it.
        var declined = Encoding.UTF8.GetBytes("{\"n\\u006fte\": 1, " + Encoding.UTF8.GetString(bytes).TrimStart()[1..]);
        Assert.Null(RegistryFieldReader.TryRead(declined, RegistryKind.Task, Active));

        RegistryModels.AssertEqual(RegistryParser.Parse(bytes, SampleTask, RegistryKind.Task, Active), RegistryParser.Parse(declined, SampleTask, RegistryKind.Task, Active), "declined");
    }

    [Fact]
    public void Given_the_active_statuses_each_agent_keeps_its_own_start_and_files_whatever_comes_before_or_after_them()
    {
        // The status after the fields it decides on; a longer path after a shorter one; an escaped one; an active agent
        // with no files after one with them.
        var bytes = Encoding.UTF8.GetBytes("""
            {"task_id": "T", "agents": [
              {"id": "a0", "started_at": "2026-01-01T00:00:00", "tracked_files": {"log_file": "/w/T/logs/a0.jsonl", "progress_file": "/w/T/progress/a0.jsonl"}, "status": "running"},
              {"id": "a1", "started_at": "2026-01-01T00:00:01", "tracked_files": {"log_file": "/w/T/logs/a-name-much-longer-than-the-one-before.jsonl"}, "status": "completed", "completed_at": "2026-01-01T00:05:00"},
              {"id": "a2", "tracked_files": {"log_file": "/w/T/logs/caf\u00e9.jsonl"}, "status": "working"},
              {"id": "a3", "status": "working"}
            ]}
            """);
        var expected = RegistryParser.Inactive(RegistryParser.ParseThoroughly(bytes, "T", RegistryKind.Task), Active);

        foreach (var piece in ShortReads.TinyPieces.Prepend(int.MaxValue))
        {
            var read = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, piece), RegistryKind.Task, 16, Active);
            RegistryModels.AssertEqual(expected, read, $"in pieces of {piece}");
            Assert.Equal(
                [("2026-01-01T00:00:00", "/w/T/logs/a0.jsonl", "/w/T/progress/a0.jsonl"), (null, null, null), (null, "/w/T/logs/café.jsonl", null), (null, null, null)],
                read!.Agents.Select(a => (a.StartedAt, a.LogFile, a.ProgressFile)).ToArray());
            Assert.Equal("2026-01-01T00:05:00", read.Agents[1].CompletedAt);
        }
    }

    [Fact]
    public void Given_the_active_statuses_a_mutated_registry_is_read_as_the_thorough_parse_reads_it_or_left_to_it()
    {
        var mutator = new RegistryMutator(20261201, Sources(), () => "2099-01-01T00:00:00.000000");
        var accepted = 0;
        for (var number = 0; number < 600; number++)
        {
            var mutant = mutator.Next(number);
            if (mutant.Planted != PlantedKind.None || mutant.Bytes.Length == 0 || !Utf8.IsValid(mutant.Bytes)
                || RegistryFieldReader.TryRead(mutant.Bytes, mutant.Kind, Active) is not { } fast)
            {
                continue;
            }

            var thorough = RegistryParser.ParseThoroughly(mutant.Bytes, mutant.Source, mutant.Kind);
            var kept = mutant.Kind == RegistryKind.Task
                ? thorough with { Agents = [.. thorough.Agents.Select(a => a.Status is { } s && Active.Contains(s) ? a : a.AsInactive())] }
                : thorough;
            AssertSame(kept, fast, mutant.ToString());
            accepted++;
        }

        Assert.True(accepted > 50, $"only {accepted} mutants read fast");
    }

    private static readonly System.Collections.Immutable.ImmutableHashSet<string> Active = new ReconcileOptions().ActiveStatuses;

    private static string SampleTask => Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator", "TASK-sample", "AGENT_REGISTRY.json");

    // Of a global entry the fast read keeps only what the verdict reads.
    private static void AssertSame(RegistryModel expected, RegistryModel? actual, string what) =>
        RegistryModels.AssertEqual(RegistryModels.Kept(expected), actual, what);

    private List<(string Name, RegistryKind Kind, byte[] Bytes)> Sources() => RegistrySamples.Written(_temp.Combine("generated"));

    [Fact]
    public void Registries_read_one_after_another_on_one_thread_keep_their_own_statuses_and_task_ids()
    {
        static byte[] Registry(string task, string status, string startedAt) => Encoding.UTF8.GetBytes(
            $$"""{"task_id": "{{task}}", "agents": [{"id": "a", "status": "{{status}}", "task_id": "{{task}}", "started_at": "{{startedAt}}"}, {"id": "b", "status": "{{status}}", "task_id": "{{task}}"}]}""");
        var active = new HashSet<string>(["running"], StringComparer.Ordinal);

        var first = RegistryFieldReader.TryRead(Registry("TASK-LONGER-NAME", "running", "2026-11-30T09:00:00.000001"), RegistryKind.Task, active)!;
        var second = RegistryFieldReader.TryRead(Registry("TASK-B", "completed", "2026-11-30T10:00:00"), RegistryKind.Task, active)!;
        var third = RegistryFieldReader.TryRead(Registry("TASK-B", "running", "2026-11-30T11:00:00"), RegistryKind.Task, active)!;

        Assert.Equal(["running", "running"], first.Agents.Select(a => a.Status));
        Assert.Equal(["TASK-LONGER-NAME", "TASK-LONGER-NAME"], first.Agents.Select(a => a.TaskId));
        Assert.Equal("2026-11-30T09:00:00.000001", first.Agents[0].StartedAt);
        Assert.Equal(["completed", "completed"], second.Agents.Select(a => a.Status));
        Assert.Equal(["TASK-B", "TASK-B"], second.Agents.Select(a => a.TaskId));
        Assert.Null(second.Agents[0].StartedAt);
        Assert.Equal("2026-11-30T11:00:00", third.Agents[0].StartedAt);
        Assert.Null(third.Agents[1].StartedAt);
    }

    public void Dispose() => _temp.Dispose();
}
