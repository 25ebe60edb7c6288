using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>What one read of a registry said about an agent.</summary>
/// <param name="At">Since the sampler started.</param>
public sealed record AgentSample(TimeSpan At, string Registry, string? Status, string? TerminationReason, string? ReconciledBy);

/// <summary>
/// Reads registries over and over while something else writes them, keeping every change it saw in one
/// agent's entry: the states in between, which a look at the end would miss. A read that meets a file
/// mid-write (empty, half written, locked) is skipped, as the orchestrator's own readers would fail it.
/// </summary>
public sealed class AgentStatusSampler : IAsyncDisposable
{
    private readonly string _agentId;
    private readonly IReadOnlyList<string> _registries;
    private readonly ConcurrentQueue<AgentSample> _changes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _loop;
    private int _reads;

    private AgentStatusSampler(string agentId, IReadOnlyList<string> registries)
    {
        _agentId = agentId;
        _registries = registries;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Whole reads that found the agent, over all registries.</summary>
    public int Reads => Volatile.Read(ref _reads);

    /// <summary>Each registry's first sample and every sample that differed from the one before it in that registry.</summary>
    public IReadOnlyList<AgentSample> Changes => [.. _changes];

    /// <param name="registries">Task registries (agents as a list) and global ones (agents by id), in any mix.</param>
    public static AgentStatusSampler Start(string agentId, params string[] registries) => new(agentId, registries);

    public async Task<IReadOnlyList<AgentSample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        return Changes;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var last = new Dictionary<string, AgentSample>(StringComparer.Ordinal);
        while (!_stop.IsCancellationRequested)
        {
            foreach (var registry in _registries)
            {
                if (Entry(RegistryJson.TryRead(registry)) is not { } agent)
                {
                    continue;
                }

                Interlocked.Increment(ref _reads);
                var sample = new AgentSample(_clock.Elapsed, registry, (string?)agent["status"], (string?)agent["termination_reason"], (string?)agent["reconciled_by"]);
                if (!last.TryGetValue(registry, out var previous) || previous with { At = sample.At } != sample)
                {
                    last[registry] = sample;
                    _changes.Enqueue(sample);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(2), CancellationToken.None);
        }
    }

    private JsonObject? Entry(JsonObject? registry) => registry?["agents"] switch
    {
        JsonArray list => list.LastOrDefault(a => (string?)a?["id"] == _agentId) as JsonObject,
        JsonObject byId => byId[_agentId] as JsonObject,
        _ => null,
    };
}
