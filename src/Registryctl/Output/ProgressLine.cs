namespace Registryctl.Output;

/// <summary>
/// A one-line "reading registries 412/1000" on stderr while a long pass runs. Only on a terminal,
/// only past a size where a person would otherwise wonder, and erased before the report prints.
/// </summary>
internal sealed class ProgressLine(int threshold = 200) : IProgress<(int Done, int Total)>, IDisposable
{
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Lock _gate = new();
    private long _lastTicks;
    private bool _shown;

    public void Report((int Done, int Total) value)
    {
        if (!_terminal || value.Total < threshold)
        {
            return;
        }

        lock (_gate)
        {
            var now = Environment.TickCount64;
            if (value.Done < value.Total && now - _lastTicks < 100)
            {
                return;
            }

            _lastTicks = now;
            _shown = true;
            Console.Error.Write($"\rreading registries {value.Done}/{value.Total}");
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_shown)
            {
                Console.Error.Write("\r\u001b[2K");
            }
        }
    }
}
