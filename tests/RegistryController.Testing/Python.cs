using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Testing;

/// <summary>Runs python3 for what only Python can say: what json.dumps writes, and what json.loads accepts.</summary>
public static class Python
{
    public static async Task<string> RunAsync(string script, params string[] arguments)
    {
        var result = await Cli.Wrap("python3").WithArguments(["-c", script, .. arguments])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return result.ExitCode == 0
            ? result.StandardOutput
            : throw new InvalidOperationException($"python3 failed ({result.ExitCode}): {result.StandardError}");
    }

    /// <summary>Rewrites a file as the orchestrator would: <c>json.dumps(json.load(f), indent=2)</c>.</summary>
    public static Task DumpAsync(string path) => RunAsync(
        "import json,sys; p=sys.argv[1]; d=json.load(open(p)); open(p,'w').write(json.dumps(d, indent=2))", path);

    /// <summary>True when Python's json.loads accepts the file.</summary>
    public static async Task<bool> ParsesAsync(string path) =>
        (await RunAsync("import json,sys\ntry:\n json.load(open(sys.argv[1], encoding='utf-8')); print('ok')\nexcept Exception as e: print('bad', e)", path)).StartsWith("ok", StringComparison.Ordinal);
}
