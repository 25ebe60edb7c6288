using System.Collections.Immutable;
using Microsoft.Data.Sqlite;

namespace RegistryController.Store.Sqlite;

/// <summary>An ending a repair of ours committed and that still stands, in the task <paramref name="TaskId"/>.</summary>
internal sealed record SqliteOwnEnding(string TaskId, AuditedEnding Ending);

internal sealed partial class SqliteStateStore
{
    // Ours and still standing: our message in the latest report, and the row's status and last_update those our
    // transaction wrote with it (any later orchestrator write to the row changes last_update or the latest report).
    private const string OwnEndingsSql = """
        SELECT l.task_id, l.agent_id, l.status, l.timestamp, l.message
          FROM agent_progress_latest AS l
          JOIN agents AS a ON a.task_id = l.task_id AND a.agent_id = l.agent_id
         WHERE substr(l.message, 1, @length) = @prefix AND a.status = l.status AND a.last_update = l.timestamp
         ORDER BY l.task_id, l.agent_id
        """;

    /// <summary>
    /// The endings our repairs committed that no one has written over since (their <c>agent_progress_latest</c> row
    /// still ours, the <c>agents</c> row still at its status and timestamp), read on a read-only connection: what a
    /// repair killed between its commit and its progress lines may have left without a line.
    /// </summary>
    public async Task<ImmutableArray<SqliteOwnEnding>> ReadOwnEndingsAsync(string databasePath, CancellationToken ct)
    {
        var path = CheckFile(databasePath);
        ct.ThrowIfCancellationRequested();
        try
        {
            await using var connection = await OpenAsync(path, SqliteOpenMode.ReadOnly, ct);
            CheckSchema(connection, path);
            await using var command = connection.CreateCommand();
            command.CommandText = OwnEndingsSql;
            command.Parameters.AddWithValue("@length", ProgressAudit.MessagePrefix.Length);
            command.Parameters.AddWithValue("@prefix", ProgressAudit.MessagePrefix);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var endings = ImmutableArray.CreateBuilder<SqliteOwnEnding>();
            while (await reader.ReadAsync(ct))
            {
                if (Text(reader, 0) is { } taskId && Text(reader, 1) is { } agentId && Text(reader, 2) is { } status
                    && Text(reader, 3) is { } timestamp && Text(reader, 4) is { } message)
                {
                    endings.Add(new SqliteOwnEnding(taskId, new AuditedEnding(agentId, status, timestamp, message)));
                }
            }

            return endings.ToImmutable();
        }
        catch (SqliteException e)
        {
            throw new SqliteStateException(path, Problem(e, writing: false), e);
        }
    }

    /// <summary>A cell as text, whatever its storage class (as <see cref="RowReader"/> reads the agents' cells).</summary>
    private static string? Text(SqliteDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        DBNull => null,
        string s => s,
        byte[] b => System.Text.Encoding.UTF8.GetString(b),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };
}
