using Microsoft.AspNetCore.Http;

namespace Registryctl.Hosting;

/// <summary>
/// How <c>run</c>'s fixed paths are matched without endpoint routing: the path itself or with one trailing slash, in
/// any case, as a route template matched it, and nothing below it (a probe's path set to <c>/healthz/</c> keeps
/// working; <c>/metrics/x</c> is not the metrics).
/// </summary>
internal static class HostPaths
{
    public static Func<HttpContext, bool> At(PathString path) =>
        context => context.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase, out var rest)
            && (!rest.HasValue || rest.Value == "/");
}
