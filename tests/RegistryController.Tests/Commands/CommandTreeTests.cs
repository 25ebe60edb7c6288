using System.CommandLine;
using Registryctl.Commands;

namespace RegistryController.Tests.Commands;

/// <summary>
/// Only the command the arguments name is built whole (start-up is paid by every invocation), and
/// nothing a user can type tells the difference from the whole tree.
/// </summary>
public class CommandTreeTests
{
    [Fact]
    public async Task The_root_help_is_the_whole_trees_root_help()
    {
        using var whole = new StringWriter();
        await RegistryctlCommand.Create().Parse(["--help"]).InvokeAsync(new InvocationConfiguration { Output = whole, Error = TextWriter.Null });

        var result = await RegistryctlInProcess.RunAsync("--help");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Equal(whole.ToString(), result.Stdout);
    }

    [Fact]
    public async Task Help_given_before_the_command_shows_that_commands_options()
    {
        var result = await RegistryctlInProcess.RunAsync("--help", "health");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("--grace", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_response_file_that_names_the_command_gets_that_commands_options()
    {
        using var temp = new TempDirectory();
        var file = temp.Combine("args.rsp");
        await File.WriteAllLinesAsync(file, ["repair", "--help"]);

        var result = await RegistryctlInProcess.RunAsync($"@{file}");

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("--dry-run", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shell_completion_of_a_commands_options_offers_them()
    {
        // The suggest directive carries the whole command line in one argument: no argument is the command's name.
        string[] args = ["[suggest:10]", "repair --d"];
        using var whole = new StringWriter();
        await RegistryctlCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = whole, Error = TextWriter.Null });

        var result = await RegistryctlInProcess.RunAsync(args);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        Assert.Contains("--dry-run", whole.ToString(), StringComparison.Ordinal);
        Assert.Equal(whole.ToString(), result.Stdout);
    }
}
