using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RegistryController.Testing;

/// <summary>
/// The built <c>registryctl</c> executable as a real process with an environment of the test's
/// choosing: the way an operator, a cron job or a Kubernetes pod runs it, and the only way to see
/// what it exports before it exits.
/// </summary>
public sealed class RegistryctlProcess : IAsyncDisposable
{
    /// <summary>Variables from the test runner's own environment that would change what the process does.</summary>
    private static readonly string[] ScrubbedPrefixes = ["OTEL_", "REGISTRYCTL_", "TMUX", "CLAUDE_ORCHESTRATOR_"];
    private static readonly string[] ScrubbedNames = ["POD_NAME", "POD_NAMESPACE", "NODE_NAME"];

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RegistryctlProcess(Process process)
    {
        _process = process;
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "registryctl");

    public int Id => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <param name="wrapper">A program (and its arguments) that runs registryctl, e.g. strace.</param>
    public static RegistryctlProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? wrapper = null)
    {
        Assert.True(File.Exists(Executable), $"no registryctl beside the test assembly in {AppContext.BaseDirectory}");
        var command = (wrapper ?? []).Append(Executable).Concat(arguments).ToList();
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => ScrubbedPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)) || ScrubbedNames.Contains(k)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var wrapped = new RegistryctlProcess(process);
        process.OutputDataReceived += (_, e) => Append(wrapped._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(wrapped._stderr, e.Data);
        process.Exited += (_, _) => wrapped._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return wrapped;
    }

    /// <summary>Runs a one-shot command to its end.</summary>
    public static async Task<CliResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, IEnumerable<string>? wrapper = null)
    {
        await using var process = Start(arguments, environment, wrapper);
        return await process.WaitForExitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Starts <c>registryctl run</c> on a workspace and its tmux server with the health listener on a
    /// free port, and returns once /readyz says the startup reconcile is done.
    /// </summary>
    public static async Task<RegistryctlProcess> StartControllerAsync(string workspace, string tmuxSocket, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArguments)
    {
        var port = FreePort();
        var process = Start(["run", "--workspace", workspace, "--tmux-socket", tmuxSocket, "--listen", $"127.0.0.1:{port}", .. extraArguments], environment);
        process.BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        using var client = new HttpClient { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (process._exited.Task.IsCompleted)
            {
                throw new InvalidOperationException($"registryctl run exited before it was ready:\n{process.Stderr}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await process.DisposeAsync();
                throw new TimeoutException($"registryctl run was not ready within 30 s:\n{process.Stderr}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>The health listener of a process started by <see cref="StartControllerAsync"/>.</summary>
    public Uri? BaseAddress { get; private set; }

    /// <summary>GETs a path of the health listener (e.g. metrics) and returns the body.</summary>
    public async Task<string> GetAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress ?? throw new InvalidOperationException("not a controller"), Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync(new Uri(path, UriKind.Relative));
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod, then waits for the process to exit.</summary>
    public async Task<CliResult> StopAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            Assert.Equal(0, Mono.Unix.Native.Syscall.kill(_process.Id, Mono.Unix.Native.Signum.SIGTERM));
        }

        return await WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    public async Task<CliResult> WaitForExitAsync(TimeSpan timeout)
    {
        if (await Task.WhenAny(_exited.Task, Task.Delay(timeout)) != _exited.Task)
        {
            throw new TimeoutException($"registryctl did not exit within {timeout}:\n{Stderr}");
        }

        // The exit event can come before the last output lines: this waits for the streams to end.
        await _process.WaitForExitAsync();
        return new CliResult(_process.ExitCode, Stdout, Stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_exited.Task.IsCompleted)
        {
            // Only this process and what it started (its tmux clients): never anything else.
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Append(StringBuilder into, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(line);
        }
    }
}
