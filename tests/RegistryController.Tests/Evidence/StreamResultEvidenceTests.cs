using System.Diagnostics;
using System.Text;
using RegistryController.Evidence;

namespace RegistryController.Tests.Evidence;

/// <summary>The stream log's last complete line, and only it, says how Claude ended.</summary>
public class StreamResultEvidenceTests
{
    [Fact]
    public void A_log_ending_with_a_successful_result_line_gives_that_result()
    {
        using var task = new EvidenceTask();
        var log = EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Fixing it"), EvidenceTask.Result("success", isError: false)]);

        var evidence = task.Read();

        Assert.Equal(new StreamResult(log, IsError: false, Subtype: "success"), evidence.Result);
        Assert.Empty(evidence.Problems);
    }

    [Theory]
    [InlineData("error_max_turns")]
    [InlineData("error_during_execution")]
    public void A_log_ending_with_an_error_result_gives_is_error_and_keeps_the_subtype(string subtype)
    {
        using var task = new EvidenceTask();
        var log = EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Trying"), EvidenceTask.Result(subtype, isError: true)]);

        var evidence = task.Read();

        Assert.Equal(new StreamResult(log, IsError: true, Subtype: subtype), evidence.Result);
    }

    [Fact]
    public void A_usage_limit_end_is_an_error_although_its_subtype_says_success()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Trying"), EvidenceTask.Result("success", isError: true, "You have hit your limit · resets 4pm (UTC)")]);

        var evidence = task.Read();

        Assert.True(evidence.Result?.IsError);
        Assert.Equal("success", evidence.Result?.Subtype);
    }

    [Fact]
    public void A_result_line_of_200_KB_is_read_whole()
    {
        using var task = new EvidenceTask();
        var longText = string.Concat(Enumerable.Repeat("The final report goes on. ", 8_000));
        var resultLine = EvidenceTask.Result("success", isError: false, longText);
        Assert.True(resultLine.Length > 200_000);
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Writing the report"), resultLine]);

        var evidence = AgentEvidenceReader.Read(task.Path, EvidenceTask.Agent, EvidenceTask.Terminal, out var bytesRead);

        Assert.Equal(false, evidence.Result?.IsError);
        Assert.True(bytesRead >= resultLine.Length, $"read {bytesRead} bytes of a {resultLine.Length}-byte line");
    }

    [Fact]
    public void A_50_MB_log_costs_only_its_last_line()
    {
        using var task = new EvidenceTask();
        var log = task.StreamLog();
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var filler = Encoding.UTF8.GetBytes(EvidenceTask.Assistant(new string('x', 1_000)) + "\n");
        var resultLine = Encoding.UTF8.GetBytes(EvidenceTask.Result("success", isError: false) + "\n");
        using (var file = File.Create(log))
        {
            while (file.Length < 50L * 1024 * 1024)
            {
                file.Write(filler);
            }

            file.Write(resultLine);
        }

        var clock = Stopwatch.StartNew();
        var evidence = AgentEvidenceReader.Read(task.Path, EvidenceTask.Agent, EvidenceTask.Terminal, out var bytesRead);
        clock.Stop();

        Assert.Equal(false, evidence.Result?.IsError);
        // One chunk (64 KiB) holds the last line; reading the whole file would be 800 times that.
        Assert.True(bytesRead <= 64 * 1024, $"read {bytesRead:N0} bytes of {new FileInfo(log).Length:N0} ({clock.Elapsed.TotalMilliseconds:0.#} ms)");
    }

    [Fact]
    public void A_log_only_in_archive_is_read_there()
    {
        using var task = new EvidenceTask();
        Directory.CreateDirectory(Path.Combine(task.Path, "logs"));
        var archived = EvidenceTask.Write(task.StreamLog("archive"), [EvidenceTask.Result("success", isError: false)]);

        var evidence = task.Read();

        Assert.Equal(new StreamResult(archived, IsError: false, Subtype: "success"), evidence.Result);
    }

    [Fact]
    public void A_log_in_logs_is_what_counts_even_when_archive_holds_another_with_a_result()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Still going")]);
        EvidenceTask.Write(task.StreamLog("archive"), [EvidenceTask.Result("success", isError: false)]);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
    }

    [Fact]
    public void A_torn_last_line_is_no_evidence_even_after_a_complete_result_line()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Result("success", isError: false)], tail: """{"type":"assistant","message":{"role":"assis""");

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }

    [Fact]
    public void A_result_line_without_its_newline_is_no_evidence()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Assistant("Done")], tail: EvidenceTask.Result("success", isError: false));

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }

    [Fact]
    public void A_complete_last_line_that_is_not_json_is_no_evidence_and_is_named_as_a_problem()
    {
        using var task = new EvidenceTask();
        var log = EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Result("success", isError: false), """{"type":"result","subtype":"succ"""]);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
        var problem = Assert.Single(evidence.Problems);
        Assert.Equal(log, problem.File);
        Assert.Contains("is not JSON", problem.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_last_line_that_is_not_a_result_is_no_evidence()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), [EvidenceTask.Result("success", isError: false), EvidenceTask.Assistant("One more thing")]);

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }

    [Fact]
    public void A_result_line_without_a_boolean_is_error_is_no_evidence_and_is_named_as_a_problem()
    {
        using var task = new EvidenceTask();
        var log = EvidenceTask.Write(task.StreamLog(), ["""{"type":"result","subtype":"success","is_error":"false"}"""]);

        var evidence = task.Read();

        Assert.Null(evidence.Result);
        Assert.Equal(log, Assert.Single(evidence.Problems).File);
        Assert.Contains("is_error", evidence.Problems[0].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_log_is_no_evidence()
    {
        using var task = new EvidenceTask();
        EvidenceTask.Write(task.StreamLog(), []);

        var evidence = task.Read();

        Assert.Same(AgentEvidence.None, evidence);
    }
}
