using System.Diagnostics;
using System.Text;

namespace RegistryController.Testing;

/// <summary>
/// The orchestrator's writers and readers in python3 (embedded in this assembly), written out to run:
/// the simulator (careful flock writer or careless writer, with tmux sessions) and the locked or unlocked reader.
/// </summary>
public static class OrchestratorScripts
{
    public const string Simulator = "orchestrator_sim.py";
    public const string Reader = "registry_reader.py";

    /// <summary>Writes the script into <paramref name="directory"/> and returns its path.</summary>
    public static string Extract(string name, string directory)
    {
        var assembly = typeof(OrchestratorScripts).Assembly;
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {assembly.GetName().Name}");
        var path = Path.Combine(directory, name);
        using var file = File.Create(path);
        stream.CopyTo(file);
        return path;
    }

    /// <summary>Starts python3 on a script with its output and errors captured.</summary>
    public static PythonProcess Start(string script, params string[] arguments)
    {
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return new PythonProcess(Process.Start(info) ?? throw new InvalidOperationException("python3 did not start"));
    }
}

/// <summary>A running python3 whose stdout lines and stderr are collected as they come.</summary>
public sealed class PythonProcess : IDisposable
{
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PythonProcess(Process process)
    {
        Process = process ?? throw new ArgumentNullException(nameof(process));
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _firstLine.TrySetResult(string.Empty);
                return;
            }

            lock (_stdout)
            {
                _stdout.AppendLine(e.Data);
            }

            _firstLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    /// <summary>The first line the script prints (its "ready"), or empty if it exits first.</summary>
    public Task<string> FirstLine => _firstLine.Task;

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

    /// <summary>Waits for the exit (and for the output to be drained); throws when it takes longer than <paramref name="timeout"/>.</summary>
    public async Task<int> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await Process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"python3 {Process.StartInfo.ArgumentList.FirstOrDefault()} still running after {timeout.TotalSeconds:0} s: {Stderr}");
        }

        return Process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        Process.Dispose();
    }
}
