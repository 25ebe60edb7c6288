namespace RegistryController.Tests.Deploy;

/// <summary>A fact that needs promtool and prometheus: installs them if it can, else skips with the reason.</summary>
public sealed class PromToolsFactAttribute : FactAttribute
{
    public PromToolsFactAttribute()
    {
        if (PromTools.MissingReason is { } reason)
        {
            Skip = reason;
        }
    }
}
