using System.Globalization;
using System.Text;

namespace RegistryController.Tools.Torture;

/// <summary>The end of every torture report: the violations (the first 50) and where the evidence was kept.</summary>
internal static class TortureVerdict
{
    public static string Append(StringBuilder text, IReadOnlyCollection<string> violations, string? keptDirectory)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"violations: {violations.Count}");
        foreach (var violation in violations.Take(50))
        {
            text.AppendLine("  - " + violation);
        }

        if (keptDirectory is not null)
        {
            text.AppendLine("kept for inspection: " + keptDirectory);
        }

        return text.ToString();
    }
}
