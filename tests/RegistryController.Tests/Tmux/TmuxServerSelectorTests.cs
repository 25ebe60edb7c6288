using CliWrap;
using CliWrap.Buffered;
using Mono.Unix.Native;
using RegistryController.Tmux;

namespace RegistryController.Tests.Tmux;

public class TmuxServerSelectorTests
{
    private static readonly string Uid = Syscall.getuid().ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A fake process environment: only the given variables are set.</summary>
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.Where(v => v.Name == name).Select(v => v.Value).FirstOrDefault();

    private static TmuxServerSelector Selector(TmuxOptions options, params (string Name, string Value)[] environment) =>
        new(options, Environment(environment));

    [Fact]
    public void A_socket_path_is_passed_with_dash_capital_s()
    {
        Assert.Equal(["-S", "/run/agents/tmux.sock"], Selector(new TmuxOptions { Socket = "/run/agents/tmux.sock" }).GlobalArguments());
    }

    [Fact]
    public void A_socket_name_is_passed_with_dash_capital_l()
    {
        Assert.Equal(["-L", "agents"], Selector(new TmuxOptions { SocketName = "agents" }).GlobalArguments());
    }

    [Fact]
    public void A_socket_path_wins_over_a_socket_name()
    {
        var options = new TmuxOptions { Socket = "/run/agents/tmux.sock", SocketName = "agents" };

        Assert.Equal(["-S", "/run/agents/tmux.sock"], Selector(options).GlobalArguments());
        Assert.Equal("/run/agents/tmux.sock", Selector(options).ExpectedSocketPath());
    }

    [Fact]
    public void The_default_server_takes_no_selection_arguments()
    {
        Assert.Empty(Selector(new TmuxOptions()).GlobalArguments());
    }

    [Fact]
    public void A_socket_path_is_expected_verbatim_whatever_the_environment()
    {
        var selector = Selector(new TmuxOptions { Socket = "/run/agents/tmux.sock" }, ("TMUX_TMPDIR", "/elsewhere"), ("TMUX", "/tmp/tmux-1000/work,42,0"));

        Assert.Equal("/run/agents/tmux.sock", selector.ExpectedSocketPath());
        Assert.Null(selector.TmpDir);
    }

    [Fact]
    public void With_no_selection_the_default_socket_is_in_tmp()
    {
        var selector = Selector(new TmuxOptions());

        Assert.Equal($"/tmp/tmux-{Uid}/default", selector.ExpectedSocketPath());
        Assert.Equal("/tmp", selector.TmpDir);
    }

    [Fact]
    public void A_socket_name_lives_in_the_uid_directory_under_TMUX_TMPDIR()
    {
        var selector = Selector(new TmuxOptions { SocketName = "agents" }, ("TMUX_TMPDIR", "/var/run/user/tmux"));

        Assert.Equal($"/var/run/user/tmux/tmux-{Uid}/agents", selector.ExpectedSocketPath());
    }

    [Fact]
    public void The_configured_tmp_dir_wins_over_the_environments_TMUX_TMPDIR()
    {
        var selector = Selector(new TmuxOptions { SocketName = "agents", TmpDir = "/configured" }, ("TMUX_TMPDIR", "/from-environment"));

        Assert.Equal($"/configured/tmux-{Uid}/agents", selector.ExpectedSocketPath());
        Assert.Equal("/configured", selector.TmpDir);
    }

    [Fact]
    public void An_empty_TMUX_TMPDIR_means_tmp_as_it_does_for_tmux()
    {
        // `TMUX_TMPDIR= tmux -L x list-sessions` (tmux 3.3a) says: error connecting to /tmp/tmux-UID/x.
        var selector = Selector(new TmuxOptions { SocketName = "x" }, ("TMUX_TMPDIR", string.Empty));

        Assert.Equal($"/tmp/tmux-{Uid}/x", selector.ExpectedSocketPath());
        Assert.Equal("/tmp", selector.TmpDir);
    }

