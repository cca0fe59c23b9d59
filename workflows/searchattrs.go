package workflows

import (
	"go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes every lifecycle workflow keeps current, so "calls of
// 河西区 in stage X" is a visibility query in the Temporal UI and API.
var (
	SAStage    = temporal.NewSearchAttributeKeyKeyword("GrantFlowStage")
	SADistrict = temporal.NewSearchAttributeKeyKeyword("GrantFlowDistrict")
	SABrand    = temporal.NewSearchAttributeKeyKeyword("GrantFlowBrand")
	SAYear     = temporal.NewSearchAttributeKeyInt64("GrantFlowYear")
)

// SearchAttributes names and types every custom search attribute, for
// registering them with a Temporal namespace.
var SearchAttributes = map[string]enums.IndexedValueType{
	SAStage.GetName():    enums.INDEXED_VALUE_TYPE_KEYWORD,
	SADistrict.GetName(): enums.INDEXED_VALUE_TYPE_KEYWORD,
	SABrand.GetName():    enums.INDEXED_VALUE_TYPE_KEYWORD,
	SAYear.GetName():     enums.INDEXED_VALUE_TYPE_INT,
}
