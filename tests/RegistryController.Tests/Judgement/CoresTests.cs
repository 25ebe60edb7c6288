using RegistryController.Judgement;

namespace RegistryController.Tests.Judgement;

public class CoresTests
{
    [Fact]
    public void Every_piece_is_run_once()
    {
        var runs = new int[1000];

        Cores.For(runs.Length, i => Interlocked.Increment(ref runs[i]));

        Assert.All(runs, r => Assert.Equal(1, r));
    }

    [Fact]
    public void A_pieces_exception_comes_out_as_itself_not_wrapped()
    {
        var thrown = Assert.Throws<IOException>(() => Cores.For(100, i => throw new IOException($"piece {i}")));

        Assert.StartsWith("piece ", thrown.Message, StringComparison.Ordinal);
    }
}
