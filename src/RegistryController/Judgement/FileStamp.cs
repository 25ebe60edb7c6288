namespace RegistryController.Judgement;

/// <summary>
/// What a registry file was when a snapshot read it (inode, size, modification time to the nanosecond): the same
/// stamp on the file later means the snapshot still holds what the file holds, and it need not be read again.
/// </summary>
internal readonly record struct FileStamp(ulong Inode, long Size, long MTime, long MTimeNanoseconds);
