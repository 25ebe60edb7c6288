namespace RegistryController.Store.Sqlite;

/// <summary>The state database could not be read or repaired; the message names the file and the problem.</summary>
internal sealed class SqliteStateException(string databasePath, string problem, Exception? inner = null)
    : IOException($"{databasePath}: {problem}", inner)
{
    public string DatabasePath { get; } = databasePath;

    public string Problem { get; } = problem;
}
