using Microsoft.Extensions.Options;
using RegistryController.Configuration;

namespace RegistryController.Tmux;

public sealed class TmuxOptionsValidator : IValidateOptions<TmuxOptions>
{
    public ValidateOptionsResult Validate(string? name, TmuxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ValidateOptionsResultBuilder();
        problems.AtLeast(OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.Timeout)), options.Timeout, TimeSpan.FromMilliseconds(100));
        problems.Require(
            options.Socket is null || options.SocketName is null,
            $"{OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.Socket))} and {OptionsRules.Key(TmuxOptions.Section, nameof(TmuxOptions.SocketName))} both given; tmux takes one (-S or -L)");
        return problems.Build();
    }
}
