using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Registryctl.Configuration;

public enum LogFormat
{
    Text,
    Json,
}

/// <summary><c>Log:*</c>: how <c>registryctl run</c> writes its log (to stderr).</summary>
public sealed record LogOptions
{
    public const string Section = "Log";

    /// <summary>Records written inside a reconcile carry its trace and span ids in either format.</summary>
    public LogFormat Format { get; init; } = LogFormat.Text;

    public LogLevel Level { get; init; } = LogLevel.Information;
}

internal sealed class LogOptionsValidator : IValidateOptions<LogOptions>
{
    public ValidateOptionsResult Validate(string? name, LogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        if (!Enum.IsDefined(options.Format))
        {
            problems.AddError($"{LogOptions.Section}:{nameof(LogOptions.Format)}: {(int)options.Format} must be text or json");
        }

        if (options.Level is < LogLevel.Trace or > LogLevel.Error)
        {
            problems.AddError($"{LogOptions.Section}:{nameof(LogOptions.Level)}: '{options.Level}' must be one of Trace, Debug, Information, Warning, Error");
        }

        return problems.Build();
    }
}

/// <summary><c>Telemetry:*</c>. OTLP export is configured by the standard OTEL_* variables, not here.</summary>
public sealed record TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Print every span on stdout (local debugging).</summary>
    public bool Console { get; init; }
}
