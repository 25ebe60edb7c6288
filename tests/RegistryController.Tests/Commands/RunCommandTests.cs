using System.Net;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary><c>registryctl run</c> in process: its settings checks and its health listener.</summary>
public class RunCommandTests
{
    [Fact]
    public async Task A_scan_interval_that_is_not_a_duration_exits_2_naming_the_setting()
    {
        using var workspace = new TempDirectory();
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await RegistryctlCommand.RunAsync(["run", "-w", workspace.Path, "--set", "Controller:ScanInterval=abc"], stdout, stderr);

        Assert.Equal(ExitCodes.CannotRun, exit);
        Assert.Contains("Controller:ScanInterval: 'abc' is not a duration", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_workspace_exits_2_naming_it()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("no-such-workspace");
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await RegistryctlCommand.RunAsync(["run", "-w", missing, "--listen", $"127.0.0.1:{FreePort.Next()}"], stdout, stderr);

        Assert.Equal(ExitCodes.CannotRun, exit);
        Assert.Contains($"the workspace {missing} does not exist", stderr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_says_503_until_the_startup_reconcile_is_done_then_200_and_healthz_says_200()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 2);
        var listen = $"127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri($"http://{listen}"), Timeout = TimeSpan.FromSeconds(5) };
        // The orchestrator holds a registry's lock: the startup read of it waits, so startup cannot finish.
        PythonLockHolder? holder = await PythonLockHolder.LockAsync(workspace.TaskRegistry(0), TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var run = RegistryctlCommand.RunAsync(
            ["run", "-w", workspace.Root, "-S", workspace.Tmux.SocketPath, "--listen", listen, "--set", "Lock:Timeout=60s"],
            TextWriter.Null,
            TextWriter.Null,
            stop.Token);
        try
        {
            HttpResponseMessage? first = null;
            await Eventually.Until(async () => (first = await TryGetAsync(http, "/readyz")) is not null || run.IsCompleted, TimeSpan.FromSeconds(15), "the listener answers");
            Assert.False(run.IsCompleted, $"run exited early with {(run.IsCompleted ? await run : 0)}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, first!.StatusCode);
            Assert.Contains("startup reconcile", await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);

            await holder.DisposeAsync();
            holder = null;

            await Eventually.Until(async () => (await TryGetAsync(http, "/readyz"))?.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(15), "readyz says 200 once the startup reconcile is done");
            var healthz = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
            Assert.Equal("ok\n", await healthz.Content.ReadAsStringAsync());
        }
        finally
        {
            if (holder is not null)
            {
                await holder.DisposeAsync();
            }

            await stop.CancelAsync();
            Assert.Equal(ExitCodes.Ok, await run.WaitAsync(TimeSpan.FromSeconds(20)));
        }
    }

    [Fact]
    public async Task Probes_refused_while_the_startup_reconcile_waits_log_no_errors()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 1);
        var listen = $"127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri($"http://{listen}"), Timeout = TimeSpan.FromSeconds(5) };
        var holder = await PythonLockHolder.LockAsync(workspace.TaskRegistry(0), TimeSpan.FromMinutes(5));
        await using var run = RegistryctlProcess.Start(["run", "-w", workspace.Root, "-S", workspace.Tmux.SocketPath, "--listen", listen, "--set", "Lock:Timeout=60s"]);
        var refused = 0;
        await Eventually.Until(async () => (await TryGetAsync(http, "/readyz"))?.StatusCode == HttpStatusCode.ServiceUnavailable && ++refused >= 3, TimeSpan.FromSeconds(30), "three probes refused while the registry is locked");

        await holder.DisposeAsync();
        await Eventually.Until(async () => (await TryGetAsync(http, "/readyz"))?.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready once the lock is released");
        var result = await run.StopAsync();

        var output = result.Stdout + result.Stderr;
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Health check", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_probes_and_metrics_answer_on_their_paths_with_or_without_a_trailing_slash_and_nothing_below_them_does()
    {
        await using var workspace = await TmuxWorkspace.CreateAsync(tasks: 1, liveAgentsPerTask: 1);
        var listen = $"127.0.0.1:{FreePort.Next()}";
        using var http = new HttpClient { BaseAddress = new Uri($"http://{listen}"), Timeout = TimeSpan.FromSeconds(5) };
        await using var run = RegistryctlProcess.Start(["run", "-w", workspace.Root, "-S", workspace.Tmux.SocketPath, "--listen", listen]);
        await Eventually.Until(async () => (await TryGetAsync(http, "/readyz"))?.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready");

        foreach (var (path, body) in new[] { ("/healthz", "ok\n"), ("/healthz/", "ok\n"), ("/readyz/", "ready\n"), ("/READYZ", "ready\n") })
        {
            var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path}: {answer.StatusCode}");
            Assert.Equal(body, await answer.Content.ReadAsStringAsync());
        }

        foreach (var path in new[] { "/metrics", "/metrics/" })
        {
            var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{path}: {answer.StatusCode}");
            Assert.Contains("# TYPE ", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        foreach (var path in new[] { "/", "/healthz/x", "/readyzz", "/metrics/x", "/nothing" })
        {
            var answer = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"{path}: {answer.StatusCode}");
        }

        await run.StopAsync();
    }

    private static async Task<HttpResponseMessage?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return await http.GetAsync(new Uri(path, UriKind.Relative));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
