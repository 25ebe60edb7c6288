using System.Collections.Immutable;

namespace RegistryController.Runtime;

/// <summary>A key handed to a worker, with every trigger that asked for it since it was last taken.</summary>
public sealed record WorkItem<TKey>(TKey Key, ImmutableArray<Trigger> Triggers, int Failures, ImmutableArray<object> Causes)
    where TKey : notnull;
