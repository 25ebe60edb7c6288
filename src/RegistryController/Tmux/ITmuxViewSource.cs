namespace RegistryController.Tmux;

/// <summary>Looks at tmux once. Implementations never throw for tmux's own failures: they return a broken view.</summary>
public interface ITmuxViewSource
{
    Task<TmuxView> GetViewAsync(CancellationToken cancellationToken);
}
