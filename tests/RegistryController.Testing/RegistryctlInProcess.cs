using System.Text.Json;
using Registryctl.Commands;

namespace RegistryController.Testing;

/// <summary>What one <c>registryctl</c> invocation printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The <c>--json</c> report on stdout, parsed.</summary>
    public JsonElement Report()
    {
        using var document = JsonDocument.Parse(Stdout);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs <c>registryctl</c> in-process through its real entry point, capturing both streams.</summary>
public static class RegistryctlInProcess
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await RegistryctlCommand.RunAsync(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }
}
