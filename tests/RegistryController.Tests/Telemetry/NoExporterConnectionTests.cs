using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;

namespace RegistryController.Tests.Telemetry;

/// <summary>
/// With nothing configured, telemetry must cost no connection: an operator who never set an
/// OTLP endpoint must not find registryctl dialling localhost:4317. strace sees every connect(2)
/// of the process and of the tmux client it starts, whatever library would make it.
/// </summary>
public class NoExporterConnectionTests
{
    [StraceFact]
    public async Task Health_with_nothing_configured_connects_to_nothing_but_its_tmux_socket()
    {
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));

        var connects = await ConnectsOfHealthAsync(workspace, new Dictionary<string, string>());

        var tmux = $"sa_family=AF_UNIX, sun_path=\"{workspace.Tmux.SocketPath}\"";
        Assert.Contains(connects, c => c.Contains(tmux, StringComparison.Ordinal));
        // glibc asks a name-service daemon (nscd, sssd) for user lookups where one runs, as on CI
        // hosts; that local socket is the machine's, not ours. Anything else is a connection we made.
        var ours = connects.Where(c => !NameServiceSockets.Any(s => c.Contains($"sun_path=\"{s}\"", StringComparison.Ordinal))).ToList();
        Assert.True(ours.All(c => c.Contains(tmux, StringComparison.Ordinal)), "unexpected connect(2):\n" + string.Join('\n', ours));
    }

    private static readonly string[] NameServiceSockets = ["/var/run/nscd/socket", "/run/nscd/socket", "/var/lib/sss/pipes/nss"];

    [StraceFact]
    public async Task Health_with_an_endpoint_configured_connects_to_it_as_strace_shows()
    {
        // The same observation with an exporter: it proves strace sees the connection the first test rules out.
        await using var workspace = await TmuxWorkspace.GenerateAsync(tasks: 1, new AgentMix(Live: 1, Zombie: 0));
        await using var receiver = await OtlpReceiver.StartAsync();
        var port = new Uri(receiver.Endpoint).Port;

        var connects = await ConnectsOfHealthAsync(workspace, receiver.ExporterEnvironment());

        Assert.Contains(connects, c => c.Contains(string.Create(CultureInfo.InvariantCulture, $"htons({port})"), StringComparison.Ordinal));
        Assert.True(receiver.Spans.Count > 0, "the exporter connected but nothing arrived");
    }

    /// <summary>Runs `registryctl health` under `strace -f -e trace=connect` and returns the connect(2) calls it made.</summary>
    private static async Task<List<string>> ConnectsOfHealthAsync(TmuxWorkspace workspace, IReadOnlyDictionary<string, string> environment)
    {
        var trace = Path.Combine(workspace.Outside, "connect.strace");
        var result = await RegistryctlProcess.RunAsync(
            ["health", "--workspace", workspace.Root, "--tmux-socket", workspace.Tmux.SocketPath],
            environment,
            wrapper: ["strace", "-f", "-qq", "-e", "trace=connect", "-e", "signal=none", "-o", trace]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. (await File.ReadAllLinesAsync(trace)).Where(l => l.Contains("connect(", StringComparison.Ordinal))];
    }
}

/// <summary>A fact that needs a working strace (apt-get install strace; .ci/run installs it), skipped with the reason otherwise.</summary>
public sealed class StraceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public StraceFactAttribute()
    {
        if (Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        try
        {
            var result = Cli.Wrap("strace").WithArguments(["-o", "/dev/null", "true"]).WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync().GetAwaiter().GetResult();
            return result.ExitCode == 0 ? null : $"strace cannot trace here (ptrace refused?): {result.StandardError.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "strace is not installed (apt-get install strace); .ci/run installs it";
        }
    }
}
