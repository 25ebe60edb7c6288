using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace RegistryController.Registry;

/// <summary>
/// Applies <see cref="RegistryEdit"/>s to a parsed tree. Existing keys are replaced where they stand
/// and new keys are appended, so the rewritten file differs only on the lines that changed.
/// </summary>
internal static class RegistryEditor
{
    public static void Apply(JsonObject root, RegistryKind kind, IEnumerable<RegistryEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(edits);
        foreach (var edit in edits)
        {
            switch (edit)
            {
                case EndAgent end:
                    var agent = FindAgent(root, kind, end.AgentId, end.Index);
                    foreach (var (key, value) in AgentEndFields.For(end))
                    {
                        agent[key] = value;
                    }

                    foreach (var key in AgentEndFields.Removed(end))
                    {
                        agent.Remove(key);
                    }

                    break;
                case MirrorAgentStatus mirror:
                    var entry = FindAgent(root, kind, mirror.AgentId, -1);
                    entry["status"] = mirror.NewStatus;
                    foreach (var (key, value) in mirror.CopiedFields)
                    {
                        entry[key] = value;
                    }

                    break;
                case SetCounter counter:
                    root[counter.Field] = counter.NewValue;
                    break;
                default:
                    throw new InvalidOperationException($"Unknown edit {edit.GetType().Name}.");
            }
        }
    }

    /// <summary>The model as it will read once <paramref name="edits"/> are applied to its file.</summary>
    public static RegistryModel ApplyToModel(RegistryModel model, ImmutableArray<RegistryEdit> edits)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (edits.IsEmpty)
        {
            return model;
        }

        var agents = model.Agents.ToBuilder();
        var result = model;
        foreach (var edit in edits)
        {
            switch (edit)
            {
                case EndAgent end when model.Kind == RegistryKind.Task:
                    agents[end.Index] = AgentEndFields.Apply(agents[end.Index], end);
                    break;
                case SetCounter c when c.Field == RegistryModel.ActiveCountField(model.Kind):
                    result = result with { ActiveCount = c.NewValue };
                    break;
                default:
                    break;
            }
        }

        return result with { Agents = agents.ToImmutable() };
    }

    private static JsonObject FindAgent(JsonObject root, RegistryKind kind, string agentId, int index)
    {
        if (kind == RegistryKind.Task)
        {
            var list = root["agents"]!.AsArray();
            var agent = list[index]!.AsObject();
            // The edit was computed from this very parse; a mismatch is a bug, never a guess to act on.
            return (string?)agent["id"] == agentId
                ? agent
                : throw new InvalidOperationException($"agents[{index}] is not agent {agentId}.");
        }

        return root["agents"]![agentId]!.AsObject();
    }
}
