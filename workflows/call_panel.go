package workflows

// A call's review panel: its draw and the experts' declarations.

import (
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// validateRedrawPanel refuses a redraw while the draw is not short.
func (r *callRun) validateRedrawPanel(_ workflow.Context, req RedrawRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionManagePanel, r.district()); err != nil {
		return err
	}
	if err := r.stageIs(domain.StagePanel); err != nil {
		return err
	}
	if r.st.PanelShort == "" {
		return domain.Errorf(domain.CodeConflict, "评审小组抽取正常进行中，无需重新抽取。")
	}
	return nil
}

// redrawPanel lets the panel loop draw again after a short draw.
func (r *callRun) redrawPanel(ctx workflow.Context, req RedrawRequest) (Ack, error) {
	r.panelRedraw = true
	return r.acked(nil)
}

// validateDeclare refuses a declaration by someone not on the panel, or
// made already.
func (r *callRun) validateDeclare(_ workflow.Context, req DeclareRequest) error {
	if err := auth.Authorize(req.Actor.User(), auth.ActionScore, ""); err != nil {
		return err
	}
	if err := r.stageIs(domain.StagePanel); err != nil {
		return err
	}
	i := r.seat(req.Actor.UserID)
	if i < 0 {
		return domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中。")
	}
	if r.st.Panel[i].Confirmed {
		return domain.Errorf(domain.CodeConflict, "您已声明过无利害关系。")
	}
	if req.Conflict {
		return domain.ValidateReason(req.Reason)
	}
	return nil
}

// declare records an expert's declaration: no conflict confirms the seat,
// a conflict empties it.
func (r *callRun) declare(ctx workflow.Context, req DeclareRequest) (Ack, error) {
	if err := workflow.ExecuteActivity(opts(ctx), a.Declare, activities.DeclareInput{
		CallID: r.in.CallID, UserID: req.Actor.UserID, Conflict: req.Conflict, Reason: strings.TrimSpace(req.Reason), By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return Ack{}, err
	}
	i := r.seat(req.Actor.UserID)
	if req.Conflict {
		// The seat empties; the panel loop draws a replacement.
		r.st.Panel = slices.Delete(r.st.Panel, i, i+1)
	} else {
		r.st.Panel[i].Confirmed = true
	}
	return r.acked(nil)
}

func (r *callRun) seat(userID int64) int {
	return slices.IndexFunc(r.st.Panel, func(s Seat) bool { return s.UserID == userID })
}
