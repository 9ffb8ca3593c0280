using System.Security.Cryptography;
using System.Text;

namespace Npa.Host.Lab;

/// <summary>
/// A hash of everything in a manifest folder (relative names and bytes of *.yaml, *.yml, *.json). The
/// daemon publishes the hash it programmed; <c>lab probe</c> computes the current one and waits for a match.
/// </summary>
public static class LabContentHash
{
    public static IReadOnlyList<string> ManifestFiles(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ||
                            f.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal).ToList()
            : throw new LabException($"manifest folder {directory} does not exist");

    public static string Compute(string directory)
    {
        using IncrementalHash h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string f in ManifestFiles(directory))
        {
            h.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(directory, f) + "\0"));
            byte[] content;
            try
            {
                content = File.ReadAllBytes(f);
            }
            catch (IOException)
            {
                content = [];
            }

            h.AppendData(content);
            h.AppendData("\0"u8);
        }

        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
