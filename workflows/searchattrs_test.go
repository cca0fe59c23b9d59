package workflows

import (
	"maps"
	"slices"
	"testing"
)

// TestSearchAttributesCarryNoSecrets: search attributes are readable by
// every operator of the Temporal namespace (Web UI, CLI), so they carry
// what is public about a workflow and nothing about bids, panels or scores.
// A new attribute must be added here after checking it is public.
func TestSearchAttributesCarryNoSecrets(t *testing.T) {
	public := []string{"GrantFlowBrand", "GrantFlowDistrict", "GrantFlowStage", "GrantFlowYear"}
	if got := slices.Sorted(maps.Keys(SearchAttributes)); !slices.Equal(got, public) {
		t.Fatalf("search attributes %v; only %v are known to be public", got, public)
	}
}
