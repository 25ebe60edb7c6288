using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using RegistryController.Judgement;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace RegistryController.Tests;

/// <summary>
/// The layers of the engine point down: leaves (telemetry names and instruments, cluster abstractions,
/// settings helpers) → the orchestrator's contract and tmux → the pure judgement → the stores → the
/// runtime → the one-shot pass and the controller. A type that uses a higher layer is in the wrong one.
/// </summary>
public class ArchitectureTests
{
    private static readonly Architecture Engine = new ArchLoader().LoadAssemblies(typeof(Reconciler).Assembly).Build();

    /// <summary>Bottom to top; namespaces of one layer may use each other.</summary>
    public static readonly string[][] Layers =
    [
        ["Telemetry", "Cluster", "Configuration"],
        ["Registry", "Locking", "Evidence", "Tmux", "Processes"],
        ["Judgement"],
        ["Store"],
        ["Runtime"],
        ["Pass", "Controller"],
    ];

    public static TheoryData<int> LayerIndexes => [.. Enumerable.Range(0, Layers.Length - 1)];

    [Theory]
    [MemberData(nameof(LayerIndexes))]
    public void A_layer_uses_nothing_above_it(int layer)
    {
        var above = Layers.Skip(layer + 1).SelectMany(l => l).ToArray();

        Types().That().Are(In(Layers[layer])).Should().NotDependOnAny(In(above)).Check(Engine);
    }

    [Fact]
    public void The_one_shot_pass_and_the_controller_are_siblings_that_do_not_use_each_other()
    {
        Types().That().Are(In(["Pass"])).Should().NotDependOnAny(In(["Controller"])).Check(Engine);
        Types().That().Are(In(["Controller"])).Should().NotDependOnAny(In(["Pass"])).Check(Engine);
    }

    [Fact]
    public void The_judgement_does_no_io()
    {
        Types().That().Are(In(["Judgement"])).Should()
            .NotDependOnAny(Types().That().ResideInNamespaceOrBelow("System.IO").Or().ResideInNamespaceOrBelow("System.Net").Or().ResideInNamespaceOrBelow("CliWrap"))
            .Check(Engine);
    }

    [Fact]
    public void Every_namespace_of_the_engine_is_in_a_layer()
    {
        var known = Layers.SelectMany(l => l).Select(n => "RegistryController." + n).ToArray();

        var strays = Engine.Types
            .Select(t => t.Namespace.FullName)
            .Where(n => n.StartsWith("RegistryController", StringComparison.Ordinal) && !known.Any(k => n == k || n.StartsWith(k + ".", StringComparison.Ordinal)))
            .Distinct()
            .ToList();

        Assert.Empty(strays);
    }

    private static ArchUnitNET.Fluent.Syntax.Elements.Types.GivenTypesConjunctionWithDescription In(string[] namespaces)
    {
        var types = Types().That().ResideInNamespaceOrBelow("RegistryController." + namespaces[0]);
        foreach (var ns in namespaces.Skip(1))
        {
            types = types.Or().ResideInNamespaceOrBelow("RegistryController." + ns);
        }

        return types.As(string.Join(", ", namespaces));
    }
}
