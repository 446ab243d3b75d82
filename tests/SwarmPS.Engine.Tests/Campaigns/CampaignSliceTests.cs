using SwarmPS.Engine.Campaigns;
using static SwarmPS.Engine.Tests.Campaigns.SampleCampaigns;

namespace SwarmPS.Engine.Tests.Campaigns;

public sealed class CampaignSliceTests
{
    private static SwarmException Fails(params string?[] names) =>
        Assert.Throws<SwarmException>(() => CampaignSlice.Select(ThreeAgents(), names));

    [Fact]
    public void A_slice_keeps_only_the_named_agents_in_declaration_order()
    {
        var whole = ThreeAgents();
        var slice = CampaignSlice.Select(whole, new[] { "critic", "planner" });

        Assert.Equal(new[] { "planner", "critic" }, slice.AgentNames);
        Assert.Same(whole.Agents[0], slice.Agents[0]);
        Assert.Same(whole.Agents[2], slice.Agents[1]);
    }

    [Fact]
    public void A_slice_keeps_the_initial_agent_and_remembers_the_whole_campaign()
    {
        var slice = CampaignSlice.Select(ThreeAgents(), new[] { "coder" });

        Assert.Equal("planner", slice.InitialAgent);
        Assert.True(slice.IsSlice);
        Assert.Equal(new[] { "planner", "coder", "critic" }, slice.SliceOf);
        Assert.Equal("three", slice.Name);
        Assert.Equal("Plan, write and review.", slice.UserTask);
        Assert.False(ThreeAgents().IsSlice);
    }

    [Fact]
    public void A_slice_of_a_slice_still_remembers_the_whole_campaign()
    {
        var slice = CampaignSlice.Select(CampaignSlice.Select(ThreeAgents(), new[] { "coder", "critic" }), new[] { "critic" });
        Assert.Equal(new[] { "critic" }, slice.AgentNames);
        Assert.Equal(new[] { "planner", "coder", "critic" }, slice.SliceOf);
    }

    public static TheoryData<string[], string[]> CommaLists => new()
    {
        { new[] { "a, ,b," }, new[] { "a", "b" } },
        { new[] { " coder ,critic" }, new[] { "coder", "critic" } },
        { new[] { ",,planner", "", " critic " }, new[] { "planner", "critic" } },
        { new[] { "coder" }, new[] { "coder" } },
    };

    public static TheoryData<string?[]> EmptySelections => new()
    {
        Array.Empty<string?>(),
        new string?[] { "" },
        new string?[] { " , ,", "  " },
        new string?[] { null },
    };

    [Theory]
    [MemberData(nameof(CommaLists))]
    public void Comma_lists_with_stray_spaces_and_empty_segments_are_split(string[] input, string[] expected)
    {
        Assert.Equal(expected, CampaignSlice.Split(input));
    }

    [Fact]
    public void A_comma_list_selects_like_an_array()
    {
        var slice = CampaignSlice.Select(ThreeAgents(), new[] { " critic, ,coder," });
        Assert.Equal(new[] { "coder", "critic" }, slice.AgentNames);
    }

    [Theory]
    [MemberData(nameof(EmptySelections))]
    public void An_empty_selection_is_refused_naming_the_agents_to_choose_from(string?[] names)
    {
        var error = Fails(names);
        Assert.Equal("AgentSelectionEmpty", error.ErrorId);
        Assert.Contains("planner, coder, critic", error.Remediation);
    }

    [Fact]
    public void Duplicates_are_refused_naming_each_culprit()
    {
        var error = Fails("coder, critic", "coder,critic", "planner");
        Assert.Equal("AgentSelectionDuplicate", error.ErrorId);
        Assert.Contains("'coder', 'critic'", error.Message);
        Assert.DoesNotContain("planner", error.Message);
    }

    [Fact]
    public void Unknown_names_are_refused_naming_each_culprit_with_the_nearest_agent()
    {
        var error = Fails("coder", "critc", "zzz");
        Assert.Equal("AgentNotFound", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.ObjectNotFound, error.Category);
        Assert.Contains("'critc', 'zzz'", error.Message);
        Assert.Contains("'critc' -> did you mean 'critic'?", error.Remediation);
        Assert.Contains("Agents: planner, coder, critic", error.Remediation);
    }

    [Fact]
    public void Names_are_matched_exactly()
    {
        Assert.Equal("AgentNotFound", Fails("Coder").ErrorId);
    }

    [Fact]
    public void A_slice_cannot_select_an_agent_it_left_out()
    {
        var slice = CampaignSlice.Select(ThreeAgents(), new[] { "coder" });
        var error = Assert.Throws<SwarmException>(() => CampaignSlice.Select(slice, new[] { "planner" }));
        Assert.Equal("AgentNotFound", error.ErrorId);
        Assert.Contains("(a slice)", error.Message);
    }

    [Fact]
    public void The_original_campaign_is_left_as_it_was()
    {
        var whole = ThreeAgents();
        CampaignSlice.Select(whole, new[] { "coder" });
        Assert.Equal(3, whole.Agents.Count);
        Assert.Null(whole.SliceOf);
    }
}
