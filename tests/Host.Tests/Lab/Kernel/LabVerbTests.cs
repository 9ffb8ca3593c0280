using System.Diagnostics;
using System.Text.Json;
using Npa.Tests.Shared;

namespace Npa.Host.Tests.Lab.Kernel;

/// <summary>The verbs end to end, as an operator types them: up --detach, probe -o json, down, down again.</summary>
[Collection(LabCollection.Name)]
public class LabVerbTests
{
    [NetnsFact]
    public async Task UpDetach_Probe_Down_ThroughTheExecutable()
    {
        await using LabFixture lab = new();
        lab.Write("pods.yaml",
            LabFixture.Pod("x", "a", "10.124.0.1", "{name: http, containerPort: 80}, {containerPort: 81, protocol: UDP}") +
            LabFixture.Pod("x", "b", "10.124.0.2", "{containerPort: 80}"));
        try
        {
            (int upCode, string upOut) = await Npa("lab", "up", "-f", lab.Manifests, "--detach", "--prefix", lab.Prefix, "--state-dir", lab.StateDirectory);
            Assert.True(upCode == 0, upOut);
            Assert.True(File.Exists(Path.Combine(lab.StateDirectory, "daemon.pid")), upOut);

            (int probeCode, string json) = await Npa("lab", "probe", "--state-dir", lab.StateDirectory, "--probe", "TCP/80", "-o", "json");
            Assert.True(probeCode == 0, json);
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement probe = Assert.Single(doc.RootElement.GetProperty("probes").EnumerateArray());
            Assert.Equal("TCP", probe.GetProperty("protocol").GetString());
            Assert.Equal("80", probe.GetProperty("port").GetString());
            Assert.Equal(JsonValueKind.True, probe.GetProperty("matrix").GetProperty("x/a").GetProperty("x/b").ValueKind);

            // A named probe: x/a declares http, x/b does not, so x/b can be probed from nowhere on it.
            (int namedCode, string namedJson) = await Npa("lab", "probe", "--state-dir", lab.StateDirectory, "--probe", "TCP/http", "-o", "json");
            Assert.True(namedCode == 0, namedJson);
            using JsonDocument named = JsonDocument.Parse(namedJson);
            JsonElement http = Assert.Single(named.RootElement.GetProperty("probes").EnumerateArray());
            Assert.Equal("http", http.GetProperty("port").GetString());
            Assert.Equal(JsonValueKind.True, http.GetProperty("matrix").GetProperty("x/b").GetProperty("x/a").ValueKind);
            Assert.Equal(JsonValueKind.Null, http.GetProperty("matrix").GetProperty("x/a").GetProperty("x/b").ValueKind);
            Assert.Contains(named.RootElement.GetProperty("diagnostics").EnumerateArray(),
                d => d.GetString()!.Contains("x/b declares no TCP port named 'http'", StringComparison.Ordinal));

            (int badCode, string badOut) = await Npa("lab", "probe", "--state-dir", lab.StateDirectory, "--probe", "TCP/HTTP");
            Assert.Equal(1, badCode);
            Assert.Contains("probe 'TCP/HTTP'", badOut, StringComparison.Ordinal);
        }
        finally
        {
            (int downCode, string downOut) = await Npa("lab", "down", "--state-dir", lab.StateDirectory);
            Assert.True(downCode == 0, downOut);
        }

        Assert.Empty(lab.LeftoverNamespaces());
        Assert.False(Directory.Exists(lab.StateDirectory));
        (int againCode, string againOut) = await Npa("lab", "down", "--state-dir", lab.StateDirectory);
        Assert.Equal(0, againCode);
        Assert.Contains("nothing to remove", againOut, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output)> Npa(params string[] args)
    {
        ProcessStartInfo psi = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "npa.dll"));
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TestTimeouts.Default);
        return (p.ExitCode, await stdout + await stderr);
    }
}
