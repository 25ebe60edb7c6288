using RegistryController.Controller;
using RegistryController.Judgement;
using RegistryController.Kubernetes.Leadership;
using RegistryController.Locking;
using RegistryController.Runtime;
using RegistryController.Store;
using RegistryController.Tmux;
using Registryctl.Configuration;

namespace RegistryController.Tests.Registryctl;

/// <summary>Settings as keys and strings, bound to each section's options record and checked by the validator beside it.</summary>
public class SettingsLoaderTests
{
    private static IReadOnlyList<string> Errors(params (string Key, string Value)[] settings) =>
        SettingsLoader.Load([.. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))], _ => null).Errors;

    private static ResolvedSettings Loaded(params (string Key, string Value)[] settings)
    {
        var (resolved, errors) = SettingsLoader.Load([.. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))], _ => null);
        Assert.True(resolved is not null, string.Join("; ", errors));
        return resolved;
    }

    [Fact]
    public void A_file_size_limit_too_small_for_a_registry_is_refused_naming_Lock_MaxFileBytes()
    {
        var errors = Errors(("Lock:MaxFileBytes", "100"));

        Assert.Equal("Lock:MaxFileBytes: 100 is too small to hold a registry", Assert.Single(errors));
    }

    [Fact]
    public void A_file_size_limit_beyond_what_one_read_can_hold_is_refused_naming_Lock_MaxFileBytes()
    {
        var errors = Errors(("Lock:MaxFileBytes", "4294967296"));

        Assert.StartsWith("Lock:MaxFileBytes: 4294967296 is more than one read can hold", Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void The_file_size_limit_is_read_from_Lock_MaxFileBytes_as_the_readme_documents()
    {
        Assert.Equal(4096, Loaded(("Lock:MaxFileBytes", "4096")).Store.MaxFileBytes);
    }

    [Fact]
    public void An_unparsable_duration_is_refused_naming_its_key_and_the_spellings_that_work()
    {
        var errors = Errors(("Controller:ScanInterval", "soon"));

        Assert.Equal("Controller:ScanInterval: 'soon' is not a duration (examples: 250ms, 30s, 5m)", Assert.Single(errors));
    }

    [Fact]
    public void A_number_that_is_not_a_number_is_refused_naming_its_key()
    {
        var error = Assert.Single(Errors(("Reconcile:MassGuardMinimum", "many")));

        Assert.StartsWith("Reconcile:MassGuardMinimum: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duration_below_its_minimum_is_refused_naming_its_key_and_the_minimum()
    {
        var error = Assert.Single(Errors(("Tmux:Timeout", "10ms")));

        Assert.Equal("Tmux:Timeout: 10ms is below the minimum of 100ms", error);
    }

    [Theory]
    [InlineData("Lock:Timeout", "0s", "Lock:Timeout: 0ms is below the minimum of 10ms")]
    [InlineData("Lock:Timeout", "48h", "Lock:Timeout: 48h is above the maximum of 24h")]
    [InlineData("Lock:MaxDelay", "25h", "Lock:MaxDelay: 25h is above the maximum of 24h")]
    public void A_lock_bound_the_retry_pipeline_would_refuse_is_refused_at_start(string key, string value, string expected)
    {
        Assert.Equal(expected, Assert.Single(Errors((key, value))));
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("00:01:30", 90_000)]
    [InlineData("12", 12_000)]
    public void Durations_are_read_in_the_documented_spellings(string written, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Loaded(("Lock:Timeout", written)).Lock.Timeout);
    }

    [Fact]
    public void Never_holds_the_guard_until_a_person_acts()
    {
        Assert.Null(Loaded(("Controller:GuardHold", "never")).Controller.GuardHold);
    }

    [Fact]
    public void Off_never_kills_orphans()
    {
        Assert.Null(Loaded(("Controller:KillOrphansAfter", "off")).Controller.KillOrphansAfter);
    }

    [Fact]
    public void A_word_that_switches_one_setting_off_is_refused_by_a_setting_that_cannot_be_off()
    {
        var error = Assert.Single(Errors(("Reconcile:Grace", "off")));

        Assert.StartsWith("Reconcile:Grace: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_configured_gives_each_records_own_defaults()
    {
        var settings = Loaded();

        Assert.Equal(new TmuxOptions(), settings.Tmux);
        Assert.Equal(new ControllerOptions(), settings.Controller);
        Assert.Equal(new WorkQueueOptions(), settings.Queue);
        Assert.Equal(new LockOptions(), settings.Lock);
        Assert.Equal(new RegistryStoreOptions(), settings.Store);
        Assert.Equal(new LeaseOptions(), settings.Lease);
        Assert.Equal(new LogOptions(), settings.Log);
        Assert.Equal(new ReconcileOptions().Grace, settings.Reconcile.Grace);
        Assert.Equal(new ReconcileOptions().ActiveStatuses, settings.Reconcile.ActiveStatuses);
    }

    [Fact]
    public void The_stuck_rule_judges_with_Controller_StuckAfter()
    {
        Assert.Equal(TimeSpan.FromMinutes(3), Loaded(("Controller:StuckAfter", "3m")).Reconcile.StuckAfter);
    }

    [Fact]
    public void A_configured_status_list_replaces_the_default_list_instead_of_adding_to_it()
    {
        var settings = Loaded(("Reconcile:ActiveStatuses:0", "running"), ("Reconcile:ActiveStatuses:1", "paused"));

        Assert.Equal(["paused", "running"], settings.Reconcile.ActiveStatuses.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_mass_guard_cannot_be_switched_off_by_a_setting()
    {
        Assert.False(Loaded(("Reconcile:Force", "true")).Reconcile.Force);
    }

    [Fact]
    public void Controller_MaxViewAge_sets_the_age_of_the_tmux_view_a_termination_may_use()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), Loaded(("Controller:MaxViewAge", "1s")).Controller.MaxViewAgeForTermination);
    }

    [Fact]
    public void Tmux_Socket_is_the_socket_path_tmux_is_given()
    {
        Assert.Equal("/run/tmux/default", Loaded(("Tmux:Socket", "/run/tmux/default")).Tmux.Socket);
    }

    [Fact]
    public void Every_bad_setting_of_different_sections_is_named_at_once()
    {
        var errors = Errors(("Controller:Workers", "0"), ("Lock:MaxFileBytes", "1"), ("Log:Format", "xml"));

        Assert.Contains(errors, e => e.StartsWith("Controller:Workers: 0 must be between 1 and 64", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Lock:MaxFileBytes: ", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Log:Format: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_setting_of_every_options_record_is_of_a_type_the_binder_reads_but_the_status_lists()
    {
        // A property of another type would be skipped without a word; the status lists are read by SettingsLoader itself.
        Type[] records = [typeof(ReconcileOptions), typeof(ControllerOptions), typeof(TmuxOptions), typeof(WorkQueueOptions), typeof(LockOptions),
            typeof(RegistryStoreOptions), typeof(LeaseOptions), typeof(LogOptions), typeof(TelemetryOptions), typeof(WorkspaceOptions)];
        var unread = records.SelectMany(r => r.GetProperties().Where(p => p.SetMethod is not null && !OptionsBinder.Reads(p.PropertyType)).Select(p => $"{r.Name}.{p.Name}"));

        Assert.Equal(["ReconcileOptions.ActiveStatuses", "ReconcileOptions.TerminalStatuses"], unread.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_mass_guard_fraction_is_read_from_Reconcile_MassGuardFraction()
    {
        Assert.Equal(0.25, Loaded(("Reconcile:MassGuardFraction", "0.25")).Reconcile.MassGuardFraction);
    }
}
