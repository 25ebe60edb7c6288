using Microsoft.Extensions.Logging.Abstractions;
using RegistryController.Sources;
using RegistryController.Tests.Support;
using RegistryController.Tmux;

namespace RegistryController.Tests.Sources;

public class TmuxControlModeSourceTests
{
    [Fact]
    public async Task A_session_killed_while_attached_is_signalled_and_a_new_look_sees_it_gone()
    {
        await using var tmux = await TmuxTestServer.StartAsync(["agent_a", "agent_b", "agent_c"]);
        var views = new TmuxViewCache(tmux.ViewSource(), TimeProvider.System);
        await views.RefreshAsync(CancellationToken.None);
        var sawItGone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var source = new TmuxControlModeSource(tmux.Options, views, () => _ = LookAsync(), NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(stop.Token);

        async Task LookAsync()
        {
            var view = await views.RefreshAsync(CancellationToken.None);
            if (!view.View.Sessions.ContainsKey("agent_b"))
            {
                sawItGone.TrySetResult();
            }
        }

        await WaitUntil(() => source.Connected, TimeSpan.FromSeconds(10));
        await tmux.Server.KillSessionAsync("agent_b");

        await sawItGone.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
