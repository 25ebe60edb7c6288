using System.Net;
using System.Net.Sockets;

namespace RegistryController.Testing;

/// <summary>A loopback port nobody listens on right now (the listen setting does not take port 0).</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
