using System.Globalization;
using RegistryController.Store.Sqlite;
using Xunit.Abstractions;

namespace RegistryController.Tests.Store.Sqlite;

/// <summary>
/// How long the orchestrator's writers wait on our repairs: a python3 writer runs update_agent_status-style
/// transactions (BEGIN IMMEDIATE, UPDATE, COMMIT) and times each BEGIN while ApplyAsync repairs in a loop.
/// The figures go to the test output (docs/reliability.md, "SQLite repairs and the orchestrator's writers"):
/// <c>SQLITE_WAIT_TRANSACTIONS=2000 dotnet test tests/RegistryController.Tests --no-build --filter FullyQualifiedName~SqliteWriterWaitTests --logger "console;verbosity=detailed"</c>
/// </summary>
public sealed class SqliteWriterWaitTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task An_orchestrator_writer_never_waits_on_repairs_in_a_loop_for_anywhere_near_its_10_s_busy_timeout()
    {
        var transactions = int.TryParse(Environment.GetEnvironmentVariable("SQLITE_WAIT_TRANSACTIONS"), CultureInfo.InvariantCulture, out var n) ? n : 500;
        var db = OrchestratorSqlite.CopyFixture(_dir.Path);
        var store = new SqliteStateStore(new SqliteStoreOptions());

        var writer = OrchestratorSqlite.TimedWriterAsync(db, "investigator-092433-a80fa8", transactions, TimeSpan.FromMilliseconds(2));
        var held = new List<double>();
        var applied = 0;
        var forward = true;
        while (!writer.IsCompleted)
        {
            // Two real repairs per transaction, then their undoing, so that every loop writes rows, not only locks.
            (string From, string To) builder = forward ? ("running", "terminated") : ("terminated", "running");
            (string From, string To) documenter = forward ? ("running", "completed") : ("completed", "running");
            var now = DateTime.Now.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            var result = await store.ApplyAsync(db,
            [
                new(OrchestratorSqlite.TaskId, "builder-092433-ebff80", builder.From, builder.To, now, "wait test"),
                new(OrchestratorSqlite.TaskId, "documenter-092433-0638dd", documenter.From, documenter.To, now, "wait test"),
            ], CancellationToken.None);
            held.Add(result.LockHeld.TotalMilliseconds);
            applied += result.Applied.Length;
            forward = !forward;
        }

        var waits = await writer;
        output.WriteLine($"orchestrator writer, {waits.Length} BEGIN IMMEDIATE waits: {Summary(waits)}");
        output.WriteLine($"ApplyAsync, {held.Count} repairs ({applied} rows applied), write lock held: {Summary([.. held])}");
        Assert.Equal(transactions, waits.Length);
        Assert.True(applied > 0, "no repair ran while the writer did");
        Assert.True(waits.Max() < 1000, $"a writer waited {waits.Max():0.0} ms");
        Assert.Equal("ok", await OrchestratorSqlite.IntegrityCheckAsync(db));
    }

    private static string Summary(double[] samples)
    {
        Array.Sort(samples);
        double P(double q) => samples[Math.Min(samples.Length - 1, (int)Math.Ceiling(q * samples.Length) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"p50 {P(0.50):0.000} ms, p99 {P(0.99):0.000} ms, max {samples[^1]:0.000} ms");
    }
}
