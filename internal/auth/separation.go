package auth

import (
	"slices"

	"grantflow/internal/domain"
)

// Decision is a decision that needs people to act on it in turn: the
// two-step award approval (民政 then 财政), a score, an evaluation.
type Decision struct {
	// Earlier are the users who already acted on this decision (an earlier
	// approval step, for instance).
	Earlier []int64
	// Orgs are the organisations the decision is about (the bidders of a
	// call, the organisation of a project).
	Orgs []int64
	// Relations are organisations the acting person declared ties to
	// (employment in the last three years, relatives…; from the talent
	// library).
	Relations []int64
}

// SeparationOfDuties is the one place that says a person may not act on a
// decision: the same person never gives two steps of one decision, and
// nobody approves, scores or evaluates anything of an organisation they
// belong to or declared a tie to.
func SeparationOfDuties(actor domain.Actor, d Decision) error {
	if slices.Contains(d.Earlier, actor.UserID) {
		return domain.Errorf(domain.CodeForbidden, "同一人不能对同一事项作出两级审批或重复评审，请由另一位工作人员办理。")
	}
	for _, org := range d.Orgs {
		if actor.OrgID != 0 && actor.OrgID == org {
			return domain.Errorf(domain.CodeForbidden, "您属于该事项涉及的社会组织，依法应当回避。")
		}
		if slices.Contains(d.Relations, org) {
			return domain.Errorf(domain.CodeForbidden, "您与该事项涉及的社会组织存在利害关系，依法应当回避。")
		}
	}
	return nil
}
