namespace Registryctl.Output;

/// <summary>ANSI colour, on only for a terminal and never when NO_COLOR is set (no-color.org).</summary>
internal sealed class ConsoleStyle(bool enabled)
{
    public bool Enabled { get; } = enabled;

    public static ConsoleStyle ForStdout(bool noColorFlag) =>
        new(!noColorFlag && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public string Red(string text) => Wrap("31", text);

    public string Green(string text) => Wrap("32", text);

    public string Yellow(string text) => Wrap("33", text);

    public string Cyan(string text) => Wrap("36", text);

    public string Dim(string text) => Wrap("2", text);

    public string Bold(string text) => Wrap("1", text);

    private string Wrap(string code, string text) => Enabled ? $"\u001b[{code}m{text}\u001b[0m" : text;
}
