using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Tests.Deploy;

public class SystemdUnitTests
{
    private static readonly string Unit = DeployTools.Path("deploy", "systemd", "registry-controller.service");

    private static Dictionary<string, List<string>> Settings() =>
        File.ReadAllLines(Unit)
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2))
            .GroupBy(p => p[0], p => p[1])
            .ToDictionary(g => g.Key, g => g.ToList());

    [Fact]
    public async Task Systemd_accepts_the_unit()
    {
        using var temp = new TempDirectory();
        // verify checks that ExecStart's binary exists: point it at one that does.
        var copy = temp.Combine("registry-controller.service");
        await File.WriteAllTextAsync(copy, (await File.ReadAllTextAsync(Unit)).Replace("/opt/registry-controller/registryctl", "/bin/true", StringComparison.Ordinal));

        var result = await Cli.Wrap("systemd-analyze").WithArguments(["verify", copy]).WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();

        Assert.True(result.ExitCode == 0 && result.StandardError.Length == 0, result.StandardError);
    }

    [Fact]
    public void The_unit_keeps_the_hosts_tmp_so_that_the_tmux_socket_stays_visible()
    {
        var settings = Settings();

        Assert.Equal(["no"], settings["PrivateTmp"]);
        Assert.Contains(settings["Environment"], e => e.StartsWith("REGISTRYCTL_Tmux__Socket=/tmp/tmux-", StringComparison.Ordinal));
    }

    [Fact]
    public void The_unit_writes_only_the_workspace_it_watches()
    {
        var settings = Settings();

        Assert.Equal(["strict"], settings["ProtectSystem"]);
        Assert.Equal(["yes"], settings["NoNewPrivileges"]);
        var workspace = settings["ExecStart"].Single().Split(' ').SkipWhile(a => a != "--workspace").ElementAt(1);
        Assert.Equal([workspace], settings["ReadWritePaths"]);
    }
}
