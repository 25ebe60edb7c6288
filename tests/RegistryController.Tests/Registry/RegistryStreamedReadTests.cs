using System.Runtime.CompilerServices;
using System.Text;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>
/// A registry read in pieces into one reused buffer says exactly what the same bytes read whole say: the same model,
/// or the same error in the same words, however the pieces cut its tokens and characters.
/// </summary>
public sealed class RegistryStreamedReadTests : IDisposable
{
    private const string TaskPath = "/workspace/TASK-20251017-215604-df6a3cbd/AGENT_REGISTRY.json";

    // Smaller than most tokens of a registry: a buffer this size must grow and be refilled to read one.
    private const int TinyBuffer = 16;

    private readonly TempDirectory _temp = new();

    [Fact]
    public void The_orchestrators_registries_read_in_tiny_pieces_give_the_model_of_the_whole_read()
    {
        var sources = RegistrySamples.Written(_temp.Combine("generated"));
        sources.Add(("fixture-task-sample", RegistryKind.Task, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator", "TASK-sample", "AGENT_REGISTRY.json"))));
        sources.Add(("fixture-2026-task", RegistryKind.Task, File.ReadAllBytes(Path.Combine(Orchestrator2026Workspace.FixtureDirectory, "TASK-20261130-092433-68dda78f", "AGENT_REGISTRY.json"))));
        foreach (var (name, kind, bytes) in sources)
        {
            var whole = RegistryFieldReader.TryRead(bytes, kind);
            Assert.True(whole is not null, $"{name}: the whole read gave up on a registry the orchestrator wrote");
            foreach (var piece in ShortReads.TinyPieces)
            {
                var streamed = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, piece), kind, TinyBuffer);

                RegistryModels.AssertEqual(whole, streamed, $"{name} in pieces of {piece}");
            }
        }
    }