    [Fact]
    public void An_empty_configured_tmp_dir_means_tmp_as_well()
    {
        var selector = Selector(new TmuxOptions { TmpDir = string.Empty }, ("TMUX_TMPDIR", "/from-environment"));

        Assert.Equal($"/tmp/tmux-{Uid}/default", selector.ExpectedSocketPath());
        Assert.Equal("/tmp", selector.TmpDir);
    }

    [Fact]
    public void Inside_a_tmux_session_the_default_server_is_the_one_named_in_TMUX()
    {
        var selector = Selector(new TmuxOptions(), ("TMUX", "/tmp/tmux-1000/work,4242,3"), ("TMUX_TMPDIR", "/elsewhere"));

        Assert.Equal("/tmp/tmux-1000/work", selector.ExpectedSocketPath());
    }

    [Fact]
    public void A_socket_name_is_not_overridden_by_TMUX()
    {
        var selector = Selector(new TmuxOptions { SocketName = "agents" }, ("TMUX", "/tmp/tmux-1000/work,4242,3"));

        Assert.Equal($"/tmp/tmux-{Uid}/agents", selector.ExpectedSocketPath());
    }

    [Fact]
    public void An_empty_TMUX_is_ignored()
    {
        var selector = Selector(new TmuxOptions(), ("TMUX", string.Empty));

        Assert.Equal($"/tmp/tmux-{Uid}/default", selector.ExpectedSocketPath());
    }

    [Fact]
    public void The_description_names_the_expected_socket()
    {
        Assert.Equal("socket /run/agents/tmux.sock", Selector(new TmuxOptions { Socket = "/run/agents/tmux.sock" }).Describe());
    }

    public static TheoryData<string> RealTmuxCases => ["socket path", "socket name under TMUX_TMPDIR", "default under TMUX_TMPDIR", "default named by TMUX", "socket name with TMUX set"];

    /// <summary>
    /// Real tmux with no server names the socket it tried ("error connecting to PATH"): the selector must
    /// expect that very path. Every case points into a temp directory, never at a real server.
    /// </summary>
    [Theory]
    [MemberData(nameof(RealTmuxCases))]
    public async Task The_selector_expects_the_socket_real_tmux_connects_to(string scenario)
    {
        using var temp = new TempDirectory();
        var name = $"registryctl-test-{Guid.NewGuid():N}";
        var (options, environment) = scenario switch
        {
            // TMUX is unset explicitly where the case has none: a test run inside tmux must not reach that server.
            "socket path" => (new TmuxOptions { Socket = temp.Combine("agents.sock") }, new Dictionary<string, string?> { ["TMUX"] = null }),
            "socket name under TMUX_TMPDIR" => (new TmuxOptions { SocketName = name }, new() { ["TMUX"] = null, ["TMUX_TMPDIR"] = temp.Path }),
            "default under TMUX_TMPDIR" => (new TmuxOptions(), new() { ["TMUX"] = null, ["TMUX_TMPDIR"] = temp.Path }),
            "default named by TMUX" => (new TmuxOptions(), new() { ["TMUX"] = temp.Combine("outer.sock") + ",4242,0", ["TMUX_TMPDIR"] = temp.Path }),
            "socket name with TMUX set" => (new TmuxOptions { SocketName = name }, new() { ["TMUX"] = temp.Combine("outer.sock") + ",4242,0", ["TMUX_TMPDIR"] = temp.Path }),
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        var selector = new TmuxServerSelector(options, v => environment.GetValueOrDefault(v));

        var result = await Cli.Wrap("tmux")
            .WithArguments([.. selector.GlobalArguments(), "list-sessions"])
            .WithEnvironmentVariables(environment)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.Equal($"error connecting to {selector.ExpectedSocketPath()} (No such file or directory)", result.StandardError.Trim());
    }
}
