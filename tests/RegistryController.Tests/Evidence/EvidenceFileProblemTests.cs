using System.Text;
using Mono.Unix.Native;
using RegistryController.Evidence;

namespace RegistryController.Tests.Evidence;

/// <summary>
/// Files that cannot be evidence: each is named with a reason, none throws or blocks, and nothing outside the
/// task directory is read.
/// </summary>
public class EvidenceFileProblemTests
{
    [Fact]
    public async Task A_fifo_at_the_logs_path_is_named_and_never_opened()
    {
        using var task = new EvidenceTask();
        var log = task.StreamLog();
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        Assert.Equal(0, Syscall.mkfifo(log, FilePermissions.S_IRUSR | FilePermissions.S_IWUSR));

        // An open of a FIFO for reading waits for a writer; none will come, so a reader that opened it would hang here.
        var evidence = await Task.Run(task.Read).WaitAsync(TimeSpan.FromSeconds(10));

        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(log, problem.File);
        Assert.Contains("FIFO", problem.Problem, StringComparison.Ordinal);
        Assert.Null(evidence.Result);
    }

    [Fact]
    public void A_directory_where_the_progress_file_should_be_is_named()
    {
        using var task = new EvidenceTask();
        Directory.CreateDirectory(task.ProgressFile());

        var evidence = task.Read();

        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(task.ProgressFile(), problem.File);
        Assert.Contains("is a directory", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_last_line_that_is_not_utf8_is_named()
    {
        using var task = new EvidenceTask();
        byte[] latin1 = [.. Encoding.UTF8.GetBytes(EvidenceTask.Assistant("ok") + "\n{\"type\":\"result\",\"result\":\""), 0xE9, .. "t\u00e9\"}\n"u8.ToArray()];
        var log = EvidenceTask.WriteBytes(task.StreamLog(), latin1);

        var evidence = task.Read();

        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(log, problem.File);
        Assert.Contains("not valid UTF-8", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_of_binary_junk_is_named_and_not_read_as_a_result()
    {
        using var task = new EvidenceTask();
        var junk = new byte[100_000];
        new Random(7).NextBytes(junk);
        junk[^1] = (byte)'\n';
        var log = EvidenceTask.WriteBytes(task.StreamLog(), junk);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
        Assert.Equal(log, Assert.Single(evidence.Problems).File);
    }

    [Fact]
    public void A_log_that_links_outside_the_task_directory_is_named_and_not_read()
    {
        using var task = new EvidenceTask();
        var outside = EvidenceTask.Write(task.Outside("someone-elses_stream.jsonl"), [EvidenceTask.Result("success", isError: false)]);
        Directory.CreateDirectory(Path.Combine(task.Path, "logs"));
        File.CreateSymbolicLink(task.StreamLog(), outside);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(task.StreamLog(), problem.File);
        Assert.Contains("outside the task directory", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_logs_directory_that_links_outside_the_task_directory_is_named_and_not_read()
    {
        using var task = new EvidenceTask();
        var outside = task.Outside("other-logs");
        EvidenceTask.Write(Path.Combine(outside, $"{EvidenceTask.Agent}_stream.jsonl"), [EvidenceTask.Result("success", isError: false)]);
        Directory.CreateSymbolicLink(Path.Combine(task.Path, "logs"), outside);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
        Assert.Contains("outside the task directory", Assert.Single(evidence.Problems).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_log_that_links_to_a_file_inside_the_task_directory_is_read()
    {
        using var task = new EvidenceTask();
        var real = EvidenceTask.Write(task.Combine("logs", "claude-output.jsonl"), [EvidenceTask.Result("error_max_turns", isError: true)]);
        File.CreateSymbolicLink(task.StreamLog(), real);

        var evidence = task.Read();

        Assert.Equal(new StreamResult(task.StreamLog(), IsError: true, Subtype: "error_max_turns"), evidence.Result);
    }

    [Fact]
    public void A_dangling_link_at_the_logs_path_is_named()
    {
        using var task = new EvidenceTask();
        Directory.CreateDirectory(Path.Combine(task.Path, "logs"));
        File.CreateSymbolicLink(task.StreamLog(), task.Combine("logs", "gone.jsonl"));

        var evidence = task.Read();

        Assert.Contains("which does not exist", Assert.Single(evidence.Problems).Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_task_directory_without_logs_progress_or_archive_has_no_evidence_and_no_problem()
    {
        using var task = new EvidenceTask();

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }

    [Fact]
    public void A_task_directory_that_does_not_exist_is_named()
    {
        using var task = new EvidenceTask();
        var missing = task.Outside("TASK-gone");

        var evidence = AgentEvidenceReader.Read(missing, EvidenceTask.Agent, EvidenceTask.Terminal);

        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(missing, problem.File);
        Assert.Contains("does not exist", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_agent_id_with_a_slash_reads_nothing_and_is_named()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.Combine("logs", "sub/x_stream.jsonl"), [EvidenceTask.Result("success", isError: false)]);

        var evidence = AgentEvidenceReader.Read(task.Path, "sub/x", EvidenceTask.Terminal);

        Assert.Null(evidence.Result);
        Assert.Equal("sub/x", Assert.Single(evidence.Problems).File);
    }

    [Fact]
    public void A_cancelled_read_stops_with_cancellation()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Result("success", isError: false)]);

        Assert.Throws<OperationCanceledException>(() => AgentEvidenceReader.Read(task.Path, EvidenceTask.Agent, EvidenceTask.Terminal, new CancellationToken(canceled: true)));
    }
}
