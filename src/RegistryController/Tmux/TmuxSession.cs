namespace RegistryController.Tmux;

/// <summary>A session and the liveness of its panes.</summary>
public sealed record TmuxSession(string Name, DateTimeOffset? Created, int Panes, int DeadPanes)
{
    /// <summary>Every pane's process has exited (only visible under <c>remain-on-exit</c>).</summary>
    public bool AllPanesDead => Panes > 0 && DeadPanes == Panes;
}
