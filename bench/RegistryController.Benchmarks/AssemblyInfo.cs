using System.Runtime.Versioning;

// The benchmarks drive a real tmux server and flock(2): Linux only, like the controller itself.
[assembly: SupportedOSPlatform("linux")]
