using System.Text.Json;
using RegistryController.Locking;
using RegistryController.Registry;
using RegistryController.Store;

namespace RegistryController.Tests.Store;

/// <summary>The audit trail: each ending the controller writes is one line of the agent's progress file.</summary>
public class ProgressAuditTests
{
    // An ending's first line: into progress/, made if need be; a line already archived counts.
    private static readonly ProgressRule FirstLine = new(ArchiveCounts: true, MayCreate: true);

    private static readonly LockRetry Locks = new(new LockOptions());

    private static readonly EndAgent Completed = new("fixer-1", 0, "running", "completed", null, "stream log result (success): logs/fixer-1_stream.jsonl", "2026-11-30T10:50:38.125856");

    [Fact]
    public async Task The_line_is_the_orchestrators_own_format_as_python_reads_it()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("progress"));
        await File.WriteAllTextAsync(temp.Combine("progress", "fixer-1_progress.jsonl"), "{\"timestamp\": \"2026-11-30T09:19:12\", \"agent_id\": \"fixer-1\", \"status\": \"working\", \"message\": \"started\", \"progress\": 10}\n");

        Assert.Null(ProgressAudit.Append(temp.Path, Completed));

        var last = await Python.RunAsync(
            "import json, sys\nlines = open(sys.argv[1]).read().splitlines()\nprint(json.dumps([len(lines), json.loads(lines[-1])]))",
            temp.Combine("progress", "fixer-1_progress.jsonl"));
        using var parsed = JsonDocument.Parse(last);
        Assert.Equal(2, parsed.RootElement[0].GetInt32());
        var line = parsed.RootElement[1];
        Assert.Equal(("2026-11-30T10:50:38.125856", "fixer-1", "completed", 100), (line.GetProperty("timestamp").GetString(), line.GetProperty("agent_id").GetString(), line.GetProperty("status").GetString(), line.GetProperty("progress").GetInt32()));
        Assert.Contains("stream log result (success)", line.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("registryctl", line.GetProperty("reconciled_by").GetString());
    }

    [Fact]
    public async Task A_progress_file_already_moved_to_archive_gets_the_line_there()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("archive"));
        await File.WriteAllTextAsync(temp.Combine("archive", "fixer-1_progress.jsonl"), "{}\n");

        Assert.Null(ProgressAudit.Append(temp.Path, Completed));

        Assert.Equal(2, (await File.ReadAllLinesAsync(temp.Combine("archive", "fixer-1_progress.jsonl"))).Length);
        Assert.False(Directory.Exists(temp.Combine("progress")));
    }

    [Fact]
    public void An_agent_that_never_reported_gets_a_progress_file_of_one_line()
    {
        using var temp = new TempDirectory();

        Assert.Null(ProgressAudit.Append(temp.Path, Completed));

        Assert.Single(File.ReadAllLines(temp.Combine("progress", "fixer-1_progress.jsonl")));
    }

    [Fact]
    public void A_progress_file_that_is_a_symbolic_link_is_not_written_through_and_the_problem_names_it()
    {
        using var temp = new TempDirectory();
        using var outside = new TempDirectory();
        var target = outside.Combine("elsewhere.jsonl");
        File.WriteAllText(target, string.Empty);
        Directory.CreateDirectory(temp.Combine("progress"));
        File.CreateSymbolicLink(temp.Combine("progress", "fixer-1_progress.jsonl"), target);

        var problem = ProgressAudit.Append(temp.Path, Completed);

        Assert.StartsWith("progress/fixer-1_progress.jsonl: ", problem, StringComparison.Ordinal);
        Assert.Equal(string.Empty, File.ReadAllText(target));
    }

    [Fact]
    public void A_progress_directory_leading_outside_the_task_directory_is_not_written()
    {
        using var temp = new TempDirectory();
        using var outside = new TempDirectory();
        Directory.CreateSymbolicLink(temp.Combine("progress"), outside.Path);

        var problem = ProgressAudit.Append(temp.Path, Completed);

        Assert.Contains("outside the task directory", problem, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(outside.Path));
    }

    [Fact]
    public async Task Many_appenders_of_the_same_ending_at_once_write_its_line_once()
    {
        using var temp = new TempDirectory();
        var ending = new AuditedEnding(Completed.AgentId, Completed.NewStatus, Completed.Timestamp, ProgressAudit.MessageFor(Completed));
        using var start = new Barrier(8);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await ProgressAudit.AppendOnceAsync(temp.Path, ending, FirstLine, Locks, CancellationToken.None);
        })));

        Assert.All(results, r => Assert.Null(r.Problem));
        Assert.Equal(1, results.Count(r => r.Written));
        Assert.Equal([ProgressAudit.LineFor(Completed)], File.ReadAllLines(temp.Combine("progress", "fixer-1_progress.jsonl")).Select(l => l + "\n"));
    }

    [Fact]
    public async Task A_line_for_the_same_ending_at_another_time_is_not_taken_for_it()
    {
        using var temp = new TempDirectory();
        Assert.Null(ProgressAudit.Append(temp.Path, Completed with { Timestamp = "2026-11-30T10:40:00.000000" }));

        var append = await ProgressAudit.AppendOnceAsync(temp.Path, new AuditedEnding(Completed.AgentId, Completed.NewStatus, Completed.Timestamp, ProgressAudit.MessageFor(Completed)), FirstLine, Locks, CancellationToken.None);

        Assert.Equal(ProgressAppend.Appended, append);
        Assert.Equal(2, File.ReadAllLines(temp.Combine("progress", "fixer-1_progress.jsonl")).Length);
    }
}
