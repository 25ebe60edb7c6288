using System.Diagnostics;
using System.Globalization;

namespace RegistryController.Testing;

/// <summary>
/// A real process this test started and only this test ends: a sleeper standing in for an agent's claude or
/// cursor-agent process. Disposing kills it (and its children) if it still runs.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process, int pid)
    {
        _process = process;
        Pid = pid;
    }

    /// <summary>The pid standing for the agent: the sleeper's own, or the defunct grandchild's.</summary>
    public int Pid { get; }

    /// <summary>A running sleeper, under <paramref name="executable"/> (a copy of sleep under another name, say).</summary>
    public static ChildProcess StartSleeper(string executable = "sleep")
    {
        var process = Process.Start(new ProcessStartInfo(executable, "600") { UseShellExecute = false })
            ?? throw new InvalidOperationException($"{executable} did not start");
        return new ChildProcess(process, process.Id);
    }

    /// <summary>
    /// A python3 parent whose child has exited and is never reaped: <see cref="Pid"/> is that child, a defunct
    /// process (state Z) for as long as the parent lives.
    /// </summary>
    public static async Task<ChildProcess> StartDefunctAsync()
    {
        const string Script = "import os, sys\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\nsys.stdin.read()";
        var process = Process.Start(new ProcessStartInfo("python3") { ArgumentList = { "-c", Script }, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardInput = true })
            ?? throw new InvalidOperationException("python3 did not start");
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))
            ?? throw new InvalidOperationException("python3 said no pid");
        return new ChildProcess(process, int.Parse(line, CultureInfo.InvariantCulture));
    }

    /// <summary>Kills the process and waits until it is reaped: its pid then names nothing.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}
