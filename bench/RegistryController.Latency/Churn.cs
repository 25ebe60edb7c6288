using System.Diagnostics;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using RegistryController.Generation;

/// <summary>
/// `churn` mode: session death → registry repaired while the tmux server is busy. Short-lived
/// sessions are created and destroyed every 100 ms throughout; agents' sessions are killed one
/// after another, every fifth time the session the controller's control client is attached to
/// (the oldest; asked of tmux) together with another agent's at the same instant, so that one dies
/// while the client is detached; halfway the tmux server is killed and started again with the
/// agents' sessions that were still alive, and the next death follows at once, before the client
/// can have attached again.
/// </summary>
internal static class Churn
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ChurnPeriod = TimeSpan.FromMilliseconds(100);

    public static async Task<Result> RunAsync(int events)
    {
        await using var lab = await Lab.StartAsync(tasks: events, new AgentMix(Live: 2, Zombie: 0, Completed: 3));
        var agents = AgentsBySession(lab);
        var alive = new List<string>(lab.Generated.Truth.LiveSessions);
        var result = new Result();
        using var churn = new ChurnLoop(lab.Tmux);
        var churning = churn.RunAsync();

        for (var i = 0; i < events && alive.Count > 2; i++)
        {
            if (i == events / 2)
            {
                await RestartServerAsync(lab, churn, alive, agents, result);
                continue;
            }

            if (i % 5 == 0)
            {
                var attached = await AttachedSessionAsync(lab.Tmux);
                if (attached is null || !agents.ContainsKey(attached))
                {
                    result.Notes.Add($"event {i}: the control client was on {attached ?? "no session"}, not an agent's");
                    continue;
                }

                result.AttachedWasOldest += attached == await OldestSessionAsync(lab.Tmux) ? 1 : 0;
                var companion = alive.First(s => s != attached);
                var killed = await KillAsync(lab, agents, [attached, companion], alive);
                Record(result, result.Attached, killed[0]);
                Record(result, result.Companions, killed[1]);
                continue;
            }

            Record(result, null, (await KillAsync(lab, agents, [alive[^1]], alive))[0]);
        }

        await churn.StopAsync();
        await churning;
        result.ChurnCycles = churn.Cycles;
        result.ChurnErrors = churn.Errors;
        result.WronglyTerminated = alive.Count(s => TerminatedNow(agents[s]));
        return result;
    }

    private static void Record(Result result, List<double>? subset, double? ms)
    {
        if (ms is not { } value)
        {
            result.Failures++;
            return;
        }

        result.All.Add(value);
        subset?.Add(value);
        if (result.RestartPending)
        {
            result.AfterRestart.Add(value);
        }
    }

    /// <summary>Kills the sessions in one tmux call (at one instant), then waits for each agent to read terminated.</summary>
    private static async Task<double?[]> KillAsync(Lab lab, Dictionary<string, Agent> agents, string[] sessions, List<string> alive)
    {
        var arguments = sessions.SelectMany((s, i) => i == 0 ? new[] { "kill-session", "-t", "=" + s } : [";", "kill-session", "-t", "=" + s]);
        if (Environment.GetEnvironmentVariable("CHURN_TRACE") is not null)
        {
            Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss.fff} kill {string.Join(", ", sessions)}; attached: {await ControlClientSessionAsync(lab.Tmux)}");
        }

        var clock = Stopwatch.StartNew();

        string? failure = null;
        try
        {
            await lab.Tmux.RunAsync(arguments);
        }
        catch (InvalidOperationException ex)
        {
            failure = ex.Message;
        }

        if (failure is not null)
        {
            if (!await ServerLostAsync(lab.Tmux, sessions))
            {
                throw new InvalidOperationException(failure);
            }

            // tmux 3.3a can crash (control_write on a control client still identifying itself,
            // tmux/tmux#4980) when a client attaches while sessions change: count it, and bring the
            // server back as a supervisor would, without the sessions this event meant to kill.
            Crashes.Add($"{DateTime.Now:HH:mm:ss.fff} the tmux server was gone at a kill ({failure.Split('\n')[0]})");
            foreach (var session in sessions)
            {
                alive.Remove(session);
            }

            await ChurnLoop.Current!.PauseAsync();
            await lab.Tmux.StartAsync(alive);
            ChurnLoop.Current.Resume();
        }

        foreach (var session in sessions)
        {
            alive.Remove(session);
        }

        var waits = sessions.Select(s => WaitTerminatedAsync(agents[s], clock)).ToArray();
        return await Task.WhenAll(waits);
    }

    /// <summary>Unplanned server losses seen while the harness ran (each one a tmux crash or restart it did not cause).</summary>
    public static List<string> Crashes { get; } = [];

    /// <summary>Whether the sessions to kill are all missing because the server went away (or was started afresh by the churn).</summary>
    private static async Task<bool> ServerLostAsync(PrivateTmuxServer tmux, string[] sessions)
    {
        var listed = await tmux.ListSessionsAsync();
        return !sessions.Any(listed.Contains);
    }

    private static async Task RestartServerAsync(Lab lab, ChurnLoop churn, List<string> alive, Dictionary<string, Agent> agents, Result result)
    {
        await churn.PauseAsync();
        await lab.Tmux.KillServerAsync();
        while ((await lab.Tmux.ListSessionsAsync()).Count > 0)
        {
            await Task.Delay(5);
        }

        // Back within a breath, as a supervisor restarts it: the mass guard holds the pass that would
        // terminate every agent, and the sessions are back before it would proceed.
        await lab.Tmux.StartAsync(alive);
        churn.Resume();
        result.RestartPending = true;

        // The next death at once, before the control client can have attached again; meanwhile, when
        // does tmux list the control client again?
        var attachedAgain = PollAsync(async () => await ControlClientSessionAsync(lab.Tmux) is not null, Deadline);
        var first = (await KillAsync(lab, agents, [alive[^1]], alive))[0];
        Record(result, null, first);
        var attached = await attachedAgain;
        result.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"server restart: the death right after it repaired in {first:0.0} ms; tmux listed the control client again {attached?.TotalMilliseconds:0} ms after the server was back"));
    }

    private static async Task<double?> WaitTerminatedAsync(Agent agent, Stopwatch clock)
    {
        while (clock.Elapsed < Deadline)
        {
            if (TerminatedNow(agent))
            {
                return clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(1);
        }

        Console.Error.WriteLine($"{agent.Id} in {agent.Path} was not repaired within {Deadline.TotalSeconds} s");
        return null;
    }

    private static bool TerminatedNow(Agent agent) =>
        Scenario.TryRead(agent.Path) is { } model && model.Agents.LastOrDefault(a => a.Id == agent.Id) is { Status: "terminated" };

    private static Dictionary<string, Agent> AgentsBySession(Lab lab)
    {
        var agents = new Dictionary<string, Agent>(StringComparer.Ordinal);
        foreach (var taskId in lab.Generated.TaskIds)
        {
            var path = lab.RegistryPath(taskId);
            foreach (var agent in Scenario.TryRead(path)!.Agents.Where(a => a.TmuxSession is not null))
            {
                agents[agent.TmuxSession!] = new Agent(agent.Id, path);
            }
        }

        return agents;
    }

    /// <summary>The session tmux says the control-mode client is on; polled while it is between sessions.</summary>
    private static async Task<string?> AttachedSessionAsync(PrivateTmuxServer tmux)
    {
        string? session = null;
        await PollAsync(async () => (session = await ControlClientSessionAsync(tmux)) is not null, TimeSpan.FromSeconds(2));
        return session;
    }

    private static async Task<string?> ControlClientSessionAsync(PrivateTmuxServer tmux)
    {
        var listing = await Cli.Wrap("tmux").WithArguments(["-S", tmux.SocketPath, "list-clients", "-F", "#{client_control_mode} #{client_session}"])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync();
        return listing.StandardOutput.Split('\n').Where(l => l.StartsWith("1 ", StringComparison.Ordinal)).Select(l => l[2..]).FirstOrDefault();
    }

    /// <summary>The longest-lived session: oldest creation time (whole seconds), then first by name.</summary>
    private static async Task<string?> OldestSessionAsync(PrivateTmuxServer tmux)
    {
        var listing = await tmux.RunAsync(["list-sessions", "-F", "#{session_created} #{session_name}"]);
        return listing.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', 2))
            .OrderBy(p => long.Parse(p[0], CultureInfo.InvariantCulture))
            .ThenBy(p => p[1], StringComparer.Ordinal)
            .Select(p => p[1])
            .FirstOrDefault();
    }

    private static async Task<TimeSpan?> PollAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > deadline)
            {
                return null;
            }

            await Task.Delay(5);
        }

        return clock.Elapsed;
    }

    private sealed record Agent(string Id, string Path);

    internal sealed class Result
    {
        public List<double> All { get; } = [];

        public List<double> Attached { get; } = [];

        public List<double> Companions { get; } = [];

        public List<double> AfterRestart { get; } = [];

        public List<string> Notes { get; } = [];

        public bool RestartPending { get; set; }

        public int AttachedWasOldest { get; set; }

        public int Failures { get; set; }

        public int ChurnCycles { get; set; }

        public int ChurnErrors { get; set; }

        public int WronglyTerminated { get; set; }

        public string Summary => string.Join(Environment.NewLine, Notes.Append(string.Create(CultureInfo.InvariantCulture,
            $"tmux server lost unplanned: {Crashes.Count}{string.Concat(Crashes.Select(c => Environment.NewLine + "  " + c))}{Environment.NewLine}churn: {ChurnCycles} sessions created and destroyed ({ChurnErrors} tmux errors); the control client's session was the oldest in {AttachedWasOldest} of {Attached.Count} kills; not repaired within {Deadline.TotalSeconds:0} s: {Failures}; agents still alive but terminated: {WronglyTerminated}")));
    }

    /// <summary>Every 100 ms one new short-lived session, and the one made two periods before it killed, in one tmux call.</summary>
    private sealed class ChurnLoop : IDisposable
    {
        private readonly PrivateTmuxServer _tmux;

        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _running = new(1, 1);
        private readonly Queue<string> _live = new();
        private int _sequence;

        public ChurnLoop(PrivateTmuxServer server)
        {
            _tmux = server;
            Current = this;
        }

        /// <summary>The loop of the run in progress (one at a time).</summary>
        public static ChurnLoop? Current { get; private set; }

        public int Cycles { get; private set; }

        public int Errors { get; private set; }

        public async Task RunAsync()
        {
            using var timer = new PeriodicTimer(ChurnPeriod);
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    await _running.WaitAsync(_stop.Token);
                    try
                    {
                        await CycleAsync();
                    }
                    finally
                    {
                        _running.Release();
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
            }
        }

        /// <summary>Waits for the cycle in progress and holds the loop (the server is about to go away).</summary>
        public async Task PauseAsync()
        {
            await _running.WaitAsync();
        }

        public void Resume() => _running.Release();

        public Task StopAsync() => _stop.CancelAsync();

        public void Dispose()
        {
            _stop.Dispose();
            _running.Dispose();
        }

        private async Task CycleAsync()
        {
            // Named after the agents' sessions, sorting after them: a tie in creation time never makes
            // a short-lived one the oldest, whose death the harness would then not be measuring.
            var name = string.Create(CultureInfo.InvariantCulture, $"agent_worker-{_sequence++:x6}");
            List<string> arguments = ["new-session", "-d", "-s", name, "cat"];
            _live.Enqueue(name);
            if (_live.Count > 2)
            {
                arguments.AddRange([";", "kill-session", "-t", "=" + _live.Dequeue()]);
            }

            try
            {
                await _tmux.RunAsync(arguments);
                Cycles++;
            }
            catch (InvalidOperationException)
            {
                Errors++;
            }
        }
    }
}
