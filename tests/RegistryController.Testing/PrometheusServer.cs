using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace RegistryController.Testing;

/// <summary>
/// A real Prometheus of the test's own: a free port, a temporary data directory, a 1 s scrape and
/// evaluation interval, one scrape target and one rules file. Disposing kills this process only.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _client;

    private PrometheusServer(Process process, TempDirectory directory, Uri address)
    {
        _process = process;
        _directory = directory;
        _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>What Prometheus logged (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <param name="target">host:port serving /metrics.</param>
    /// <param name="rules">A rules file's content (YAML, or JSON, which is YAML too).</param>
    public static async Task<PrometheusServer> StartAsync(string target, string rules)
    {
        var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.Combine("rules.yaml"), rules);
        await File.WriteAllTextAsync(directory.Combine("prometheus.yml"), $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            rule_files: [rules.yaml]
            scrape_configs:
              - job_name: registry-controller
                static_configs: [{"{"} targets: ["{target}"] {"}"}]
            """);
        var port = FreePort.Next();
        var start = new ProcessStartInfo(PromTools.Prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        foreach (var argument in new[]
        {
            $"--config.file={directory.Combine("prometheus.yml")}",
            $"--storage.tsdb.path={directory.Combine("data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new PrometheusServer(process, directory, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.UntilAsync(
                async () =>
                {
                    Assert.False(process.HasExited, $"prometheus exited:\n{server.Log}");
                    using var response = await server._client.GetAsync(new Uri("-/ready", UriKind.Relative));
                    return response.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(60),
                "prometheus ready");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>An instant query's samples: labels and value.</summary>
    public async Task<IReadOnlyList<(JsonObject Labels, double Value)>> QueryAsync(string promql)
    {
        var data = await GetDataAsync($"api/v1/query?query={Uri.EscapeDataString(promql)}");
        return [.. data["result"]!.AsArray().Select(r => (r!["metric"]!.AsObject(), double.Parse((string)r["value"]![1]!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>Pending and firing alerts.</summary>
    public async Task<IReadOnlyList<JsonObject>> AlertsAsync() =>
        [.. (await GetDataAsync("api/v1/alerts"))["alerts"]!.AsArray().Select(a => a!.AsObject())];

    /// <summary>Every metric name Prometheus holds a series of.</summary>
    public async Task<IReadOnlyList<string>> MetricNamesAsync() =>
        [.. (await GetDataAsync("api/v1/label/__name__/values")).AsArray().Select(n => (string)n!)];

    /// <summary>The API's error for a query, or null when Prometheus accepts it.</summary>
    public async Task<string?> QueryErrorAsync(string promql)
    {
        using var response = await _client.GetAsync(new Uri($"api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return (string?)body["status"] == "success" ? null : (string?)body["error"] ?? "no error text";
    }

    /// <summary>Polls (every 250 ms: each look is an HTTP query) until the condition holds or the deadline passes.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"not within {timeout.TotalSeconds:0} s: {what}\nprometheus log:\n{Log}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
        _directory.Dispose();
    }

    private async Task<JsonNode> GetDataAsync(string path)
    {
        var body = JsonNode.Parse(await _client.GetStringAsync(new Uri(path, UriKind.Relative)))!;
        Assert.True((string?)body["status"] == "success", body.ToJsonString());
        return body["data"]!;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
