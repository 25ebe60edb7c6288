using System.Text;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>Input the mutation suite found: the parser refuses it with a problem naming where it is, and never throws anything else.</summary>
public class RegistryParserHostileInputTests
{
    private static byte[] FixtureTask(Func<string, string> edit) =>
        Encoding.UTF8.GetBytes(edit(File.ReadAllText(FixtureFiles.TaskRegistry)));

    [Fact]
    public void A_lone_surrogate_escape_in_a_field_the_controller_reads_is_a_format_error_naming_the_field()
    {
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"status\": \"working\"", "\"status\": \"work\\ud800ing\""));

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, FixtureFiles.TaskRegistry, RegistryKind.Task));

        Assert.Contains("agents[1].status", error.Problem, StringComparison.Ordinal);
        Assert.Contains("lone UTF-16 surrogate", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_key_is_a_format_error_naming_its_place()
    {
        var global = File.ReadAllText(FixtureFiles.GlobalRegistry);
        var bytes = Encoding.UTF8.GetBytes(ReplaceFirst(global, "\"agents\": {", "\"agents\": {\n    \"x\\udfff\": {},"));

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseForEdit(bytes, FixtureFiles.GlobalRegistry, RegistryKind.Global));

        Assert.Contains("the key at byte", error.Problem, StringComparison.Ordinal);
        Assert.Contains("lone UTF-16 surrogate", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_lone_surrogate_escape_in_a_value_the_controller_does_not_read_is_written_back_as_it_was()
    {
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"progress\": 100", "\"progress\": \"x\\ud800y\""));

        var (_, root) = RegistryParser.ParseForEdit(bytes, FixtureFiles.TaskRegistry, RegistryKind.Task);

        Assert.Equal(bytes, PythonJsonWriter.Serialize(root));
    }

    [Fact]
    public async Task A_whole_number_too_long_for_pythons_json_module_is_a_format_error()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"max_agents\": 45", "\"max_agents\": 4" + new string('5', 4300)));
        await File.WriteAllBytesAsync(path, bytes);
        Assert.False(await Python.ParsesAsync(path), "python3 reads a 4,301-digit number: the premise of this test is gone");

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, path, RegistryKind.Task));

        Assert.Contains("4,301 digits", error.Problem, StringComparison.Ordinal);
        Assert.Contains("Python", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_whole_number_as_long_as_pythons_json_module_reads_is_accepted()
    {
        using var temp = new TempDirectory();
        var path = temp.Combine("AGENT_REGISTRY.json");
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"max_agents\": 45", "\"max_agents\": -4" + new string('5', 4299)));
        await File.WriteAllBytesAsync(path, bytes);
        Assert.True(await Python.ParsesAsync(path));

        var model = RegistryParser.Parse(bytes, path, RegistryKind.Task);

        Assert.Equal(13, model.Agents.Length);
    }

    [Fact]
    public void A_huge_value_where_a_counter_belongs_is_quoted_shortened_in_the_problem()
    {
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"active_count\": 1", "\"active_count\": \"" + new string('x', 3_000_000) + "\""));

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, FixtureFiles.TaskRegistry, RegistryKind.Task));

        Assert.StartsWith("\"active_count\" is \"xxxx", error.Problem, StringComparison.Ordinal);
        Assert.Contains("(3,000,002 characters)", error.Problem, StringComparison.Ordinal);
        Assert.True(error.Problem.Length < 200, $"{error.Problem.Length:N0} characters");
    }

    [Fact]
    public void A_huge_global_agent_id_is_quoted_shortened_in_the_problem()
    {
        var global = File.ReadAllText(FixtureFiles.GlobalRegistry);
        var bytes = Encoding.UTF8.GetBytes(ReplaceFirst(global, "\"agents\": {", "\"agents\": {\n    \"" + new string('a', 100_000) + "\": 1,"));

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, FixtureFiles.GlobalRegistry, RegistryKind.Global));

        Assert.Contains("(100,000 characters)", error.Problem, StringComparison.Ordinal);
        Assert.True(error.Problem.Length < 200, $"{error.Problem.Length:N0} characters");
    }

    [Fact]
    public void A_broken_literal_is_quoted_shortened_on_one_line_not_with_the_rest_of_the_file()
    {
        var bytes = FixtureTask(t => ReplaceFirst(t, "\"status\": \"INITIALIZED\",", "\"status\": tINITIALIZED\","));

        var error = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, FixtureFiles.TaskRegistry, RegistryKind.Task));

        Assert.StartsWith("not valid JSON at line 8", error.Problem, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Problem, StringComparison.Ordinal);
        Assert.True(error.Problem.Length < 250, $"{error.Problem.Length:N0} characters: {error.Problem}");
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the fixture has no {what}");
        return text[..at] + with + text[(at + what.Length)..];
    }
}
