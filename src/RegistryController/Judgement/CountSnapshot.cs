using RegistryController.Registry;

namespace RegistryController.Judgement;

/// <summary>A registry's counters as written (null where the file has none).</summary>
public sealed record CountSnapshot(long? Active, long? TotalSpawned, long? Completed)
{
    public static CountSnapshot Of(RegistryModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new(model.ActiveCount, model.TotalSpawned, model.CompletedCount);
    }
}
