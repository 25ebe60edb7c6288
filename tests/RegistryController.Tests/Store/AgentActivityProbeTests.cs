using RegistryController.Judgement;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>When an active agent's tracked files last changed, as the stuck rule reads it, from real files.</summary>
public sealed class AgentActivityProbeTests : IDisposable
{
    private static readonly ReconcileOptions Options = new() { StuckAfter = TimeSpan.FromMinutes(15) };
    private static readonly DateTime Older = new(2026, 11, 30, 10, 0, 0, 123, DateTimeKind.Utc);
    private static readonly DateTime Newer = Older.AddMinutes(7).AddTicks(4_567);

    private readonly TempDirectory _workspace = new();

    private string TaskDirectory => _workspace.Combine("TASK-1");

    public void Dispose() => _workspace.Dispose();

    [Fact]
    public void An_active_agent_was_last_active_when_the_later_of_its_log_and_progress_file_changed()
    {
        Touch("logs/a_stream.jsonl", Newer);
        Touch("progress/a_progress.jsonl", Older);
        Touch("logs/b_stream.jsonl", Older);
        Touch("progress/b_progress.jsonl", Newer);

        var activity = Probe(Agent("a", "running", "logs/a_stream.jsonl", "progress/a_progress.jsonl"), Agent("b", "working", "logs/b_stream.jsonl", "progress/b_progress.jsonl"));

        Assert.Equal(new DateTimeOffset(Newer), activity["a"]);
        Assert.Equal(new DateTimeOffset(Newer), activity["b"]);
    }

    [Fact]
    public void An_absolute_path_inside_the_workspace_counts_as_a_relative_one_does()
    {
        Touch("logs/a_stream.jsonl", Older);

        var activity = Probe(Agent("a", "running", Path.Combine(TaskDirectory, "logs/a_stream.jsonl"), null));

        Assert.Equal(new DateTimeOffset(Older), activity["a"]);
    }

    [Fact]
    public void A_missing_file_a_directory_a_placeholder_and_a_path_outside_the_workspace_say_nothing()
    {
        Directory.CreateDirectory(Path.Combine(TaskDirectory, "logs", "dir_stream.jsonl"));
        using var outside = new TempDirectory();
        var elsewhere = outside.Combine("stream.jsonl");
        File.WriteAllText(elsewhere, "{}\n");

        var activity = Probe(
            Agent("missing", "running", "logs/missing_stream.jsonl", "progress/missing_progress.jsonl"),
            Agent("directory", "running", "logs/dir_stream.jsonl", null),
            Agent("placeholder", "running", "${LOG_DIR}/stream.jsonl", null),
            Agent("outside", "running", elsewhere, "../../" + Path.GetFileName(outside.Path) + "/stream.jsonl"));

        Assert.Empty(activity);
    }

    [Fact]
    public void A_link_counts_by_its_own_time_as_FileInfo_reads_it_never_its_targets()
    {
        Touch("logs/target_stream.jsonl", Older);
        var link = Path.Combine(TaskDirectory, "logs", "a_stream.jsonl");
        File.CreateSymbolicLink(link, Path.Combine(TaskDirectory, "logs", "target_stream.jsonl"));
        using var outside = new TempDirectory();
        var elsewhere = outside.Combine("stream.jsonl");
        File.WriteAllText(elsewhere, "{}\n");
        File.SetLastWriteTimeUtc(elsewhere, Newer.AddDays(1));
        var escaping = Path.Combine(TaskDirectory, "logs", "b_stream.jsonl");
        File.CreateSymbolicLink(escaping, elsewhere);

        var activity = Probe(Agent("a", "running", "logs/a_stream.jsonl", null), Agent("b", "running", "logs/b_stream.jsonl", null));

        Assert.Equal(new DateTimeOffset(new FileInfo(link).LastWriteTimeUtc), activity["a"]);
        Assert.NotEqual(new DateTimeOffset(Older), activity["a"]);
        Assert.NotEqual(new DateTimeOffset(Newer.AddDays(1)), activity["b"]);
    }

    [Fact]
    public void A_finished_agent_has_no_activity_whatever_its_files_say()
    {
        Touch("logs/done_stream.jsonl", Newer);

        var activity = Probe(Agent("done", "completed", "logs/done_stream.jsonl", null));

        Assert.Empty(activity);
    }

    private static AgentRecord Agent(string id, string status, string? log, string? progress) =>
        new(id, 0, status, $"agent_{id}", "2026-11-30T09:00:00", "TASK-1", LogFile: log, ProgressFile: progress);

    private System.Collections.Immutable.ImmutableDictionary<string, DateTimeOffset> Probe(params AgentRecord[] agents)
    {
        var model = new RegistryModel(RegistryKind.Task, "TASK-1", [.. agents], ActiveCount: null, TotalSpawned: null, CompletedCount: null);
        var snapshot = RegistrySnapshot.Read(Path.Combine(TaskDirectory, "AGENT_REGISTRY.json"), RegistryKind.Task, "TASK-1", model);
        return AgentActivityProbe.Probe(snapshot, _workspace.Path, Options).Activity;
    }

    private void Touch(string relative, DateTime lastWrite)
    {
        var path = Path.Combine(TaskDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{}\n");
        File.SetLastWriteTimeUtc(path, lastWrite);
    }
}
