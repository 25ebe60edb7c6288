using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Testing;

/// <summary>
/// promtool and prometheus from Debian's <c>prometheus</c> package. The README's test command must
/// work on a fresh clone, so the first test that needs them installs the package (as .ci/run does).
/// </summary>
public static class PromTools
{
    private static readonly Lazy<string?> Missing = new(EnsureInstalled, LazyThreadSafetyMode.ExecutionAndPublication);

    public const string Promtool = "promtool";

    public const string Prometheus = "prometheus";

    /// <summary>Why promtool and prometheus cannot be had here, or null once both run.</summary>
    public static string? MissingReason => Missing.Value;

    public static async Task<BufferedCommandResult> RunAsync(string binary, IEnumerable<string> arguments, string workingDirectory)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        return await Cli.Wrap(binary).WithArguments(arguments).WithWorkingDirectory(workingDirectory)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(timeout.Token);
    }

    private static string? EnsureInstalled()
    {
        if (Runs(Promtool) && Runs(Prometheus))
        {
            return null;
        }

        var install = Run("sh", ["-c", "(apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus"]);
        if (Runs(Promtool) && Runs(Prometheus))
        {
            return null;
        }

        return $"promtool and prometheus are not installed and `apt-get install prometheus` failed (.ci/run installs it): {install}";
    }

    private static bool Runs(string binary) => Run(binary, ["--version"]) is null;

    /// <summary>Null on success, else what went wrong.</summary>
    private static string? Run(string binary, string[] arguments)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            var result = Cli.Wrap(binary).WithArguments(arguments).WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(timeout.Token).GetAwaiter().GetResult();
            return result.ExitCode == 0 ? null : $"exit {result.ExitCode}: {result.StandardError.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return e.Message;
        }
    }
}
