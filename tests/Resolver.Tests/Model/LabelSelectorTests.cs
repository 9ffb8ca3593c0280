using Npa.Resolver.Model;
using static Npa.Tests.Shared.Builders.Spec;

namespace Npa.Resolver.Tests.Model;

/// <summary>metav1.LabelSelector semantics, as the Kubernetes API documents them.</summary>
public class LabelSelectorTests
{
    // operator | values      | pod labels      | selected
    public static TheoryData<SelectorOperator, string[], string, bool> Expressions => new()
    {
        { SelectorOperator.In, ["web", "api"], "app=web", true },
        { SelectorOperator.In, ["web", "api"], "app=db", false },
        { SelectorOperator.In, ["web", "api"], "tier=web", false },
        { SelectorOperator.In, ["web", "api"], "", false },
        { SelectorOperator.NotIn, ["web", "api"], "app=web", false },
        { SelectorOperator.NotIn, ["web", "api"], "app=db", true },
        { SelectorOperator.NotIn, ["web", "api"], "", true },
        { SelectorOperator.Exists, [], "app=web", true },
        { SelectorOperator.Exists, [], "app=", true },
        { SelectorOperator.Exists, [], "tier=web", false },
        { SelectorOperator.DoesNotExist, [], "app=web", false },
        { SelectorOperator.DoesNotExist, [], "tier=web", true },
        { SelectorOperator.DoesNotExist, [], "", true },
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void MatchExpression_OnKeyApp(SelectorOperator op, string[] values, string podLabels, bool selected)
    {
        Assert.Equal(selected, Expression("app", op, values).Matches(Labels(podLabels)));
    }

    [Fact]
    public void EmptySelector_SelectsEveryLabelSet_EvenNone()
    {
        LabelSelector empty = Select("");

        Assert.True(empty.IsEmpty);
        Assert.True(empty.Matches(Labels("")));
        Assert.True(empty.Matches(Labels("app=web,tier=front")));
        Assert.True(LabelSelector.Everything.Matches(Labels("anything=at-all")));
    }

    [Fact]
    public void MatchLabels_NeedsEveryPairWithTheExactValue()
    {
        LabelSelector selector = Select("app=web,tier=front");

        Assert.True(selector.Matches(Labels("app=web,tier=front,extra=ignored")));
        Assert.False(selector.Matches(Labels("app=web")));
        Assert.False(selector.Matches(Labels("app=Web,tier=front")));
    }

    [Fact]
    public void MatchLabelsAndMatchExpressions_AreAnded()
    {
        LabelSelector selector = new(Labels("app=web"), [new SelectorRequirement("env", SelectorOperator.NotIn, ["prod"])]);

        Assert.True(selector.Matches(Labels("app=web,env=dev")));
        Assert.False(selector.Matches(Labels("app=web,env=prod")));
        Assert.False(selector.Matches(Labels("app=db,env=dev")));
    }

    [Fact]
    public void SeveralExpressions_MustAllHold()
    {
        LabelSelector selector = new(new Dictionary<string, string>(),
        [
            new SelectorRequirement("app", SelectorOperator.Exists, []),
            new SelectorRequirement("canary", SelectorOperator.DoesNotExist, []),
        ]);

        Assert.True(selector.Matches(Labels("app=web")));
        Assert.False(selector.Matches(Labels("app=web,canary=true")));
    }

    [Fact]
    public void AnUnknownOperator_SelectsNothing()
    {
        Assert.False(Expression("app", SelectorOperator.Unknown, "web").Matches(Labels("app=web")));
    }
}
