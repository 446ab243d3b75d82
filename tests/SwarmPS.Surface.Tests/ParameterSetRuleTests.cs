using SwarmPS.Surface.Tests.Surface;

namespace SwarmPS.Surface.Tests;

/// <summary>
/// The parameter-set rule on hand-made cmdlet shapes, covering the cases the samples do not: sets that
/// differ in nothing, a default set that does not exist, and a subset set settled by the default.
/// </summary>
public sealed class ParameterSetRuleTests
{
    [Fact]
    public void Identical_sets_are_reported_even_with_a_default()
    {
        var cmdlet = Cmdlet("A",
            Parameter("Name", ("A", false), ("B", false)));
        var violation = Assert.Single(Rule(cmdlet));
        Assert.Contains("have the same parameters", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_subset_set_is_fine_when_it_is_the_default()
    {
        // Get-Thing -Name x picks Simple (default); adding -Force picks Full.
        var cmdlet = Cmdlet("Simple",
            Parameter("Name", ("Simple", true), ("Full", true)),
            Parameter("Force", ("Full", false)));
        Assert.Empty(Rule(cmdlet));
    }

    [Fact]
    public void A_subset_set_without_default_is_ambiguous_unless_the_larger_set_requires_its_extra()
    {
        var optionalExtra = Cmdlet(null,
            Parameter("Name", ("Simple", true), ("Full", true)),
            Parameter("Force", ("Full", false)));
        Assert.Single(Rule(optionalExtra));

        var mandatoryExtra = Cmdlet(null,
            Parameter("Name", ("Simple", true), ("Full", true)),
            Parameter("Target", ("Full", true)));
        Assert.Empty(Rule(mandatoryExtra));
    }

    [Fact]
    public void A_default_set_that_does_not_exist_is_reported()
    {
        var cmdlet = Cmdlet("Nowhere",
            Parameter("Name", ("ByName", true)),
            Parameter("Id", ("ById", true)));
        var violation = Assert.Single(Rule(cmdlet));
        Assert.Contains("DefaultParameterSetName 'Nowhere' names no parameter set", violation, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cmdlet_without_named_sets_is_never_ambiguous()
    {
        var cmdlet = Cmdlet(null, Parameter("Name", (ParameterSetMembership.AllSets, false)));
        Assert.Empty(Rule(cmdlet));
    }

    private static IReadOnlyList<string> Rule(CmdletSurface cmdlet) =>
        SurfaceRules.ParameterSetProblems(cmdlet);

    private static CmdletSurface Cmdlet(string? defaultSet, params ParameterSurface[] parameters) =>
        new("Get", "SwarmThing", "GetSwarmThingCommand", "Samples.GetSwarmThingCommand", false, defaultSet,
            Array.Empty<OutputTypeSurface>(), parameters);

    private static ParameterSurface Parameter(string name, params (string Set, bool Mandatory)[] sets) =>
        new(name, "System.String", sets.Select(set => new ParameterSetMembership(set.Set, set.Mandatory)).ToList());
}
