using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

public class PythonJsonWriterTests
{
    [Theory]
    [InlineData(RegistryKind.Task)]
    [InlineData(RegistryKind.Global)]
    public void An_orchestrator_file_parsed_and_written_back_is_byte_identical(RegistryKind kind)
    {
        var path = kind == RegistryKind.Task ? FixtureFiles.TaskRegistry : FixtureFiles.GlobalRegistry;
        var original = File.ReadAllBytes(path);

        var (_, root) = RegistryParser.ParseForEdit(original, path, kind);

        Assert.Equal(original, PythonJsonWriter.Serialize(root));
    }
}
