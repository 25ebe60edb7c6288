using Registryctl.Commands;
using Xunit.Abstractions;

namespace RegistryController.Tests.Commands;

/// <summary>
/// Bad input, in bulk: hundreds (or, with <c>TORTURE_MUTANTS=1000</c>, thousands) of mutated
/// registries, each put among good ones and given to a real <c>registryctl repair</c>. python3's
/// json module is the oracle for "is it JSON", a small Python model of the contract for "is it a
/// registry" and "which agents are zombies". See docs/reliability-faults.md.
/// </summary>
public class MutantRegistryTests(MutantRepairRun run, ITestOutputHelper output) : IClassFixture<MutantRepairRun>
{
    [Fact]
    public void Repair_never_crashes_on_a_mutant_registry()
    {
        var crashes = run.Observations
            .Where(o => o.Result.ExitCode is not (ExitCodes.Ok or ExitCodes.Discrepancies)
                || o.Result.Stderr.Contains("Unhandled exception", StringComparison.Ordinal)
                || o.Entry is null
                || o.ParserCrash is not null)
            .Select(o => $"{run.Describe(o)}: exit {o.Result.ExitCode}, parser {o.ParserCrash ?? "ok"}, stderr {Head(o.Result.Stderr)}")
            .ToList();

        AssertNone(crashes);
    }

    [Fact]
    public void A_mutant_that_python_or_our_parser_rejects_is_never_written_and_is_reported_by_path_with_a_clear_error()
    {
        var rejected = run.Observations.Where(o => o.PythonRejects || o.WeReject || o.Mutant.Planted != PlantedKind.None).ToList();
        var problems = rejected
            .Where(o => !o.Unchanged
                || o.Written
                || o.Result.ExitCode != ExitCodes.Discrepancies
                || o.Entry?.GetProperty("status").GetString() != "unreadable"
                || !IsClear(o.Error))
            .Select(o => $"{run.Describe(o)}: unchanged {o.Unchanged}, written {o.Written}, exit {o.Result.ExitCode}, status {o.Entry?.GetProperty("status").GetString()}, error {o.Error}")
            .ToList();

        Assert.True(rejected.Count >= run.Observations.Count / 4, $"only {rejected.Count} of {run.Observations.Count} mutants were rejected: the generator lost its teeth");
        AssertNone(problems);
    }

    [Fact]
    public void Our_parser_rejects_every_mutant_that_python_rejects()
    {
        var problems = run.Observations
            .Where(o => o.PythonRejects && !o.WeReject)
            .Select(o => $"{run.Describe(o)}: python says {o.Python!.Why}, our parser accepts it")
            .ToList();

        AssertNone(problems);
    }

    [Fact]
    public void Our_parser_accepts_every_valid_registry_python_accepts_unless_it_leans_on_a_python_quirk()
    {
        var candidates = run.Observations.Where(o => o.Python is { Json: true, Valid: true, Quirks.Count: 0 }).ToList();
        var problems = candidates
            .Where(o => o.WeReject)
            .Select(o => $"{run.Describe(o)}: a valid registry to python, but our parser says {o.OurProblem ?? o.ParserCrash}")
            .ToList();
        var disagreements = run.Observations
            .Where(o => o.Python is { Json: true, Valid: false, Quirks.Count: 0 } && !o.WeReject)
            .Select(o => $"{run.Describe(o)}: not a registry to the python model ({o.Python!.Why}), but our parser accepts it")
            .ToList();

        Assert.True(candidates.Count >= run.Observations.Count / 10, $"only {candidates.Count} valid mutants: the reverse direction was hardly tested");
        AssertNone([.. problems, .. disagreements]);
    }

    [Fact]
    public void A_valid_mutant_is_repaired_when_it_has_zombies_and_only_terminations_and_counters_change()
    {
        var valid = run.Observations.Where(o => o.Python is { Json: true, Valid: true } && !o.WeReject).ToList();
        var problems = valid
            .Where(o => o.Error is not null
                || (o.Python!.Zombies.Count > 0 && !o.Written)
                || (!o.Written && !o.Unchanged))
            .Select(o => $"{run.Describe(o)}: error {o.Error}, zombies [{string.Join(", ", o.Python!.Zombies)}], written {o.Written}, unchanged {o.Unchanged}")
            .Concat(run.WrittenProblems.Select(p => $"{p} [seed {run.Seed}; mutants in {run.KeptDirectory}]"))
            .ToList();

        Assert.True(valid.Count(o => o.Python!.Zombies.Count > 0) >= 3, "fewer than 3 valid mutants with zombies: the repair path was hardly tested");
        AssertNone(problems);
    }

    [Fact]
    public void The_good_registries_beside_a_mutant_are_still_repaired()
    {
        var problems = run.Observations
            .Where(o => o.GoodProblems.Count > 0)
            .Select(o => $"{run.Describe(o)}: {string.Join("; ", o.GoodProblems.Take(3))}")
            .ToList();

        AssertNone(problems);
    }

    [Fact]
    public void The_run_covers_every_mutation_and_every_thing_planted_instead_of_a_file()
    {
        output.WriteLine(run.Summary);
        var seen = run.Observations.SelectMany(o => o.Mutant.Operations.Split(" + ")).ToHashSet(StringComparer.Ordinal);

        Assert.All(run.OperationNames, op => Assert.Contains(op, seen));
        Assert.All(Enum.GetValues<PlantedKind>().Skip(1), k => Assert.Contains("planted-" + k.ToString().ToLowerInvariant(), seen));
    }

    /// <summary>A message a person can act on: says something, and is not a stack trace or a bare exception name.</summary>
    private static bool IsClear(string? error) =>
        error is { Length: > 5 and < 600 }
        && !error.Contains("Exception", StringComparison.Ordinal)
        && !error.Contains("   at ", StringComparison.Ordinal);

    private static string Head(string text) => text.Length > 300 ? text[..300] + "…" : text;

    private void AssertNone(List<string> problems)
    {
        if (problems.Count > 0)
        {
            run.Keep();
            output.WriteLine(run.Summary);
        }

        Assert.True(problems.Count == 0, $"{problems.Count} problem(s) (seed {run.Seed}, rerun with TORTURE_SEED={run.Seed} TORTURE_MUTANTS={run.Observations.Count}):\n" + string.Join("\n", problems.Take(25)));
    }
}
