using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RegistryController.Registry;

/// <summary>
/// Serializes a registry tree exactly as the orchestrator's <c>json.dumps(obj, indent=2)</c> does,
/// so that a repaired file differs from the original only on the lines the repair changed.
/// </summary>
/// <remarks>
/// Leaves that came from the parsed file are written as their original token text: numbers keep
/// their spelling (<c>1.0</c>, <c>115.568592</c>) and strings keep their escapes (even a lone
/// surrogate, which Python accepts and .NET strings cannot hold). Only values the controller
/// creates are encoded here, with Python's <c>ensure_ascii</c> rules.
/// </remarks>
public static class PythonJsonWriter
{
    private const int IndentSize = 2;

    public static byte[] Serialize(JsonNode root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var builder = new StringBuilder(16 * 1024);
        WriteNode(builder, root, 0);
        // Output is ASCII unless an original token carried raw UTF-8, which round-trips unchanged.
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static void WriteNode(StringBuilder sb, JsonNode? node, int depth)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject obj:
                WriteObject(sb, obj, depth);
                break;
            case JsonArray array:
                WriteArray(sb, array, depth);
                break;
            case JsonValue value:
                WriteValue(sb, value);
                break;
            default:
                throw new InvalidOperationException($"Unexpected JSON node type {node.GetType().Name}.");
        }
    }

    private static void WriteObject(StringBuilder sb, JsonObject obj, int depth)
    {
        if (obj.Count == 0)
        {
            sb.Append("{}");
            return;
        }

        sb.Append('{');
        var first = true;
        foreach (var (key, child) in obj)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            NewLine(sb, depth + 1);
            AppendPythonString(sb, key);
            sb.Append(": ");
            WriteNode(sb, child, depth + 1);
        }

        NewLine(sb, depth);
        sb.Append('}');
    }

    private static void WriteArray(StringBuilder sb, JsonArray array, int depth)
    {
        if (array.Count == 0)
        {
            sb.Append("[]");
            return;
        }

        sb.Append('[');
        for (var i = 0; i < array.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            NewLine(sb, depth + 1);
            WriteNode(sb, array[i], depth + 1);
        }

        NewLine(sb, depth);
        sb.Append(']');
    }

    private static void WriteValue(StringBuilder sb, JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            sb.Append(element.GetRawText());
            return;
        }

        if (value.TryGetValue<string>(out var text))
        {
            AppendPythonString(sb, text);
        }
        else if (value.TryGetValue<long>(out var integer))
        {
            sb.Append(integer.ToString(CultureInfo.InvariantCulture));
        }
        else if (value.TryGetValue<int>(out var small))
        {
            sb.Append(small.ToString(CultureInfo.InvariantCulture));
        }
        else if (value.TryGetValue<bool>(out var flag))
        {
            sb.Append(flag ? "true" : "false");
        }
        else
        {
            throw new InvalidOperationException($"The controller never writes a value of kind {value.GetValueKind()}.");
        }
    }

    private static void NewLine(StringBuilder sb, int depth)
    {
        sb.Append('\n');
        sb.Append(' ', depth * IndentSize);
    }

    /// <summary>Python's <c>json.encoder.py_encode_basestring_ascii</c>.</summary>
    internal static void AppendPythonString(StringBuilder sb, string text)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e)
                    {
                        // Python keeps only ' '..'~' literal (DEL 0x7f is escaped too). UTF-16 code
                        // units are exactly what Python emits for non-BMP characters (a surrogate pair).
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        sb.Append('"');
    }
}
