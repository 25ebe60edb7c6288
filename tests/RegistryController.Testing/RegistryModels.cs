using RegistryController.Registry;

namespace RegistryController.Testing;

/// <summary>Comparing models read two ways (a record's ImmutableArray compares by reference, not by content).</summary>
internal static class RegistryModels
{
    /// <summary>What the fast read keeps of <paramref name="model"/>: of a global registry's entries, only what the verdict reads.</summary>
    public static RegistryModel Kept(RegistryModel model) =>
        model.Kind == RegistryKind.Global ? model with { Agents = [.. model.Agents.Select(RegistryFieldReader.AsKept)] } : model;

    public static void AssertEqual(RegistryModel expected, RegistryModel? actual, string what)
    {
        Assert.True(actual is not null, $"{what}: no model");
        Assert.True(expected with { Agents = [] } == actual with { Agents = [] }, $"{what}: {expected with { Agents = [] }} against {actual with { Agents = [] }}");
        Assert.True(expected.Agents.Length == actual.Agents.Length, $"{what}: {expected.Agents.Length} agents against {actual.Agents.Length}");
        for (var i = 0; i < expected.Agents.Length; i++)
        {
            Assert.True(expected.Agents[i] == actual.Agents[i], $"{what}: agent {i}: {expected.Agents[i]} against {actual.Agents[i]}");
        }
    }
}
