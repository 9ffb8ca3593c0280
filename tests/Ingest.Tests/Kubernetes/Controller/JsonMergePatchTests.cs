using System.Text.Json.Nodes;
using Npa.Ingest.Kubernetes.Controller;

namespace Npa.Ingest.Tests.Kubernetes.Controller;

public sealed class JsonMergePatchTests
{
    [Theory]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"a":1,"b":[1,2]}""", null)]
    [InlineData("""{"a":1,"b":[1,2]}""", """{"a":1,"b":[1,3]}""", """{"b":[1,3]}""")]
    [InlineData("""{"sel":{"matchLabels":{"x":"1"}}}""", """{"sel":{"matchLabels":{"y":"2"}}}""", """{"sel":{"matchLabels":{"y":"2","x":null}}}""")]
    [InlineData("""{"a":1,"gone":true}""", """{"a":2}""", """{"a":2,"gone":null}""")]
    public void Create_YieldsTheSmallestPatch_AndApplyingItGivesTheDesiredObject(string current, string desired, string? expected)
    {
        JsonObject? patch = JsonMergePatch.Create(JsonNode.Parse(current)!.AsObject(), JsonNode.Parse(desired)!.AsObject());

        Assert.Equal(expected, patch?.ToJsonString());
        JsonObject applied = JsonNode.Parse(current)!.AsObject();
        Apply(applied, patch ?? []);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(desired), applied), applied.ToJsonString());
    }

    private static void Apply(JsonObject target, JsonObject patch)
    {
        foreach ((string key, JsonNode? value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject p && target[key] is JsonObject t)
            {
                Apply(t, p);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
