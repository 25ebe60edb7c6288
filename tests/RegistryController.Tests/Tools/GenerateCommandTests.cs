using System.Text.Json.Nodes;
using RegistryController.Tools;

namespace RegistryController.Tests.Tools;

/// <summary>The workspace generator command (tools/RegistryController.Generate), run in-process.</summary>
public sealed class GenerateCommandTests
{
    [Fact]
    public async Task The_printed_health_line_checks_the_generated_workspace_against_its_private_tmux_server()
    {
        using var temp = new TempDirectory();
        var workspace = temp.Combine("ws");
        using var stdout = new StringWriter();
        var code = await ToolCommand.RunAsync(["--out", workspace, "--tasks", "3", "--live", "2", "--zombie", "1", "--dead-pane", "1", "--orphans", "2", "--keep-tmux"], stdout, TextWriter.Null);
        var socket = Path.Combine(GenerateCommand.TmuxDirectory(workspace), "tmux.sock");
        try
        {
            Assert.Equal(0, code);
            var line = stdout.ToString().Split('\n').Single(l => l.StartsWith("registryctl health ", StringComparison.Ordinal)).Trim();
            Assert.Equal($"registryctl health -w {workspace} -S {socket}", line);

            // Pasted: the same flags, through registryctl's own entry point.
            var health = await RegistryctlInProcess.RunAsync([.. line.Split(' ')[1..], "--json"]);
            var report = health.Report();
            var truth = JsonNode.Parse(await File.ReadAllTextAsync(GenerateCommand.GroundTruthPath(workspace)))!;
            Assert.Equal(truth["zombies"]!.AsArray().Count, report.GetProperty("summary").GetProperty("zombies").GetInt32());
            Assert.Equal(truth["orphan_sessions"]!.AsArray().Count, report.GetProperty("summary").GetProperty("orphans").GetInt32());
            Assert.Equal(6, truth["zombies"]!.AsArray().Count);
        }
        finally
        {
            await new RegistryController.Generation.PrivateTmuxServer(GenerateCommand.TmuxDirectory(workspace)).KillServerAsync();
        }
    }

    [Fact]
    public async Task With_tracked_files_every_agent_names_its_files_under_its_tasks_directory_as_the_orchestrator_does()
    {
        using var temp = new TempDirectory();
        var workspace = temp.Combine("ws");

        var code = await ToolCommand.RunAsync(["--out", workspace, "--tasks", "2", "--live", "0", "--zombie", "1", "--completed", "2", "--tracked-files", "--keep-tmux"], TextWriter.Null, TextWriter.Null);
        try
        {
            Assert.Equal(0, code);
            var tasks = Directory.GetDirectories(workspace, "TASK-*");
            Assert.Equal(2, tasks.Length);
            foreach (var task in tasks)
            {
                var registry = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(task, "AGENT_REGISTRY.json")))!;
                Assert.All(registry["agents"]!.AsArray(), agent =>
                {
                    var id = (string)agent!["id"]!;
                    var files = agent["tracked_files"]!.AsObject();
                    Assert.Equal(["prompt_file", "log_file", "progress_file", "findings_file", "deploy_log"], files.Select(f => f.Key));
                    Assert.Equal($"{task}/logs/{id}_stream.jsonl", (string?)files["log_file"]);
                    Assert.Equal($"{task}/progress/{id}_progress.jsonl", (string?)files["progress_file"]);
                });
            }
        }
        finally
        {
            await new RegistryController.Generation.PrivateTmuxServer(GenerateCommand.TmuxDirectory(workspace)).KillServerAsync();
        }
    }

    [Fact]
    public async Task A_directory_that_already_holds_files_is_refused_and_left_alone()
    {
        using var temp = new TempDirectory();
        var existing = temp.Combine("precious.txt");
        await File.WriteAllTextAsync(existing, "mine");
        using var stderr = new StringWriter();

        var code = await ToolCommand.RunAsync(["--out", temp.Path, "--keep-tmux"], TextWriter.Null, stderr);

        Assert.Equal(2, code);
        Assert.Contains("not empty", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal([existing], Directory.GetFileSystemEntries(temp.Path));
        Assert.False(Directory.Exists(GenerateCommand.TmuxDirectory(temp.Path)));
    }
}
