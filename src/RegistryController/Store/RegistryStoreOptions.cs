namespace RegistryController.Store;

/// <summary>How registries are read and written. Configured under <c>Lock:</c>: the bound applies to the locked read.</summary>
public sealed record RegistryStoreOptions
{
    public const string Section = "Lock";

    /// <summary>Files larger than this are refused rather than read into memory.</summary>
    public long MaxFileBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>fsync after each write. Off only for benchmarks of the rest of the path.</summary>
    public bool Fsync { get; init; } = true;
}
