package workflows

// A call's review panel: its draw and the experts' declarations.

import (
	"fmt"
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

// panel draws the panel (until it is full) and waits for every drawn
// expert's declaration; recused experts are replaced by the declare handler.
func (r *callRun) panel(ctx workflow.Context) error {
	e := r.epoch
	for {
		if r.st.PanelShort != "" && !r.panelRedraw {
			// An earlier run found the pool short: wait for the redraw.
			if _, err := r.await(ctx, -1, func() bool { return r.panelRedraw || r.epoch != e }); err != nil {
				return err
			}
			if r.epoch != e {
				return nil
			}
		}
		if need := r.plan.PanelSize - len(r.st.Panel); need > 0 {
			var bidders []string
			for _, b := range r.st.Opened {
				bidders = append(bidders, b.USCC)
			}
			var drawn []activities.Drawn
			r.draws++
			info := workflow.GetInfo(ctx)
			var seated []int64
			for _, s := range r.st.Panel {
				seated = append(seated, s.TalentID)
			}
			err := workflow.ExecuteActivity(opts(ctx), a.DrawPanel, activities.DrawPanelInput{
				CallID: r.in.CallID, Need: need, Bidders: bidders, Staff: r.staff(),
				// A retried draw returns the draw it made (keyed by run and step).
				Key: fmt.Sprintf("%s/%s/panel/%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, r.draws),
				// Experts a short draw recorded (its result lost with its error) are seated now.
				Adopt: true, Seated: seated,
			}).Get(ctx, &drawn)
			for _, d := range drawn {
				r.st.Panel = append(r.st.Panel, Seat{UserID: d.UserID, TalentID: d.TalentID, Name: d.Name, Seq: d.Seq})
			}
			if err != nil {
				if de := DomainError(err); domain.ErrorCode(de) != domain.CodeConflict {
					return err
				}
				r.st.PanelShort = domain.ErrorMessage(DomainError(err))
				r.panelRedraw = false
				if err := r.notify(ctx, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()}, "panel.short",
					r.st.PanelShort, fmt.Sprintf("short/%d", len(r.st.Panel))); err != nil {
					return err
				}
				if _, err := r.await(ctx, -1, func() bool { return r.panelRedraw || r.epoch != e }); err != nil {
					return err
				}
				if r.epoch != e {
					return nil
				}
				continue
			}
			r.st.PanelShort = ""
		}
		if _, err := r.await(ctx, -1, func() bool {
			return r.epoch != e || len(r.st.Panel) < r.plan.PanelSize || r.panelConfirmed()
		}); err != nil {
			return err
		}
		if r.epoch != e {
			return nil
		}
		if r.panelConfirmed() {
			return r.setStage(ctx, domain.StageScoring, "", domain.System)
		}
	}
}

func (r *callRun) panelConfirmed() bool {
	if len(r.st.Panel) < r.plan.PanelSize {
		return false
	}
	for _, s := range r.st.Panel {
		if !s.Confirmed {
			return false
		}
	}
	return true
}

// staff are the users who acted on this call as officials: they never sit
// on its panel.
func (r *callRun) staff() []int64 {
	out := []int64{r.in.CreatedBy.UserID}
	if r.st.SubmittedBy != 0 {
		out = append(out, r.st.SubmittedBy)
	}
	return out
}
