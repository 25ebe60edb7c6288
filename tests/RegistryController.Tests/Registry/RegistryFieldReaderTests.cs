using System.Text;
using System.Text.Unicode;
using RegistryController.Registry;

namespace RegistryController.Tests.Registry;

/// <summary>
/// The fast read of a registry says exactly what the thorough parse says of every file the orchestrator writes, and
/// of any other file either the same or nothing (the thorough parse then decides): it never accepts a file the
/// thorough parse refuses, and never reads a field differently.
/// </summary>
public sealed class RegistryFieldReaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    [Fact]
    public void The_orchestrators_own_registries_are_read_fast_and_as_the_thorough_parse_reads_them()
    {
        foreach (var (name, kind, bytes) in Sources())
        {
            var fast = RegistryFieldReader.TryRead(bytes, kind);

            Assert.True(fast is not null, $"{name}: the fast read gave up on a registry the orchestrator wrote");
            AssertSame(RegistryParser.ParseThoroughly(bytes, name, kind), fast, name);
        }
    }

    [Fact]
    public void A_mutated_registry_is_read_as_the_thorough_parse_reads_it_or_left_to_it()
    {
        var mutator = new RegistryMutator(20261130, Sources(), () => "2099-01-01T00:00:00.000000");
        var (accepted, declined, refused) = (0, 0, 0);
        for (var number = 0; number < 1200; number++)
        {
            var mutant = mutator.Next(number);
            if (mutant.Planted != PlantedKind.None || mutant.Bytes.Length == 0 || !Utf8.IsValid(mutant.Bytes))
            {
                continue;
            }

            var fast = RegistryFieldReader.TryRead(mutant.Bytes, mutant.Kind);
            RegistryModel thorough;
            try
            {
                thorough = RegistryParser.ParseThoroughly(mutant.Bytes, mutant.Source, mutant.Kind);
            }
            catch (RegistryFormatException error)
            {
                Assert.True(fast is null, $"{mutant}: the fast read accepted what the thorough parse refuses ({error.Problem})");
                refused++;
                continue;
            }

            if (fast is null)
            {
                declined++;
                continue;
            }

            AssertSame(thorough, fast, mutant.ToString());
            accepted++;
        }

        // The mutants reach all three ways: read fast, left to the thorough parse, refused.
        Assert.True(accepted > 100 && declined > 0 && refused > 100, $"accepted {accepted}, declined {declined}, refused {refused}");
    }

    [Fact]
    public void A_refused_registry_gets_the_thorough_parses_words_from_the_fast_path_too()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"agents\": [{\"id\": \"a-0\", \"status\": 3}]}");

        var fast = Assert.Throws<RegistryFormatException>(() => RegistryParser.Parse(bytes, "/w/T/AGENT_REGISTRY.json", RegistryKind.Task));
        var thorough = Assert.Throws<RegistryFormatException>(() => RegistryParser.ParseThoroughly(bytes, "/w/T/AGENT_REGISTRY.json", RegistryKind.Task));

        Assert.Equal(thorough.Message, fast.Message);
    }

    // Of a global entry the fast read keeps only what the verdict reads.
    private static void AssertSame(RegistryModel expected, RegistryModel? actual, string what) =>
        RegistryModels.AssertEqual(RegistryModels.Kept(expected), actual, what);

    private List<(string Name, RegistryKind Kind, byte[] Bytes)> Sources() => RegistrySamples.Written(_temp.Combine("generated"));

    public void Dispose() => _temp.Dispose();
}