    [Fact]
    public void A_global_registry_larger_than_the_buffer_is_read_in_several_reads_to_the_model_of_the_whole_read()
    {
        var bytes = RegistrySamples.LargeGlobal(_temp.Path, 4 * JsonTokens.DefaultBufferBytes);
        var reads = new StrongBox<int>();

        var streamed = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, int.MaxValue, reads), RegistryKind.Global);

        RegistryModels.AssertEqual(RegistryFieldReader.TryRead(bytes, RegistryKind.Global)!, streamed, "generated global");
        Assert.InRange(reads.Value, bytes.Length / JsonTokens.DefaultBufferBytes, (2 * bytes.Length / JsonTokens.DefaultBufferBytes) + 1);
    }

    [Fact]
    public void A_large_registry_is_read_without_memory_the_size_of_the_file()
    {
        // A megabyte of values the fast read passes over: what it keeps is a few strings.
        var notes = string.Join(", ", Enumerable.Range(0, 80_000).Select(i => $"\"note {i:D6}\""));
        var bytes = Encoding.UTF8.GetBytes($"{{\"agents\": {{\"a-1\": {{\"status\": \"running\", \"notes\": [{notes}]}}}}}}");
        Assert.True(bytes.Length > 1 << 20, $"{bytes.Length:N0} bytes");
        var source = ShortReads.Of(bytes, int.MaxValue);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var model = RegistryFieldReader.TryRead(bytes.Length, source, RegistryKind.Global);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal("running", Assert.Single(model!.Agents).Status);
        Assert.True(allocated < bytes.Length / 8, $"{allocated:N0} bytes allocated to read {bytes.Length:N0}");
    }

    [Fact]
    public void A_file_that_fails_to_read_mid_way_fails_the_read_with_the_files_own_error_not_a_parse_error()
    {
        var bytes = RegistrySamples.LargeGlobal(_temp.Path, 4 * JsonTokens.DefaultBufferBytes);
        var whole = ShortReads.Of(bytes, int.MaxValue);
        // As the store's source does when a writer truncated the file under the read.
        ReadAt shrinking = (destination, offset) => offset < bytes.Length / 2
            ? whole(destination, offset)
            : throw new IOException("the file ended early");

        var thrown = Assert.Throws<IOException>(() => RegistryParser.Parse(bytes.Length, shrinking, "/workspace/registry/GLOBAL_REGISTRY.json", RegistryKind.Global));

        Assert.Equal("the file ended early", thrown.Message);
    }

    [Fact]
    public void Given_the_active_statuses_a_registry_read_in_tiny_pieces_gives_the_model_of_the_whole_read()
    {
        var active = new RegistryController.Judgement.ReconcileOptions().ActiveStatuses;
        var sources = RegistrySamples.Written(_temp.Combine("generated"));
        sources.Add(("fixture-task-sample", RegistryKind.Task, File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "orchestrator", "TASK-sample", "AGENT_REGISTRY.json"))));
        foreach (var (name, kind, bytes) in sources)
        {
            var whole = RegistryFieldReader.TryRead(bytes, kind, active);
            Assert.True(whole is not null, $"{name}: the whole read gave up on a registry the orchestrator wrote");
            foreach (var piece in ShortReads.TinyPieces)
            {
                var streamed = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, piece), kind, TinyBuffer, active);
                RegistryModels.AssertEqual(whole, streamed, $"{name} in pieces of {piece}");
            }
        }
    }

    [Fact]
    public void Characters_of_several_bytes_cut_between_pieces_are_read_whole()
    {
        var bytes = Encoding.UTF8.GetBytes(
            "{\"task_id\": \"TASK-é\", \"agents\": [{\"id\": \"a-中😀\", \"status\": \"rünning\", \"tmux_session\": \"agent_😀中é\", \"prömpt\": \"ß中😀\"}]}");

        foreach (var piece in ShortReads.TinyPieces)
        {
            var streamed = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, piece), RegistryKind.Task, TinyBuffer);

            var agent = Assert.Single(streamed!.Agents);
            Assert.Equal(("TASK-é", "a-中😀", "rünning", "agent_😀中é"), (streamed.TaskId, agent.Id, agent.Status, agent.TmuxSession));
        }
    }

    [Fact]
    public void A_value_longer_than_the_buffer_is_read_whole()
    {
        var status = new string('w', 10_000);
        var bytes = Encoding.UTF8.GetBytes($"{{\"agents\": [{{\"id\": \"a-0\", \"status\": \"{status}\"}}]}}");

        var streamed = RegistryFieldReader.TryRead(bytes.Length, ShortReads.Of(bytes, 4096), RegistryKind.Task, TinyBuffer);

        Assert.Equal(status, Assert.Single(streamed!.Agents).Status);
    }

    public static TheoryData<byte[]> InvalidUtf8 => new()
    {
        new byte[] { 0xFF },
        new byte[] { 0xC3 },
        new byte[] { 0xED, 0xA0, 0x80 },
        new byte[] { 0xC0, 0xAF },
        new byte[] { 0xF0, 0x9F, 0x98 },
        new byte[] { 0xE4, 0xB8, 0x41 },
    };

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Invalid_utf8_cut_between_pieces_is_refused_in_the_whole_reads_words(byte[] invalid)
    {
        byte[] content = [.. "{\n  \"agents\": [{\"id\": \"a-0\", \"prompt\": \"bad "u8, .. invalid, .. " here\"}]\n}"u8];

        AssertSameOutcome(content, RegistryKind.Task, "invalid UTF-8");
    }

    [Theory]
    [MemberData(nameof(InvalidUtf8))]
    public void Invalid_utf8_at_the_end_of_the_file_is_refused_in_the_whole_reads_words(byte[] invalid)
    {
        byte[] content = [.. "{\"agents\": []}\n"u8, .. invalid];

        AssertSameOutcome(content, RegistryKind.Task, "invalid UTF-8 at the end");
    }

    [Theory]
    [MemberData(nameof(RegistryParserTests.Malformed), MemberType = typeof(RegistryParserTests))]
    public void A_malformed_registry_read_in_pieces_is_refused_in_the_whole_reads_words(string what, RegistryKind kind, string content, string problem)
    {
        _ = problem;

        AssertSameOutcome(Encoding.UTF8.GetBytes(content), kind, what);
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        { "lone surrogate in a read field", "\"status\": \"working\"", "\"status\": \"work\\ud800ing\"" },
        { "lone surrogate in an unread field", "\"progress\": 100", "\"progress\": \"x\\ud800y\"" },
        { "escaped key", "\"progress\": 100", "\"progr\\u0065ss\": 100" },
        { "4,301-digit number", "\"max_agents\": 45", "\"max_agents\": 4" + new string('5', 4300) },
        { "4,300-digit negative number", "\"max_agents\": 45", "\"max_agents\": -4" + new string('5', 4299) },
        { "huge string counter", "\"active_count\": 1", "\"active_count\": \"" + new string('x', 3_000) + "\"" },
        { "broken literal", "\"status\": \"INITIALIZED\",", "\"status\": tINITIALIZED\"," },
        { "trailing content", "\n}", "\n} x" },
        { "deep nesting", "\"progress\": 100", "\"progress\": " + new string('[', 600) + new string(']', 600) },
        { "duplicate agent field", "\"status\": \"working\"", "\"status\": \"working\", \"status\": \"working\"" },
        { "wrong type", "\"status\": \"working\"", "\"status\": 3" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_edit_of_a_real_registry_read_in_pieces_gives_what_the_whole_read_gives(string what, string find, string replace)
    {
        var text = File.ReadAllText(FixtureFiles.TaskRegistry);
        var at = text.LastIndexOf(find, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the fixture has no {find}");

        AssertSameOutcome(Encoding.UTF8.GetBytes(text[..at] + replace + text[(at + find.Length)..]), RegistryKind.Task, what);
    }

    [Fact]
    public void A_mutated_registry_read_in_pieces_gives_what_the_whole_read_gives()
    {
        var mutator = new RegistryMutator(20261201, RegistrySamples.Written(_temp.Combine("generated")), () => "2099-01-01T00:00:00.000000");
        var (models, errors) = (0, 0);
        for (var number = 0; number < 600; number++)
        {
            var mutant = mutator.Next(number);
            if (mutant.Planted != PlantedKind.None)
            {
                continue;
            }

            // A token of megabytes (the mutator writes some) read a few bytes at a time is read again from its start
            // at every refill: tiny pieces for the rest, whole buffers for those.
            var piece = mutant.Bytes.Length > 100_000 ? JsonTokens.DefaultBufferBytes : ShortReads.TinyPieces[number % ShortReads.TinyPieces.Length];
            var (whole, wholeError) = Outcome(() => RegistryParser.Parse(mutant.Bytes, TaskPath, mutant.Kind));
            var (streamed, streamedError) = Outcome(() => RegistryParser.Parse(mutant.Bytes.Length, ShortReads.Of(mutant.Bytes, piece), TaskPath, mutant.Kind, TinyBuffer));

            Assert.True(wholeError == streamedError, $"{mutant} in pieces of {piece}: {wholeError} against {streamedError}");
            if (whole is not null)
            {
                RegistryModels.AssertEqual(RegistryModels.Kept(whole), RegistryModels.Kept(streamed!), $"{mutant} in pieces of {piece}");
                models++;
            }
            else
            {
                errors++;
            }
        }

        Assert.True(models > 100 && errors > 100, $"{models} read, {errors} refused");
    }

    private static void AssertSameOutcome(byte[] content, RegistryKind kind, string what)
    {
        var (whole, wholeError) = Outcome(() => RegistryParser.Parse(content, TaskPath, kind));
        foreach (var piece in ShortReads.TinyPieces)
        {
            var (streamed, streamedError) = Outcome(() => RegistryParser.Parse(content.Length, ShortReads.Of(content, piece), TaskPath, kind, TinyBuffer));

            Assert.True(wholeError == streamedError, $"{what} in pieces of {piece}: {wholeError} against {streamedError}");
            if (whole is not null)
            {
                RegistryModels.AssertEqual(RegistryModels.Kept(whole), RegistryModels.Kept(streamed!), $"{what} in pieces of {piece}");
            }
        }
    }

    private static (RegistryModel? Model, string? Error) Outcome(Func<RegistryModel> parse)
    {
        try
        {
            return (parse(), null);
        }
        catch (RegistryFormatException error)
        {
            return (null, error.Message);
        }
    }

    public void Dispose() => _temp.Dispose();
}
